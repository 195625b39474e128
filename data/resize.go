package data

import "math"

// tap is one input sample's weight in an output sample.
type tap struct {
	i int
	w float32
}

// resampleTaps returns, for each of out output samples, the input samples and weights that make it when a line of
// in samples is resized to out samples. Downscaling (in > out) averages areas: each output sample is the mean of
// the input it covers, partly covered samples weighted by the covered fraction, so nothing aliases. Upscaling or
// keeping the size (in ≤ out) is bilinear with pixel centres aligned and edges clamped; same size copies exactly.
func resampleTaps(in, out int) [][]tap {
	taps := make([][]tap, out)
	s := float64(in) / float64(out)
	for o := range taps {
		if in > out {
			lo, hi := float64(o)*s, float64(o+1)*s
			for i := int(math.Floor(lo)); i < in && float64(i) < hi; i++ {
				cover := math.Min(hi, float64(i+1)) - math.Max(lo, float64(i))
				if cover > 0 {
					taps[o] = append(taps[o], tap{i, float32(cover / s)})
				}
			}
			continue
		}
		c := math.Min(math.Max((float64(o)+0.5)*s-0.5, 0), float64(in-1))
		i0 := int(c)
		f := c - float64(i0)
		taps[o] = append(taps[o], tap{i0, float32(1 - f)})
		if f > 0 {
			taps[o] = append(taps[o], tap{i0 + 1, float32(f)})
		}
	}
	return taps
}

// resizePlane resizes a single-channel in×in image (row-major) to out×out, separably: rows first, then columns.
func resizePlane(src []float32, in, out int) []float32 {
	taps := resampleTaps(in, out)
	rows := make([]float32, in*out) // in rows of out samples
	for y := range in {
		line := src[y*in : (y+1)*in]
		for x, ts := range taps {
			var v float32
			for _, t := range ts {
				v += t.w * line[t.i]
			}
			rows[y*out+x] = v
		}
	}
	dst := make([]float32, out*out)
	for y, ts := range taps {
		d := dst[y*out : (y+1)*out]
		for _, t := range ts {
			r := rows[t.i*out : (t.i+1)*out]
			for x := range d {
				d[x] += t.w * r[x]
			}
		}
	}
	return dst
}
