package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Result compares the two engines on one measure. Nil PyTorch fields mean PyTorch was not run.
type Result struct {
	Measure      string   `json:"measure"`
	GFLOP        float64  `json:"gflop"`
	SdganS       float64  `json:"sdgan_s"`
	PytorchS     *float64 `json:"pytorch_s"`
	Ratio        *float64 `json:"ratio"` // sdgan_s / pytorch_s: below 1 means sdgan is faster
	SdganGFLOPS  float64  `json:"sdgan_gflops"`
	PytorchGFLOP *float64 `json:"pytorch_gflops"`
	SdganPeakMB  float64  `json:"sdgan_peak_mb,omitempty"` // 0 (left out): not measured on this platform
	PytorchPeak  *float64 `json:"pytorch_peak_mb"`
	Sdgan        Timing   `json:"sdgan"`
	Pytorch      *Timing  `json:"pytorch"`
}

// Torch says how to run the PyTorch reference.
type Torch struct {
	Python string // interpreter with torch, e.g. /usr/bin/python3 (a name without a slash is looked up in PATH)
	Script string // torch_sdgan_step.py: see WriteStepScript for the embedded copy
	Tuned  bool   // the "best" configuration of ../shared/bench/README.md: oneDNN transposed convolutions, AVX-512 BLAS
}

// Available reports whether the interpreter runs and imports torch, and if not, why and what to do about it.
func (t Torch) Available(ctx context.Context) error {
	python, err := exec.LookPath(t.Python)
	if err != nil {
		return fmt.Errorf("no Python interpreter %s (%v). Install Python 3 and PyTorch (Debian: apt-get install python3 python3-torch libopenblas0-pthread), or pass --python an interpreter that imports torch", t.Python, err)
	}
	out, err := exec.CommandContext(ctx, python, "-c", "import torch").CombinedOutput()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		line := errorLine(out)
		if strings.Contains(line, "No module named 'torch'") {
			return fmt.Errorf("%s has no torch module (%s). Install PyTorch for it (Debian's /usr/bin/python3: apt-get install python3-torch libopenblas0-pthread; elsewhere: pip install torch), or pass --python an interpreter that has it", python, line)
		}
		return fmt.Errorf("%s cannot import torch: %s (PyTorch is there but broken: reinstall it, or pass --python another interpreter)", python, line)
	}
	if _, err := os.Stat(t.Script); err != nil {
		return fmt.Errorf("reference script: %w", err)
	}
	return nil
}

// env returns the environment of the PyTorch runs: for the tuned configuration, AVX-512 OpenBLAS kernels and a
// quieter allocator, as ../shared/bench/README.md describes.
func (t Torch) env() []string {
	env := os.Environ()
	if t.Tuned {
		env = append(env, "OPENBLAS_CORETYPE=SkylakeX", "MALLOC_MMAP_THRESHOLD_=33554432", "MALLOC_TRIM_THRESHOLD_=4294967296")
	}
	return env
}

// sgemmPy times a 4096³ matrix product (float32 or bfloat16) in PyTorch on 2 threads, printing the same JSON as the step script.
const sgemmPy = `
import json, resource, statistics, sys, time, torch
torch.set_num_threads(int(sys.argv[1])); warm, reps = int(sys.argv[2]), int(sys.argv[3])
dtype = getattr(torch, sys.argv[4])  # float32, or bfloat16 (what autocast hands the GEMM)
a = (torch.rand(4096, 4096) * 2 - 1).to(dtype); b = (torch.rand(4096, 4096) * 2 - 1).to(dtype)
for _ in range(warm): torch.mm(a, b)
ts = []
for _ in range(reps):
    t0 = time.perf_counter(); torch.mm(a, b); ts.append(time.perf_counter() - t0)
print(json.dumps(dict(median_s=statistics.median(ts), min_s=min(ts), max_s=max(ts),
    peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1024))))
`

// Run times measure in PyTorch, in its own process, which is killed if ctx is cancelled.
func (t Torch) Run(ctx context.Context, measure string, warmup, reps int) (Timing, error) {
	var cmd *exec.Cmd
	common := []string{"--threads", "2", "--warmup", strconv.Itoa(warmup), "--steps", strconv.Itoa(reps)}
	if t.Tuned {
		common = append(common, "--tuned")
	}
	base, bf16 := splitBF16(measure)
	if bf16 {
		common = append(common, "--amp", "bf16")
	}
	switch base {
	case "train64", "train32":
		cmd = exec.CommandContext(ctx, t.Python, append([]string{t.Script, "--res", strings.TrimPrefix(base, "train"), "--k", "2", "--tuples", "32"}, common...)...)
	case "generate64":
		cmd = exec.CommandContext(ctx, t.Python, append([]string{t.Script, "--res", "64", "--mode", "generate", "--k", "2", "--tuples", "32"}, common...)...)
	case "sgemm4096":
		dtype := "float32"
		if bf16 {
			dtype = "bfloat16"
		}
		cmd = exec.CommandContext(ctx, t.Python, "-c", sgemmPy, "2", strconv.Itoa(warmup), strconv.Itoa(reps), dtype)
	default:
		return Timing{}, fmt.Errorf("unknown measure %q", measure)
	}
	cmd.Env = t.env()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return Timing{}, ctx.Err()
	}
	if err != nil {
		return Timing{}, fmt.Errorf("pytorch %s: %v: %s", measure, err, errorLine(stderr.Bytes()))
	}
	var tm Timing
	if err := json.Unmarshal(lastLine(out), &tm); err != nil {
		return Timing{}, fmt.Errorf("pytorch %s printed %q: %w", measure, out, err)
	}
	tm.Reps = reps
	return tm, nil
}

// Compare builds the result row of a measure.
func Compare(measure string, sd Timing, pt *Timing) Result {
	r := Result{Measure: measure, GFLOP: GFLOP(measure), SdganS: sd.MedianS, SdganPeakMB: sd.PeakMB, Sdgan: sd, Pytorch: pt}
	r.SdganGFLOPS = r.GFLOP / sd.MedianS
	if pt != nil {
		s, ratio, gf, peak := pt.MedianS, sd.MedianS/pt.MedianS, r.GFLOP/pt.MedianS, pt.PeakMB
		r.PytorchS, r.Ratio, r.PytorchGFLOP, r.PytorchPeak = &s, &ratio, &gf, &peak
	}
	return r
}

// WriteTable prints results as an aligned text table: times are medians; spread is the slowest repetition over the
// fastest; allocs and alloc MB are sdgan's heap allocations per repetition.
func WriteTable(w io.Writer, rs []Result) {
	fmt.Fprintf(w, "%-14s %9s %10s %10s %7s %10s %10s %10s %8s %7s %7s %10s %9s\n", "measure", "GFLOP", "sdgan s", "pytorch s",
		"ratio", "sdgan GF/s", "torch GF/s", "sdgan MB", "torch MB", "spread", "torch", "allocs", "alloc MB")
	opt := func(p *float64, f string) string {
		if p == nil {
			return "-"
		}
		return fmt.Sprintf(f, *p)
	}
	for _, r := range rs {
		torchSpread := "-"
		if r.Pytorch != nil {
			torchSpread = fmt.Sprintf("%.2f", r.Pytorch.Spread())
		}
		fmt.Fprintf(w, "%-14s %9.1f %10.4f %10s %7s %10.1f %10s %10s %8s %7.2f %7s %10.0f %9.1f\n", r.Measure, r.GFLOP, r.SdganS,
			opt(r.PytorchS, "%.4f"), opt(r.Ratio, "%.2f"), r.SdganGFLOPS, opt(r.PytorchGFLOP, "%.1f"), mbCell(r.SdganPeakMB),
			opt(r.PytorchPeak, "%.0f"), r.Sdgan.Spread(), torchSpread, r.Sdgan.AllocsPerRep, r.Sdgan.BytesPerRep/(1<<20))
	}
}

// errorLine is the last line of a failed command's output (where a Python traceback says what went wrong).
func errorLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// lastLine is the last non-empty line of output.
func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}
