package plot

import (
	"math"
	"strconv"
)

// dataRange returns the smallest and largest finite value of one coordinate over the points of the series
// that pass keep; ok is false when there is none.
func dataRange(series []Series, keep func(Series) bool, coord func(s Series, i int) float64) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range series {
		if !keep(s) {
			continue
		}
		for i := range s.X {
			if !finite(s.X[i], s.Y[i]) {
				continue
			}
			v := coord(s, i)
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	return lo, hi, lo <= hi
}

// widen gives a flat range (lo == hi) some height, so that a constant series sits mid-panel.
func widen(lo, hi float64) (float64, float64) {
	if lo < hi {
		return lo, hi
	}
	d := math.Abs(lo) * 0.1
	if d == 0 {
		d = 1
	}
	return lo - d, hi + d
}

// niceTicks picks round tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi], at most about
// target of them, and returns them with their spacing.
func niceTicks(lo, hi float64, target int) (ticks []float64, step float64) {
	target = max(target, 2)
	span := hi - lo
	mag := math.Pow(10, math.Floor(math.Log10(span/float64(target))))
	for _, m := range []float64{1, 2, 5, 10} {
		step = m * mag
		if span/step <= float64(target) {
			break
		}
	}
	first := math.Ceil(lo/step - 1e-9)
	for i := first; i*step <= hi+step*1e-9; i++ {
		v := i * step
		if math.Abs(v) < step*1e-9 {
			v = 0 // no "-0" or 1e-17 from rounding
		}
		ticks = append(ticks, v)
	}
	return ticks, step
}

// tickLabels formats tick values spaced step apart with as few digits as tell them apart, and one suffix for
// the whole axis when its numbers are large: 0.25, 1.5, 300, 20k, 1.5M. Zero is always "0".
func tickLabels(ticks []float64, step float64) []string {
	biggest := 0.0
	for _, v := range ticks {
		biggest = max(biggest, math.Abs(v))
	}
	scale, suffix := 1.0, ""
	switch {
	case biggest >= 1e7 && step >= 1e5:
		scale, suffix = 1e6, "M"
	case biggest >= 1e4 && step >= 100:
		scale, suffix = 1e3, "k"
	}
	decimals := max(0, int(math.Ceil(-math.Log10(step/scale)-1e-9)))
	labels := make([]string, len(ticks))
	for i, v := range ticks {
		switch {
		case v == 0:
			labels[i] = "0"
		case decimals > 5: // tiny steps: scientific notation reads better than 0.0000012
			labels[i] = strconv.FormatFloat(v, 'g', 3, 64)
		default:
			labels[i] = strconv.FormatFloat(v/scale, 'f', decimals, 64) + suffix
		}
	}
	return labels
}
