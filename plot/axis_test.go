package plot

import (
	"math"
	"slices"
	"testing"
)

func TestNiceTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		target int
		want   []float64
	}{
		{0, 1, 5, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0, 1, 10, []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}},
		{-0.03, 0.53, 4, []float64{0, 0.2, 0.4}},
		{0, 99950, 8, []float64{0, 20000, 40000, 60000, 80000}},
		{-7, 13, 4, []float64{-5, 0, 5, 10}},
		{0.6931, 0.6934, 3, []float64{0.6931, 0.6932, 0.6933, 0.6934}},
		{1e-7, 9e-7, 4, []float64{2e-7, 4e-7, 6e-7, 8e-7}},
	}
	for _, tt := range tests {
		got, _ := niceTicks(tt.lo, tt.hi, tt.target)
		if len(got) != len(tt.want) {
			t.Errorf("niceTicks(%v, %v, %d) = %v, want %v", tt.lo, tt.hi, tt.target, got, tt.want)
			continue
		}
		for i := range got {
			if math.Abs(got[i]-tt.want[i]) > 1e-9*math.Abs(tt.hi-tt.lo) {
				t.Errorf("niceTicks(%v, %v, %d) = %v, want %v", tt.lo, tt.hi, tt.target, got, tt.want)
				break
			}
		}
	}
}

func TestTickLabels(t *testing.T) {
	tests := []struct {
		ticks []float64
		step  float64
		want  []string
	}{
		{[]float64{0, 0.2, 0.4}, 0.2, []string{"0", "0.2", "0.4"}},
		{[]float64{-0.05, 0, 0.05}, 0.05, []string{"-0.05", "0", "0.05"}},
		{[]float64{0, 20000, 40000}, 20000, []string{"0", "20k", "40k"}},
		{[]float64{10000, 10500, 11000}, 500, []string{"10.0k", "10.5k", "11.0k"}},
		{[]float64{0, 5e6, 1e7}, 5e6, []string{"0", "5M", "10M"}},
		{[]float64{100, 200, 300}, 100, []string{"100", "200", "300"}},
		{[]float64{0.6932, 0.6933}, 0.0001, []string{"0.6932", "0.6933"}},
		{[]float64{2e-7, 4e-7}, 2e-7, []string{"2e-07", "4e-07"}},
	}
	for _, tt := range tests {
		if got := tickLabels(tt.ticks, tt.step); !slices.Equal(got, tt.want) {
			t.Errorf("tickLabels(%v, %v) = %q, want %q", tt.ticks, tt.step, got, tt.want)
		}
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		name string
		in   [4]float64
		want [4]float64
		ok   bool
	}{
		{"inside", [4]float64{1, 1, 9, 9}, [4]float64{1, 1, 9, 9}, true},
		{"crosses left and right", [4]float64{-10, 5, 20, 5}, [4]float64{0, 5, 10, 5}, true},
		{"diagonal through a corner", [4]float64{-5, -5, 15, 15}, [4]float64{0, 0, 10, 10}, true},
		{"outside above", [4]float64{-5, -1, 15, -2}, [4]float64{}, false},
		{"vertical outside", [4]float64{11, 0, 11, 10}, [4]float64{}, false},
		{"misses the corner", [4]float64{8, -5, 15, 2}, [4]float64{}, false},
	}
	for _, tt := range tests {
		x0, y0, x1, y1, ok := clip(tt.in[0], tt.in[1], tt.in[2], tt.in[3], 0, 0, 10, 10)
		near := true // within rounding: arm64 fuses x0 + t·dx into one multiply-add (−5.6e-16, not 0)
		for i, v := range [4]float64{x0, y0, x1, y1} {
			near = near && math.Abs(v-tt.want[i]) <= 1e-12
		}
		if ok != tt.ok || (ok && !near) {
			t.Errorf("%s: clip = %v %v, want %v %v", tt.name, [4]float64{x0, y0, x1, y1}, ok, tt.want, tt.ok)
		}
	}
}
