package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Summary is one measure's side-by-side figures over several rounds of the whole comparison: on a shared machine a
// single round's ratio moves by ±10% or more, so what to read is the median over rounds.
type Summary struct {
	Measure     string    `json:"measure"`
	Ratios      []float64 `json:"ratios"`       // sdgan s / PyTorch s of each round, in order; empty without PyTorch
	MedianRatio *float64  `json:"median_ratio"` // nil without PyTorch
	SdganS      float64   `json:"sdgan_s"`      // the median over rounds of each round's median
	PytorchS    *float64  `json:"pytorch_s"`
	MaxSpread   float64   `json:"max_spread"` // sdgan's largest spread (slowest repetition over fastest) in a round
}

// Summarize gathers the rounds (each a result per measure, the same measures in the same order) into a summary per
// measure.
func Summarize(rounds [][]Result) []Summary {
	if len(rounds) == 0 {
		return nil
	}
	var out []Summary
	for i, first := range rounds[0] {
		s := Summary{Measure: first.Measure}
		var sd, pt []float64
		for _, round := range rounds {
			r := round[i]
			sd = append(sd, r.SdganS)
			s.MaxSpread = max(s.MaxSpread, r.Sdgan.Spread())
			if r.Ratio != nil {
				s.Ratios = append(s.Ratios, *r.Ratio)
				pt = append(pt, *r.PytorchS)
			}
		}
		s.SdganS = medianOf(sd)
		if len(pt) > 0 {
			m, p := medianOf(s.Ratios), medianOf(pt)
			s.MedianRatio, s.PytorchS = &m, &p
		}
		out = append(out, s)
	}
	return out
}

// medianOf is the median of xs, which it leaves as they are.
func medianOf(xs []float64) float64 {
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	return median(sorted)
}

// WriteSummary prints summaries as an aligned text table: each round's ratio, their median, the medians of the two
// engines' times and sdgan's largest spread.
func WriteSummary(w io.Writer, ss []Summary) {
	fmt.Fprintf(w, "%-14s %7s %10s %10s %10s  %s\n", "measure", "ratio", "sdgan s", "pytorch s", "max spread", "ratio by round")
	for _, s := range ss {
		ratio, pt := "-", "-"
		if s.MedianRatio != nil {
			ratio, pt = fmt.Sprintf("%.2f", *s.MedianRatio), fmt.Sprintf("%.4f", *s.PytorchS)
		}
		var rounds []string
		for _, r := range s.Ratios {
			rounds = append(rounds, fmt.Sprintf("%.2f", r))
		}
		fmt.Fprintf(w, "%-14s %7s %10.4f %10s %10.2f  %s\n", s.Measure, ratio, s.SdganS, pt, s.MaxSpread, strings.Join(rounds, " "))
	}
}
