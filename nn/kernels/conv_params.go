package kernels

import (
	"errors"
	"fmt"
)

// ConvParams describes a 2-D convolution of NHWC input x [N,H,W,C] with an
// HWIO filter w [KH,KW,C,F] giving y [N,OH,OW,F]:
//
//	y[n,oy,ox,f] = Σ_{ky,kx,c} x[n, oy·SH+ky−PadTop, ox·SW+kx−PadLeft, c] · w[ky,kx,c,f]
//
// (out-of-range x reads as 0). OH, OW are given explicitly (the caller
// computes SAME/VALID sizes).
type ConvParams struct {
	N, H, W, C      int // input: batch, height, width, channels
	KH, KW, F       int // filter: height, width, output channels
	SH, SW          int // strides
	PadTop, PadLeft int // zero padding before the first row and column
	OH, OW          int // output height and width
}

// XLen returns the number of values in x: N·H·W·C.
func (p ConvParams) XLen() int { return p.N * p.H * p.W * p.C }

// WLen returns the number of values in w: KH·KW·C·F.
func (p ConvParams) WLen() int { return p.KH * p.KW * p.C * p.F }

// YLen returns the number of values in y: N·OH·OW·F.
func (p ConvParams) YLen() int { return p.N * p.OH * p.OW * p.F }

// Validate checks that the parameters are usable (sizes and strides ≥ 1,
// padding ≥ 0) and that x, w and y hold XLen, WLen and YLen values. The
// error names the shape, e.g.
// "kernels: conv2d x has 100 values, want N·H·W·C = 2·5·5·3 = 150".
func (p ConvParams) Validate(x, w, y int) error {
	if p.N < 1 || p.H < 1 || p.W < 1 || p.C < 1 || p.KH < 1 || p.KW < 1 || p.F < 1 ||
		p.SH < 1 || p.SW < 1 || p.OH < 1 || p.OW < 1 || p.PadTop < 0 || p.PadLeft < 0 {
		return fmt.Errorf("kernels: conv2d params %+v: want sizes and strides ≥ 1 and padding ≥ 0", p)
	}
	var errs []error
	if x != p.XLen() {
		errs = append(errs, fmt.Errorf("kernels: conv2d x has %d values, want N·H·W·C = %d·%d·%d·%d = %d",
			x, p.N, p.H, p.W, p.C, p.XLen()))
	}
	if w != p.WLen() {
		errs = append(errs, fmt.Errorf("kernels: conv2d w has %d values, want KH·KW·C·F = %d·%d·%d·%d = %d",
			w, p.KH, p.KW, p.C, p.F, p.WLen()))
	}
	if y != p.YLen() {
		errs = append(errs, fmt.Errorf("kernels: conv2d y has %d values, want N·OH·OW·F = %d·%d·%d·%d = %d",
			y, p.N, p.OH, p.OW, p.F, p.YLen()))
	}
	return errors.Join(errs...)
}

// mustValidate panics with Validate's message when the shapes are wrong.
func (p ConvParams) mustValidate(x, w, y int) {
	if err := p.Validate(x, w, y); err != nil {
		panic(err.Error())
	}
}
