package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// xAt returns the index of x[n,iy,ix,c], or -1 when (iy, ix) lies outside x.
func xAt(p ConvParams, n, iy, ix, c int) int {
	if iy < 0 || iy >= p.H || ix < 0 || ix >= p.W {
		return -1
	}
	return ((n*p.H+iy)*p.W+ix)*p.C + c
}

// forEachTap calls fn for every term x[xi]·w[wi] that contributes to y[yi]
// in the formula of ConvParams, in plain nested loops.
func forEachTap(p ConvParams, fn func(xi, wi, yi int)) {
	for n := range p.N {
		for oy := range p.OH {
			for ox := range p.OW {
				for f := range p.F {
					yi := ((n*p.OH+oy)*p.OW+ox)*p.F + f
					for ky := range p.KH {
						for kx := range p.KW {
							for c := range p.C {
								xi := xAt(p, n, oy*p.SH+ky-p.PadTop, ox*p.SW+kx-p.PadLeft, c)
								if xi >= 0 {
									fn(xi, ((ky*p.KW+kx)*p.C+c)*p.F+f, yi)
								}
							}
						}
					}
				}
			}
		}
	}
}

// convRefs computes the three reference results from the formula, in
// float64: y = conv(x, w), dx from dy (each x position gets dy·w from the
// outputs that read it) and dw from x and dy. Each comes with the magnitude
// Σ|term| that bounds the float32 rounding error.
func convRefs(p ConvParams, x, w, dy []float32) (y, ymag, dx, dxmag, dw, dwmag []float64) {
	y, ymag = make([]float64, p.YLen()), make([]float64, p.YLen())
	dx, dxmag = make([]float64, p.XLen()), make([]float64, p.XLen())
	dw, dwmag = make([]float64, p.WLen()), make([]float64, p.WLen())
	forEachTap(p, func(xi, wi, yi int) {
		v := float64(x[xi]) * float64(w[wi])
		y[yi] += v
		ymag[yi] += math.Abs(v)
		v = float64(dy[yi]) * float64(w[wi])
		dx[xi] += v
		dxmag[xi] += math.Abs(v)
		v = float64(x[xi]) * float64(dy[yi])
		dw[wi] += v
		dwmag[wi] += math.Abs(v)
	})
	return
}

// convCase builds the parameters of a test convolution: pad is "valid"
// (no padding), "same" (TensorFlow's SAME: OH = ⌈H/S⌉, the smaller half of
// the padding on top) or "full" (K−1 on each side).
func convCase(n, h, w, c, k, f, s int, pad string) ConvParams {
	p := ConvParams{N: n, H: h, W: w, C: c, KH: k, KW: k, F: f, SH: s, SW: s}
	switch pad {
	case "valid":
		p.OH, p.OW = (h-k)/s+1, (w-k)/s+1
	case "same":
		p.OH, p.OW = (h+s-1)/s, (w+s-1)/s
		p.PadTop = max((p.OH-1)*s+k-h, 0) / 2
		p.PadLeft = max((p.OW-1)*s+k-w, 0) / 2
	case "full":
		p.PadTop, p.PadLeft = k-1, k-1
		p.OH, p.OW = (h+k-2)/s+1, (w+k-2)/s+1
	}
	return p
}

// runConvCase checks Conv2D, Conv2DBackwardData and Conv2DBackwardFilter on
// random inputs against convRefs, overwriting and accumulating into random
// initial contents, with im2col tiles of the given height.
func runConvCase(t *testing.T, r *rand.Rand, p ConvParams, rows int, pl convPlan) {
	t.Helper()
	x, w, dy := randSlice(r, p.XLen()), randSlice(r, p.WLen()), randSlice(r, p.YLen())
	y, ymag, dx, dxmag, dw, dwmag := convRefs(p, x, w, dy)
	for _, acc := range []bool{false, true} {
		check := func(name string, terms int, run func(out []float32), want, mag []float64) {
			out := randSlice(r, len(want))
			want, mag = append([]float64(nil), want...), append([]float64(nil), mag...)
			for i := range want {
				mag[i] += 1e-30
				if acc {
					want[i] += float64(out[i])
					mag[i] += math.Abs(float64(out[i]))
				}
			}
			run(out)
			checkClose(t, fmt.Sprintf("%s accumulate=%v", name, acc), out, want, mag, terms, nil)
		}
		check("Conv2D", p.KH*p.KW*p.C, func(out []float32) { conv2D(p, x, w, out, acc, rows, pl) }, y, ymag)
		check("BackwardData", p.KH*p.KW*p.F, func(out []float32) { conv2DBackwardData(p, dy, w, out, acc, rows, pl) }, dx, dxmag)
		check("BackwardFilter", p.N*p.OH*p.OW, func(out []float32) { conv2DBackwardFilter(p, x, dy, out, acc, rows, pl) }, dw, dwmag)
	}
}

// convPlans are the ways a convolution may use goroutines: none, split
// batch (three goroutines, one thread each), shared tiles.
// Each runs unsplit; TestConv and TestConvPadding also run them split by
// filter row.
var convPlans = []convPlan{{1, 1, autoStrategy, false}, {3, 1, oneThreadStrategy, false},
	{1, 3, autoStrategy, false}, {1, 3, parallelStrategy, false}}

func TestConv(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	i := 0
	for _, k := range []int{1, 3, 5} {
		for _, s := range []int{1, 2} {
			for _, pad := range []string{"valid", "same", "full"} {
				for _, hw := range [][2]int{{7, 5}, {6, 9}} {
					for _, n := range []int{1, 3} {
						for _, cf := range [][2]int{{1, 1}, {1, 7}, {3, 5}, {5, 3}, {7, 1}, {7, 7}, {3, 3}, {5, 5}} {
							p := convCase(n, hw[0], hw[1], cf[0], k, cf[1], s, pad)
							rows := p.tileRows()
							if i%3 != 0 {
								rows = 1 + i%7 // force several im2col tiles
							}
							i++
							for _, split := range []bool{false, true} {
								pl := convPlans[i%len(convPlans)]
								pl.split = split
								t.Run(fmt.Sprintf("%+v/rows=%d/plan=%v", p, rows, pl), func(t *testing.T) {
									runConvCase(t, r, p, rows, pl)
								})
							}
						}
					}
				}
			}
		}
	}
}

// TestConvPaths runs a few convolutions, large enough to take the packed
// GEMM path, on every micro-kernel.
func TestConvPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	cases := []ConvParams{
		convCase(3, 16, 13, 7, 5, 17, 2, "same"),
		convCase(2, 8, 8, 33, 3, 29, 1, "same"),
		convCase(2, 11, 9, 19, 1, 37, 1, "valid"),
		{N: 2, H: 8, W: 8, C: 11, KH: 5, KW: 5, F: 9, SH: 2, SW: 2, PadTop: 2, PadLeft: 2, OH: 4, OW: 4},
		sameConv5(5, 8, 29, 37),
		tconv5(3, 4, 41, 19),
	}
	for _, path := range pathNames() {
		for ci, p := range cases {
			t.Run(fmt.Sprintf("%s/%+v", path, p), func(t *testing.T) {
				defer forcePath(t, path)()
				pl := convPlans[ci%len(convPlans)]
				pl.split = ci%2 == 0 || p.splitK()
				runConvCase(t, r, p, []int{p.tileRows(), 13}[ci%2], pl)
			})
		}
	}
}

func TestConvValidate(t *testing.T) {
	good := ConvParams{N: 2, H: 5, W: 5, C: 3, KH: 3, KW: 3, F: 4, SH: 1, SW: 1, PadTop: 1, PadLeft: 1, OH: 5, OW: 5}
	tests := []struct {
		name    string
		p       ConvParams
		x, w, y int
		want    string // substring of the error; "" means valid
	}{
		{"ok", good, 150, 108, 200, ""},
		{"short x", good, 100, 108, 200, "x has 100 values, want N·H·W·C = 2·5·5·3 = 150"},
		{"long w", good, 150, 109, 200, "w has 109 values, want KH·KW·C·F = 3·3·3·4 = 108"},
		{"short y", good, 150, 108, 199, "y has 199 values, want N·OH·OW·F = 2·5·5·4 = 200"},
		{"zero stride", ConvParams{N: 1, H: 1, W: 1, C: 1, KH: 1, KW: 1, F: 1, OH: 1, OW: 1}, 1, 1, 1, "strides ≥ 1"},
		{"negative pad", ConvParams{N: 1, H: 1, W: 1, C: 1, KH: 1, KW: 1, F: 1, SH: 1, SW: 1, PadTop: -1, OH: 1, OW: 1},
			1, 1, 1, "padding ≥ 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate(tt.x, tt.w, tt.y)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate: %v, want an error containing %q", err, tt.want)
			}
		})
	}
	defer func() {
		if msg := fmt.Sprint(recover()); !strings.Contains(msg, "x has 1 values") {
			t.Errorf("Conv2D panic %q, want the Validate message", msg)
		}
	}()
	Conv2D(good, make([]float32, 1), make([]float32, 108), make([]float32, 200), false)
}

// TestConvPadding stresses the tiles and the split by filter row on shapes
// where much of the filter reads padding: 1×1 and odd-sized images, kernels
// larger than the input, every PadTop and PadLeft from 0 to KH−1 (and
// padding beyond the kernel, where some outputs read nothing but padding),
// strides 1 to 3.
func TestConvPadding(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	sizes := []int{1, 2, 3, 5, 7}
	i := 0
	for _, k := range []int{1, 2, 3, 5} {
		for s := 1; s <= 3; s++ {
			for top := 0; top <= k; top++ {
				for left := 0; left <= k; left++ {
					if (top == k) != (left == k) { // one case with both beyond the kernel
						continue
					}
					p := ConvParams{N: 1 + r.IntN(3), H: sizes[r.IntN(len(sizes))], W: sizes[r.IntN(len(sizes))],
						C: 1 + r.IntN(5), KH: k, KW: k, F: 1 + r.IntN(5), SH: s, SW: s, PadTop: top, PadLeft: left}
					p.OH = max(1, (p.H+top+r.IntN(k)-k)/s+1)
					p.OW = max(1, (p.W+left+r.IntN(k)-k)/s+1)
					rows := []int{p.tileRows(), 1 + r.IntN(2*p.OH*p.OW)}[i%2]
					pl := convPlans[i%len(convPlans)]
					i++
					for _, split := range []bool{false, true} {
						pl.split = split
						t.Run(fmt.Sprintf("%+v/rows=%d/plan=%v", p, rows, pl), func(t *testing.T) {
							runConvCase(t, r, p, rows, pl)
						})
					}
				}
			}
		}
	}
}

// TestValidOutputRows checks the output rows of each filter row, and so the
// rows the split products skip, against the definition.
func TestValidOutputRows(t *testing.T) {
	for _, h := range []int{1, 2, 5, 8} {
		for _, k := range []int{1, 3, 5} {
			for s := 1; s <= 3; s++ {
				for top := 0; top <= k+1; top++ {
					p := ConvParams{H: h, KH: k, SH: s, PadTop: top, OH: (h+2*top-k+s)/s + 1}
					for ky := range k {
						lo, hi := p.validOutputRows(ky)
						for oy := range p.OH {
							iy := oy*s + ky - top
							if want, got := iy >= 0 && iy < h, oy >= lo && oy < hi; got != want {
								t.Errorf("%+v ky=%d: rows [%d,%d) contain oy=%d: %v, want %v (iy=%d)",
									p, ky, lo, hi, oy, got, want, iy)
							}
						}
					}
				}
			}
		}
	}
}

// TestForTiles checks that the tiles cover every output position once, in
// order of images, and hold at most maxTileLen positions.
func TestForTiles(t *testing.T) {
	for _, p := range []ConvParams{{N: 5, OH: 3, OW: 4}, {N: 1, OH: 1, OW: 1}, {N: 3, OH: 7, OW: 2}} {
		for _, rows := range []int{1, 2, 5, 12, 13, 24, 100} {
			for _, nr := range [][2]int{{0, p.N}, {p.N / 2, p.N}} {
				for _, split := range []bool{false, true} {
					seen := make([]int, p.N*p.OH*p.OW)
					most := p.maxTileLen(nr[0], nr[1], rows)
					p.forTiles(nr[0], nr[1], rows, split, func(tl convTile) {
						if l := tl.len(p); l > most || l < 1 {
							t.Errorf("%+v rows=%d: tile %+v holds %d positions, want 1 to %d", p, rows, tl, l, most)
						}
						first, contiguous := tl.contiguous(p)
						for r := range tl.len(p) {
							n, oy, ox := tl.pos(p, r)
							i := (n*p.OH+oy)*p.OW + ox
							seen[i]++
							if back := tl.row(p, n, oy, ox); back != r {
								t.Errorf("tile %+v: row(pos(%d)) = %d", tl, r, back)
							}
							if contiguous && i != first+r {
								t.Errorf("contiguous tile %+v: row %d is position %d, want %d", tl, r, i, first+r)
							}
						}
					})
					for i, c := range seen {
						if want := b2i(i >= nr[0]*p.OH*p.OW); c != want {
							t.Fatalf("%+v rows=%d images %v split=%v: position %d covered %d times, want %d",
								p, rows, nr, split, i, c, want)
						}
					}
				}
			}
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestSplitK(t *testing.T) {
	tests := []struct {
		name string
		p    ConvParams
		want bool
	}{
		{"D1 C=3 too shallow", sdDCGANLayers[0].p, false},
		{"D2 3/80 padded", sdDCGANLayers[1].p, true},
		{"D4 3/20 padded", sdDCGANLayers[3].p, true},
		{"Dmerge", sdDCGANLayers[4].p, true},
		{"G1", sdDCGANLayers[5].p, true},
		{"1x1 kernel", ConvParams{N: 1, H: 4, W: 4, C: 64, KH: 1, KW: 1, F: 8, SH: 2, SW: 2, PadTop: 1, OH: 3, OW: 3}, false},
		{"valid", convCase(2, 9, 9, 64, 3, 8, 1, "valid"), false},
		{"1/54 padded", ConvParams{N: 1, H: 18, W: 18, C: 64, KH: 3, KW: 3, F: 8, SH: 1, SW: 1, OH: 17, OW: 18}, false},
		{"1/32 padded", ConvParams{N: 1, H: 16, W: 16, C: 32, KH: 2, KW: 2, F: 8, SH: 1, SW: 1, PadTop: 1, OH: 16, OW: 16}, true},
		{"KW·C = 63", ConvParams{N: 1, H: 8, W: 8, C: 21, KH: 3, KW: 3, F: 8, SH: 1, SW: 1, PadTop: 1, OH: 8, OW: 8}, false},
		{"1/16 padded", ConvParams{N: 1, H: 8, W: 8, C: 32, KH: 2, KW: 2, F: 8, SH: 1, SW: 1, PadTop: 1, OH: 8, OW: 8}, true},
	}
	for _, tt := range tests {
		if got := tt.p.splitK(); got != tt.want {
			t.Errorf("%s: splitK(%+v) = %v, want %v", tt.name, tt.p, got, tt.want)
		}
	}
}

// im2colCols writes exactly the columns [c0, c1) of im2col's matrix, for column ranges that start and end inside
// a filter row, across filter rows, at the edges, and for tiles that read the padding.
func TestIm2colCols(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, p := range []ConvParams{convCase(2, 7, 6, 3, 5, 4, 2, "same"), convCase(1, 5, 9, 2, 3, 1, 1, "full"),
		convCase(3, 6, 6, 5, 1, 2, 1, "valid"), tconv5(2, 3, 4, 3)} {
		k := p.KH * p.KW * p.C
		x := randSlice(r, p.XLen())
		p.forTiles(0, p.N, 5, false, func(tl convTile) {
			rows := tl.len(p)
			full := make([]float32, rows*k)
			im2col(p, x, full, tl, 0, rows)
			for _, cols := range [][2]int{{0, k}, {0, 1}, {k - 1, k}, {1, k - 2}, {p.C + 1, 3*p.C + 2}, {k / 2, k / 2}} {
				c0 := min(cols[0], k)
				c1 := min(max(c0, cols[1]), k)
				width := c1 - c0
				got := randSlice(r, rows*width) // every value must be written
				im2colCols(p, x, got, tl, 0, rows, c0, c1)
				for i := range rows {
					for j := range width {
						if got[i*width+j] != full[i*k+c0+j] {
							t.Fatalf("%+v tile %+v columns [%d, %d): (%d, %d) = %v, im2col %v", p, tl, c0, c1, i, c0+j,
								got[i*width+j], full[i*k+c0+j])
						}
					}
				}
			}
		})
	}
}

// TestFilterTileRows checks when the convolutions that multiply by the
// filter take all positions in one tile (N·OH·OW ≤ F, a column matrix of at
// most maxOneTileFloats), and that one tile with the filter packed as the
// product goes gives the same bits as several tiles sharing a prepacked
// filter, split by filter row (the segments of the data gradient) and not.
// That holds on the micro-kernels whose sums start from zero and add C at
// the end, as the edge tiles do; NEON's start from C in full tiles (so a
// row's bits depend on whether the tiling puts it in a full or an edge
// register tile), and there the test asks for agreement to rounding.
func TestFilterTileRows(t *testing.T) {
	merge := ConvParams{N: 32, H: 4, W: 4, C: 1024, KH: 3, KW: 3, F: 512, SH: 2, SW: 2, OH: 2, OW: 2}
	for _, tt := range []struct {
		name string
		p    ConvParams
		one  bool
	}{
		{"64x64 merge: 128 positions, 512 filters", merge, true},
		{"64x64 D4: 1024 positions, 512 filters", sameConv5(64, 8, 256, 512), false},
		{"column matrix past the cap", ConvParams{N: 1, H: 64, W: 64, C: 512, KH: 5, KW: 5, F: 4096, SH: 1, SW: 1,
			PadTop: 2, PadLeft: 2, OH: 64, OW: 64}, false},
	} {
		rows, m := tt.p.filterTileRows(), tt.p.N*tt.p.OH*tt.p.OW
		if got := rows >= m; got != tt.one {
			t.Errorf("%s: filterTileRows %d for %d positions: one tile %v, want %v", tt.name, rows, m, got, tt.one)
		}
		if !tt.one && rows != tt.p.tileRows() {
			t.Errorf("%s: filterTileRows %d, want tileRows %d", tt.name, rows, tt.p.tileRows())
		}
	}

	r := rand.New(rand.NewPCG(23, 24))
	p := ConvParams{N: 8, H: 6, W: 6, C: 40, KH: 3, KW: 3, F: 96, SH: 2, SW: 2, PadTop: 1, PadLeft: 1, OH: 3, OW: 3}
	x, w, dy := randSlice(r, p.XLen()), randSlice(r, p.WLen()), randSlice(r, p.YLen())
	for _, path := range pathNames() {
		for _, split := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/split=%v", path, split), func(t *testing.T) {
				defer forcePath(t, path)()
				pl := convPlan{groups: 1, inner: 2, strat: autoStrategy, split: split}
				one, several := p.filterTileRows(), 2*p.OH*p.OW // every image, then two images a tile
				if one < p.N*p.OH*p.OW {
					t.Fatalf("filterTileRows %d, want one tile of %d positions", one, p.N*p.OH*p.OW)
				}
				for _, c := range []struct {
					name string
					n    int
					run  func(out []float32, rows int)
				}{
					{"Conv2D", p.YLen(), func(out []float32, rows int) { conv2D(p, x, w, out, false, rows, pl) }},
					{"BackwardData", p.XLen(), func(out []float32, rows int) { conv2DBackwardData(p, dy, w, out, false, rows, pl) }},
				} {
					a, b := make([]float32, c.n), make([]float32, c.n)
					c.run(a, one)
					c.run(b, several)
					for i := range a {
						same := math.Float32bits(a[i]) == math.Float32bits(b[i])
						if path == "neon" {
							same = math.Abs(float64(a[i]-b[i])) <= 1e-5*(1+math.Abs(float64(b[i])))
						}
						if !same {
							t.Fatalf("%s: value %d is %v in one tile, %v in tiles of %d positions", c.name, i, a[i], b[i], several)
						}
					}
				}
			})
		}
	}
}
