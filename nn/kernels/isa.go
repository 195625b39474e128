package kernels

import (
	"fmt"
	"slices"
)

// ISA is an instruction set the kernels can use. One switch, Active, picks it
// for every kernel: the GEMM micro-kernel (and so the convolutions), the
// elementwise kernels and the vector add. It is chosen once at start-up, the
// best that this build and CPU can run, and changed only by Force.
type ISA int

// The instruction sets, from the most portable.
const (
	// Portable is Go code only: the 2×4 GEMM micro-kernel and the Go
	// versions of the elementwise kernels, which define their results. It is
	// the only one with the build tag noasm or off amd64 and arm64.
	Portable ISA = iota
	// AVX2 adds the AVX2+FMA 6×16 GEMM micro-kernel and the AVX2 vector add;
	// the elementwise kernels stay portable.
	AVX2
	// AVX512 adds the AVX-512 14×32 GEMM micro-kernel and the AVX-512
	// elementwise kernels (the same bits as the portable ones).
	AVX512
	// NEON is arm64's: the NEON 12×8 GEMM micro-kernel; the other kernels stay
	// portable.
	NEON
)

// String returns "portable", "avx2", "avx512" or "neon".
func (i ISA) String() string {
	switch i {
	case Portable:
		return "portable"
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	case NEON:
		return "neon"
	}
	return fmt.Sprintf("ISA(%d)", int(i))
}

// ParseISA returns the instruction set named name (as String writes it), or an error that lists the names.
func ParseISA(name string) (ISA, error) {
	for _, isa := range []ISA{Portable, AVX2, AVX512, NEON} {
		if isa.String() == name {
			return isa, nil
		}
	}
	return 0, fmt.Errorf("unknown instruction set %q (want portable, avx2, avx512 or neon)", name)
}

// Can reports whether this build and CPU can run isa.
func Can(isa ISA) bool { return slices.Contains(Available(), isa) }

// active is the instruction set in use; activeKernel (the GEMM micro-kernel)
// follows it.
var active = Available()[0]

// Active returns the instruction set the kernels use.
func Active() ISA { return active }

// Available lists the instruction sets this build and CPU can run, best
// first; Portable is always last.
func Available() []ISA {
	var s []ISA
	if canNEON {
		s = append(s, NEON)
	}
	if canAVX512 {
		s = append(s, AVX512)
	}
	if canAVX2 {
		s = append(s, AVX2)
	}
	return append(s, Portable)
}

// Force makes every kernel use isa until restore is called: for tests and
// benchmarks that compare the paths. It must not be called while kernels
// run. It panics if this build or CPU cannot run isa.
func Force(isa ISA) (restore func()) {
	if !Can(isa) {
		panic(fmt.Sprintf("kernels: %v is not available in this build or on this CPU (available: %v)", isa, Available()))
	}
	old := active
	setActive(isa)
	return func() { setActive(old) }
}

// setActive switches every kernel to isa.
func setActive(isa ISA) {
	active = isa
	activeKernel = gemmKernel(isa)
	if bf16 && isa == AVX512 {
		activeKernel = bf16Kernel
	}
}

// bf16 says whether the GEMMs round their operands to bfloat16 (UseBF16).
var bf16 bool

// BF16Available reports whether this build and CPU have the bf16 GEMM: AVX-512 with AVX512_BF16 (Intel from
// Cooper Lake and Sapphire Rapids, AMD from Zen 4).
func BF16Available() bool { return bf16Kernel != nil }

// UseBF16 makes every GEMM, and so every convolution and dense layer, round both operands to bfloat16 (ties to
// even) and accumulate the products in fp32, until restore is called: PyTorch's bf16 autocast for these ops.
// Everything else (weights, optimiser state, activations between ops) stays fp32. It applies while the AVX-512
// kernels are active (Force(AVX2) or Portable afterwards run fp32). It must not be called while kernels run, and
// returns an error, changing nothing, where BF16Available is false or the kernels are forced to another
// instruction set (a run asked for bf16 would otherwise silently run fp32).
func UseBF16() (restore func(), err error) {
	if !BF16Available() {
		return nil, BF16Unavailable()
	}
	if active != AVX512 {
		return nil, fmt.Errorf("bf16 runs on the AVX-512 kernels, and the kernels are forced to %v", active)
	}
	old := bf16
	bf16 = true
	setActive(active)
	return func() { bf16 = old; setActive(active) }, nil
}

// BF16Unavailable is the error of UseBF16 where BF16Available is false: it says what is missing.
func BF16Unavailable() error {
	return fmt.Errorf("bf16 needs a CPU with AVX-512 and AVX512_BF16 and a build with assembly (this one: %v available)", Available())
}

// BF16Active reports whether the GEMMs run in bf16 now.
func BF16Active() bool { return activeKernel.pairs }

// useAVX512 reports whether the AVX-512 elementwise kernels run.
func useAVX512() bool { return active == AVX512 }

// useAVX2 reports whether the AVX2 vector add runs.
func useAVX2() bool { return active == AVX2 || active == AVX512 }

// GEMMKernel describes the active GEMM micro-kernel and its blocking: "avx512 14×32, mc 140 kc 512 nc 4096".
func GEMMKernel() string {
	k := activeKernel
	return fmt.Sprintf("%s %d×%d, %v", k.name, k.mr, k.nr, k.blocking())
}

// activeKernel is the GEMM micro-kernel of the active instruction set.
var activeKernel = gemmKernel(active)
