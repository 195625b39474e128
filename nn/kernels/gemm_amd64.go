//go:build !noasm

package kernels

//go:generate go run gen_amd64.go

// The assembly micro-kernels (gemm_amd64.s). Each computes, for i < MR and
// j < NR, with MR×NR as in its name,
//
//	c[i*ldc+j] = Σ_{p<k} a[p*MR+i] · b[p*NR+j]  (+ c[i*ldc+j] if add ≠ 0)
//
// from packed panels a (k×MR) and b (k×NR), for k ≥ 1.

//go:noescape
func kernAVX512x14x32(k int, a, b, c *float32, ldc, add int)

//go:noescape
func kernAVX2x6x16(k int, a, b, c *float32, ldc, add int)

// kernAVX512BF16x14x32 is kernAVX512x14x32 on panels of bfloat16 pairs (k
// counts pairs): one VDPBF16PS, two multiply-adds per lane, per FMA of the
// fp32 kernel.
//
//go:noescape
func kernAVX512BF16x14x32(k int, a, b, c *float32, ldc, add int)

// packA14AVX512 packs 14 rows of A (gemm_amd64.s): for p < kc (a multiple
// of 16) and i < 14,
//
//	dst[p*14+i] = alpha · src[i*lda+p]
//
//go:noescape
func packA14AVX512(dst, src *float32, lda, kc int, alpha float32)

// packRows14 is the microKernel.packRows of the AVX-512 kernel: assembly for
// the columns in groups of 16, Go for the rest.
func packRows14(dst, a []float32, lda, kc int, alpha float32) {
	_, _ = dst[14*kc-1], a[13*lda+kc-1]
	k16 := kc &^ 15
	if k16 > 0 {
		packA14AVX512(&dst[0], &a[0], lda, k16, alpha)
	}
	for i := range 14 {
		for p := k16; p < kc; p++ {
			dst[p*14+i] = alpha * a[i*lda+p]
		}
	}
}

// packA14PairsAVX512 packs 14 rows of A as bfloat16 pairs (gemm_amd64.s): for pp < kc/2 (kc a multiple of 32)
// and i < 14,
//
//	dst[pp*14+i] = bf16(alpha · src[i*lda+2pp]) | bf16(alpha · src[i*lda+2pp+1]) << 16
//
//go:noescape
func packA14PairsAVX512(dst, src *float32, lda, kc int, alpha float32)

// packRows14Pairs is the microKernel.packRowsPairs of the AVX-512 bf16 kernel: packRows14 and toBF16Pairs in one
// pass, in assembly for the columns in groups of 32; the rest is packed as values past those pairs and rounded
// there (pairs pair consecutive columns, and the groups are even).
func packRows14Pairs(dst, a []float32, lda, kc int, alpha float32) {
	_, _ = dst[14*kc-1], a[13*lda+kc-1]
	k32 := kc &^ 31
	if k32 > 0 {
		packA14PairsAVX512(&dst[0], &a[0], lda, k32, alpha)
	}
	if k32 == kc {
		return
	}
	rest := dst[k32/2*14 : (k32/2+kc-k32)*14] // the values of columns k32 ≤ p < kc, then their pairs
	for i := range 14 {
		for p := k32; p < kc; p++ {
			rest[(p-k32)*14+i] = alpha * a[i*lda+p]
		}
	}
	toBF16Pairs(rest, kc-k32, 14)
}

// packA14TransAVX512 packs panels of 14 columns of a transposed A
// (gemm_amd64.s): for q < panels, p < kc and i < 14,
//
//	dst[q*kc*14+p*14+i] = alpha · src[p*lda+q*14+i]
//
//go:noescape
func packA14TransAVX512(dst, src *float32, lda, kc, panels int, alpha float32)

// packCols14 is the microKernel.packCols of the AVX-512 kernel.
func packCols14(dst, a []float32, lda, kc, panels int, alpha float32) {
	if kc < 1 || panels < 1 {
		return
	}
	_, _ = dst[panels*kc*14-1], a[(kc-1)*lda+panels*14-1]
	packA14TransAVX512(&dst[0], &a[0], lda, kc, panels, alpha)
}

// packB16TAVX512 transposes 16 rows of B (gemm_amd64.s): for p < kc (a
// multiple of 16) and j < 16,
//
//	dst[p*ldd+j] = src[j*lda+p]
//
//go:noescape
func packB16TAVX512(dst, src *float32, lda, kc, ldd int)

// packBT32 is the microKernel.packBT of the AVX-512 kernel: each half of
// the 32-column panel in assembly for the rows in groups of 16, Go for the
// rest.
func packBT32(dst, b []float32, ldb, kc int) {
	_, _ = dst[32*kc-1], b[31*ldb+kc-1]
	k16 := kc &^ 15
	if k16 > 0 {
		packB16TAVX512(&dst[0], &b[0], ldb, k16, 32)
		packB16TAVX512(&dst[16], &b[16*ldb], ldb, k16, 32)
	}
	for j := range 32 {
		for p := k16; p < kc; p++ {
			dst[p*32+j] = b[j*ldb+p]
		}
	}
}

// packBRowsAVX512 packs kc rows of a non-transposed B, nc columns each, into
// panels of 32 columns stride values apart, the columns past nc as zeros
// (packb_amd64.s): for p < kc and j < ⌈nc/32⌉·32,
//
//	dst[(j/32)*stride + p*32 + j%32] = src[p*ldb+j] (0 for j ≥ nc)
//
//go:noescape
func packBRowsAVX512(dst, src *float32, ldb, kc, nc, stride int)

// packBRows32 is the microKernel.packBRows of the AVX-512 kernel: one
// assembly call for the whole block, where the Go loop called copy for
// every 32 values.
func packBRows32(dst, b []float32, ldb, kc, nc int) {
	if kc <= 0 || nc <= 0 {
		return
	}
	const nr = 32
	_, _ = dst[ceilDiv(nc, nr)*kc*nr-1], b[(kc-1)*ldb+nc-1]
	packBRowsAVX512(&dst[0], &b[0], ldb, kc, nc, kc*nr)
}

var (
	avx512Kernel = microKernel{name: "avx512", mr: 14, nr: 32, mc: 14 * 10, kc: 512, nc: 32 * 128,
		kern: asmKernel(kernAVX512x14x32, 14, 32), packRows: packRows14,
		packCols: packCols14, packBT: packBT32, packBRows: packBRows32}
	// avx512BF16Kernel packs as avx512Kernel does, then rounds the panels to
	// bfloat16 pairs (pairs), but for full panels of A and a non-transposed
	// B, which it packs as pairs in one pass; its kc is twice as deep for the
	// same panel bytes.
	avx512BF16Kernel = microKernel{name: "avx512-bf16", mr: 14, nr: 32, mc: 14 * 10, kc: 1024, nc: 32 * 128,
		kern: pairKernel(asmKernel(kernAVX512BF16x14x32, 14, 32)), packRows: packRows14,
		packRowsPairs: packRows14Pairs, packCols: packCols14, packColsPairs: packCols14Pairs, packBT: packBT32,
		packBPairs: packBPairs32, pairs: true}
	avx2Kernel = microKernel{name: "avx2", mr: 6, nr: 16, mc: 6 * 12, kc: 384, nc: 16 * 256,
		kern: asmKernel(kernAVX2x6x16, 6, 16)}
)
