package safetensors

import (
	"math"
	"testing"
)

// slowFloat16 evaluates a binary16 value from its definition: (−1)^s · 2^(e−15) · 1.m, or 2^−14 · 0.m when e = 0.
func slowFloat16(h uint16) float64 {
	sign := 1.0
	if h>>15 == 1 {
		sign = -1
	}
	e, m := int(h>>10)&0x1f, float64(h&0x3ff)/1024
	switch e {
	case 0x1f:
		if m != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	case 0:
		return sign * math.Ldexp(m, -14)
	default:
		return sign * math.Ldexp(1+m, e-15)
	}
}

func TestFloat16Exhaustive(t *testing.T) {
	for h := range 1 << 16 {
		got, want := float16ToFloat32(uint16(h)), slowFloat16(uint16(h))
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) {
				t.Fatalf("float16 %#04x: got %v, want NaN", h, got)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != math.Signbit(want) {
			t.Fatalf("float16 %#04x: got %v, want %v", h, got, want)
		}
	}
}

func TestBfloat16(t *testing.T) {
	tests := []struct {
		bits uint16
		want float32
	}{
		{0x3f80, 1}, {0xc000, -2}, {0x3e80, 0.25}, {0x0000, 0}, {0x7f80, float32(math.Inf(1))},
		{0x4049, 3.140625}, {0x0001, math.Float32frombits(0x00010000)},
	}
	for _, tt := range tests {
		if got := bfloat16ToFloat32(tt.bits); got != tt.want {
			t.Errorf("bfloat16 %#04x: got %v, want %v", tt.bits, got, tt.want)
		}
	}
}
