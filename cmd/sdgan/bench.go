package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"sdgan/bench"
	"sdgan/nn/kernels"
)

func benchCmd() *command {
	return &command{
		name:    "bench",
		summary: "time sdgan's training step, generation and GEMM against PyTorch on this machine, side by side",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("bench", "[flags]", stderr)
			measures := fs.String("measures", "", "what to time, comma-separated: "+
				strings.Join(append(slices.Clone(bench.Measures), bench.BF16Measures...), ", ")+
				" (the bf16 ones need AVX512_BF16; default: the first four, and the bf16 ones where the CPU has them)")
			reps := fs.Int("reps", 7, "timed repetitions per measure (the median is reported)")
			warmup := fs.Int("warmup", 2, "untimed repetitions first")
			rounds := fs.Int("rounds", 1, "times to run the whole side-by-side comparison; with more than one, each round's table "+
				"and then a summary: each measure's ratios by round and their median (one round's ratio moves by ±10% on a shared machine)")
			asJSON := fs.Bool("json", false, "print JSON (the machine and a list of results) instead of a table")
			torchMode := fs.String("torch", "best", "PyTorch configuration: best (tuned, the bar to beat), default (a plain install) or none")
			python := fs.String("python", "/usr/bin/python3", "Python interpreter with torch (Debian: apt-get install python3-torch libopenblas0-pthread)")
			script := fs.String("torch-script", "", "the PyTorch reference step to run instead of the copy built into sdgan (torch_sdgan_step.py)")
			isaName := fs.String("isa", "", "the instruction set sdgan's kernels use, to compare them on this CPU: "+
				isaNames()+" (default: the best available)")
			blocking := fs.String("blocking", "", "the fp32 GEMM's cache blocking MC,KC,NC, to compare blockings on this CPU (default: the one chosen for this core, "+
				"which the kernels line shows; the bf16 measures keep theirs)")
			one := fs.String("one", "", "internal: time one measure in this process and print its JSON")
			var device deviceFlag
			addDeviceFlag(fs, &device)
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if *reps < 1 || *warmup < 0 {
				return usagef("--reps %d --warmup %d: want reps ≥ 1 and warmup ≥ 0", *reps, *warmup)
			}
			if *rounds < 1 {
				return usagef("--rounds %d: want at least 1", *rounds)
			}
			if *isaName != "" {
				isa, err := kernels.ParseISA(*isaName)
				if err != nil {
					return usagef("--isa: %v", err)
				}
				if !kernels.Can(isa) {
					return usagef("--isa %s: not available in this build or on this CPU (available: %s)", isa, isaNames())
				}
				defer kernels.Force(isa)()
			}
			if *blocking != "" {
				b, err := kernels.ParseBlocking(*blocking)
				if err != nil {
					return usagef("--blocking: %v", err)
				}
				restore, err := kernels.SetBlocking(b)
				if err != nil {
					return usagef("--blocking %s: %v", *blocking, err)
				}
				defer restore()
			}
			if *measures == "" {
				*measures = strings.Join(bench.DefaultMeasures(), ",")
			}
			if *one != "" {
				if err := device.use(); err != nil {
					return err
				}
				tm, err := bench.Run(*one, *warmup, *reps)
				if err != nil {
					return err
				}
				return json.NewEncoder(stdout).Encode(tm)
			}
			torch := bench.Torch{Python: *python, Script: *script, Tuned: *torchMode == "best"}
			useTorch := *torchMode != "none"
			if *torchMode != "best" && *torchMode != "default" && *torchMode != "none" {
				return usagef("--torch %q: want best, default or none", *torchMode)
			}
			if useTorch && torch.Script == "" {
				path, remove, err := bench.WriteStepScript()
				if err != nil {
					return err
				}
				defer remove()
				torch.Script = path
			}
			if useTorch {
				if err := torch.Available(ctx); err != nil {
					if ctx.Err() != nil {
						return interrupted("before the first measure")
					}
					fmt.Fprintf(stderr, "PyTorch reference skipped (--torch none skips it quietly): %v.\n", err)
					useTorch = false
				}
			}
			self, err := os.Executable()
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "measuring the FMA peak…\n")
			machine := bench.ThisMachine(time.Second)
			var pt *bench.Torch // nil: sdgan alone
			if useTorch {
				pt = &torch
			}
			sdgan := func(m string) (bench.Timing, error) {
				return runOne(ctx, self, m, device.String(), kernels.Active().String(), *blocking, *warmup, *reps)
			}
			var all [][]bench.Result
			for round := range *rounds {
				if *rounds > 1 {
					fmt.Fprintf(stderr, "round %d of %d\n", round+1, *rounds)
				}
				results, err := compareRound(ctx, stderr, strings.Split(*measures, ","), pt, sdgan, *warmup, *reps)
				if err != nil {
					return err
				}
				all = append(all, results)
			}
			if *asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				out := struct {
					Machine bench.Machine    `json:"machine"`
					Results []bench.Result   `json:"results"`          // the first round's
					Rounds  [][]bench.Result `json:"rounds,omitempty"` // every round's, with --rounds above 1
					Summary []bench.Summary  `json:"summary,omitempty"`
				}{Machine: machine, Results: all[0]}
				if len(all) > 1 {
					out.Rounds, out.Summary = all, bench.Summarize(all)
				}
				return enc.Encode(out)
			}
			machine.Write(stdout)
			for i, results := range all {
				if len(all) > 1 {
					fmt.Fprintf(stdout, "round %d\n", i+1)
				}
				bench.WriteTable(stdout, results)
			}
			if len(all) > 1 {
				fmt.Fprintf(stdout, "over %d rounds (medians)\n", len(all))
				bench.WriteSummary(stdout, bench.Summarize(all))
			}
			return nil
		},
	}
}

// isaNames lists the instruction sets this build and CPU can run, best first.
func isaNames() string {
	var s []string
	for _, isa := range kernels.Available() {
		s = append(s, isa.String())
	}
	return strings.Join(s, ", ")
}

// compareRound times each measure in sdgan (through one, a child process) and, when torch is not nil, in
// PyTorch, and returns their comparisons: one round of the side-by-side table. On Ctrl-C it stops with an error
// that says where.
func compareRound(ctx context.Context, stderr io.Writer, measures []string, torch *bench.Torch,
	one func(measure string) (bench.Timing, error), warmup, reps int) ([]bench.Result, error) {
	var results []bench.Result
	for _, m := range measures {
		if ctx.Err() != nil {
			return nil, interrupted("after %d measures", len(results))
		}
		fmt.Fprintf(stderr, "timing %s: sdgan…", m)
		sd, err := one(m)
		if err != nil {
			if ctx.Err() != nil {
				fmt.Fprintln(stderr)
				return nil, interrupted("while timing %s", m)
			}
			return nil, err
		}
		var pt *bench.Timing
		if torch != nil {
			fmt.Fprintf(stderr, " pytorch…")
			t, err := torch.Run(ctx, m, warmup, reps)
			if err != nil {
				if ctx.Err() != nil {
					fmt.Fprintln(stderr)
					return nil, interrupted("while timing %s in PyTorch", m)
				}
				return nil, err
			}
			pt = &t
		}
		fmt.Fprintln(stderr)
		results = append(results, bench.Compare(m, sd, pt))
	}
	return results, nil
}

// runOne times a measure in a child process of this binary, so that its peak memory is its own.
func runOne(ctx context.Context, self, measure, device, isa, blocking string, warmup, reps int) (bench.Timing, error) {
	args := []string{"bench", "--one", measure, "--device", device, "--isa", isa, "--warmup", strconv.Itoa(warmup), "--reps", strconv.Itoa(reps)}
	if blocking != "" {
		args = append(args, "--blocking", blocking)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return bench.Timing{}, fmt.Errorf("sdgan %s: %v: %s", measure, err, strings.TrimSpace(stderr.String()))
	}
	var tm bench.Timing
	if err := json.Unmarshal(out, &tm); err != nil {
		return bench.Timing{}, fmt.Errorf("sdgan %s printed %q: %w", measure, out, err)
	}
	return tm, nil
}
