package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sdgan/internal/runlock"
	"sdgan/model"
	"sdgan/picture"
)

// Every value that passed validation and broke later is refused, naming its flag and the limit.
func TestValidateNamesFlagAndLimit(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		mutate func(*Options)
		want   string
	}{
		{func(o *Options) { o.LRG = nan }, "--lr-g NaN: want a number in [0, 1]"},
		{func(o *Options) { o.LRD = inf }, "--lr-d +Inf"},
		{func(o *Options) { o.LRD = -1 }, "--lr-d -1"},
		{func(o *Options) { o.Gamma = nan }, "--gamma NaN"},
		{func(o *Options) { o.LambdaK = nan }, "--lambda-k NaN"},
		{func(o *Options) { o.LRMin = nan }, "lr_min NaN"},
		{func(o *Options) { o.Loss, o.Clip = LossWGAN, nan }, "--clip NaN"},
		{func(o *Options) { o.Tuples = 100_000 }, "--batch 100000: want at least 2 tuples (batch norm needs a batch) and at most 2048 images"},
		{func(o *Options) { o.Tuples, o.Model.K = 100, 32 }, "--batch 100"},
		{func(o *Options) { o.Steps = 1 << 40 }, "--steps 1099511627776: want 1 to 1000000000"},
		{func(o *Options) { o.DPerG = 1 << 30 }, "--d-per-g 1073741824: want 1 to 100"},
		{func(o *Options) { o.Model.DI = 1_000_000 }, "--d-i 1000000: want 1 to 4096"},
		{func(o *Options) { o.Model.DO = 1_000_000 }, "--d-o 1000000"},
		{func(o *Options) { o.Model.K = 1000 }, "--k 1000: want 2 to 64"},
		{func(o *Options) { o.Model.Res = 48 }, "--res 48"},
		{func(o *Options) { o.PreviewIDs = 1 << 20 }, "preview grid 1048576×8"},
		{func(o *Options) { o.MemoryMiB = 1 << 50 }, "--memory-budget"},
		{func(o *Options) { o.Info, o.IDTriplet, o.Model.Siamese = 1, 0, false }, "--info 1: the identity head reads each image's own features"},
		{func(o *Options) { o.IDTriplet, o.Model.Siamese = 1, false }, "--id-triplet 1: the identity head reads each image's own features"},
		{func(o *Options) { o.IDTriplet, o.Info = 1, 1 }, "--id-triplet 1 with --info 1"},
		{func(o *Options) { o.IDTriplet = -1 }, "--id-triplet -1: want a weight in [0, "},
		{func(o *Options) {
			o.Model, o.Loss, o.Mismatch, o.IDTriplet = model.DefaultConfig(model.BEGAN, 64, 3), LossBEGAN, false, 0
			o.Model.Filters, o.Model.Hidden = 1024, 16384
		}, "model too large"},
		{func(o *Options) {
			o.Model, o.Loss, o.Mismatch, o.IDTriplet = model.DefaultConfig(model.BEGAN, 64, 3), LossBEGAN, false, 0
			o.Model.Filters = 1_000_000
		}, "--filters 1000000: want 1 to 1024"},
	} {
		o := Defaults().Resolve()
		tc.mutate(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate: %v; want an error containing %q", err, tc.want)
		}
	}
	if err := Defaults().Resolve().Validate(); err != nil {
		t.Errorf("the defaults: %v", err)
	}
}

// Resolve fills in the loss, its learning rates and the channels, so that config.json shows what the run uses.
func TestResolveShowsTheValuesUsed(t *testing.T) {
	o := Defaults()
	o.Model.Channels, o.Loss = 0, ""
	r := o.Resolve()
	if r.Loss != LossDCGAN || r.LRG != 2e-4 || r.LRD != 2e-4 || r.Model.Channels != 1 {
		t.Errorf("resolved defaults: loss %q, lr %g/%g, channels %d; want dcgan, 2e-4, 1", r.Loss, r.LRG, r.LRD, r.Model.Channels)
	}
	o.Data, o.Model.Arch, o.LRD = "/some/folder", model.BEGAN, 1e-5
	r = o.Resolve()
	if r.Loss != LossBEGAN || r.LRG != 8e-5 || r.LRD != 1e-5 || r.Model.Channels != 0 {
		t.Errorf("resolved began on a folder: loss %q, lr %g/%g, channels %d; want began, 8e-5/1e-5, 0 (as the data, decided when it loads)", r.Loss, r.LRG, r.LRD, r.Model.Channels)
	}
	// Training with the learning rates left to the loss's default or resolved is the same.
	unresolved := o
	unresolved.Loss = LossBEGAN
	for _, step := range []int64{0, 150_000} {
		g1, d1 := unresolved.learningRates(step)
		g2, d2 := r.learningRates(step)
		if g1 != g2 || d1 != d2 {
			t.Errorf("step %d: lr %g/%g unresolved, %g/%g resolved", step, g1, d1, g2, d2)
		}
	}

	dir := t.TempDir()
	small := smallOptions(fixture(t, 4, 2), model.DCGAN)
	small.Model.Channels = 0
	run(t, small, dir, false)
	var saved Options
	if err := json.Unmarshal(readFile(t, filepath.Join(dir, ConfigFile)), &saved); err != nil {
		t.Fatal(err)
	}
	if saved.LRG != 2e-4 || saved.LRD != 2e-4 || saved.Model.Channels != 1 {
		t.Errorf("config.json: lr %g/%g, channels %d; want 2e-4 and 1 (a folder of grey images)", saved.LRG, saved.LRD, saved.Model.Channels)
	}
}

func runErr(o Options, dir string, resume bool) (string, string, error) {
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), Job{Options: o, Dir: dir, Resume: resume, Stdout: &stdout, Stderr: &stderr})
	return stdout.String(), stderr.String(), err
}

// A non-empty folder that is not an sdgan run is refused before anything is written; an empty one, one with only
// a stale lock and temporary files, or a run stopped before its first checkpoint is fine; a run with checkpoints
// is refused, pointing at --resume.
func TestNewRunFolder(t *testing.T) {
	o := smallOptions(fixture(t, 4, 2), model.DCGAN)
	o.Steps, o.CheckpointEvery = 2, 2

	foreign := t.TempDir()
	notes := filepath.Join(foreign, "notes.txt")
	if err := os.WriteFile(notes, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(foreign, ConfigFile), []byte(`{"name": "my other tool"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := runErr(o, foreign, false)
	var rd *RunDirError
	if !errors.As(err, &rd) || !strings.Contains(err.Error(), "not an sdgan run") || !strings.Contains(err.Error(), "notes.txt") {
		t.Fatalf("training into a folder of other files: %v; want a *RunDirError naming them", err)
	}
	if string(readFile(t, filepath.Join(foreign, ConfigFile))) != `{"name": "my other tool"}` || len(entryNames(t, foreign)) != 2 {
		t.Fatalf("the refused folder was changed: %v", entryNames(t, foreign))
	}

	stale := t.TempDir()
	for _, name := range []string{LockFile, ".config.json.tmp-123"} {
		if err := os.WriteFile(filepath.Join(stale, name), []byte("999999999\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, o, stale, false)

	stopped := t.TempDir() // a run killed before its first checkpoint: config.json, stats.jsonl, real.png
	run(t, o, stopped, false)
	if err := os.RemoveAll(filepath.Join(stopped, model.CheckpointDir)); err != nil {
		t.Fatal(err)
	}
	run(t, o, stopped, false)

	_, _, err = runErr(o, stopped, false)
	if !errors.As(err, &rd) || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("training into a run with checkpoints: %v; want a *RunDirError pointing at --resume", err)
	}
}

func entryNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// A start that fails on its data or options leaves no run folder behind.
func TestFailedStartLeavesNoFolder(t *testing.T) {
	parent := t.TempDir()
	bad := smallOptions(filepath.Join(parent, "no-such-data"), model.DCGAN)
	nan := smallOptions(fixture(t, 4, 2), model.DCGAN)
	nan.LRG = math.NaN()
	for name, o := range map[string]Options{"missing data": bad, "NaN learning rate": nan} {
		dir := filepath.Join(parent, "run")
		if _, _, err := runErr(o, dir, false); err == nil {
			t.Fatalf("%s: no error", name)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the failed start left %s (%v)", name, dir, err)
		}
	}
}

// While a process holds a run folder's lock, another training into it fails naming that process.
func TestLockedRunFolder(t *testing.T) {
	o := smallOptions(fixture(t, 4, 2), model.DCGAN)
	o.Steps, o.CheckpointEvery = 2, 2
	dir := t.TempDir()
	run(t, o, dir, false)
	if _, err := os.Stat(filepath.Join(dir, LockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file outlives the run: %v", err)
	}
	lock, err := runlock.Acquire(filepath.Join(dir, LockFile)) // as a training in another process would
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	o.Steps = 4
	_, _, err = runErr(o, dir, true)
	if want := fmt.Sprintf("PID %d", os.Getpid()); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("resume while the folder is locked: %v; want an error naming %s", err, want)
	}
	if files, _ := model.ListCheckpoints(dir); len(files) != 1 {
		t.Fatalf("the refused run wrote checkpoints: %v", files)
	}
}

// The temporary files that killed writes left are removed at the next start; other files are not.
func TestStaleTemporaryFilesRemoved(t *testing.T) {
	o := smallOptions(fixture(t, 4, 2), model.DCGAN)
	o.Steps, o.CheckpointEvery = 2, 2
	dir := t.TempDir()
	run(t, o, dir, false)
	ckpts := filepath.Join(dir, model.CheckpointDir)
	temps := []string{filepath.Join(ckpts, ".ckpt-000000004.safetensors.tmp-3520"), filepath.Join(dir, ".stats.jsonl.tmp-77"),
		filepath.Join(dir, previewDir, ".step-000000004.png.tmp-1")}
	mine := []string{filepath.Join(dir, ".notes.txt.tmp-5"), filepath.Join(ckpts, ".ckpt-best.safetensors.tmp-9"),
		filepath.Join(ckpts, "ckpt-000000004.safetensors.tmp-2")}
	for _, p := range append(temps, mine...) {
		if err := os.WriteFile(p, make([]byte, 1000), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o.Steps = 4
	_, stderr, err := runErr(o, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range temps {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there", p)
		}
	}
	for _, p := range mine {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s, not sdgan's, was removed", p)
		}
	}
	if !strings.Contains(stderr, "removed 3 temporary files") {
		t.Errorf("stderr does not say what was removed: %q", stderr)
	}
}

// A damaged latest checkpoint does not block --resume: the run continues from the previous one, says so, and sets
// the damaged file aside; the result is the same as a run that never broke. A user's ckpt-best.safetensors
// (a copy of an early checkpoint) is not taken for the latest.
func TestResumePastDamagedCheckpoint(t *testing.T) {
	o := smallOptions(fixture(t, 4, 2), model.DCGAN)
	straight, broken := t.TempDir(), t.TempDir()
	run(t, o, straight, false)
	half := o
	half.Steps = 4
	run(t, half, broken, false) // checkpoints at 2 and 4
	ckpts := filepath.Join(broken, model.CheckpointDir)
	latest := filepath.Join(ckpts, model.CheckpointName(4))
	b := readFile(t, latest)
	if err := os.WriteFile(latest, b[:len(b)/2], 0o644); err != nil { // a write cut short
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ckpts, "ckpt-best.safetensors"), readFile(t, filepath.Join(ckpts, model.CheckpointName(2))), 0o644); err != nil {
		t.Fatal(err)
	}

	resumed, c, err := ResumeOptions(broken)
	if err != nil || c.Step != 2 {
		t.Fatalf("ResumeOptions past a damaged checkpoint: %v; want the step-2 checkpoint", err)
	}
	resumed.Steps = o.Steps
	stdout, stderr, err := runErr(resumed, broken, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, model.CheckpointName(4)) || !strings.Contains(stderr, "step 2") || !strings.Contains(stderr, ".damaged") {
		t.Errorf("the fallback is not reported: %q", stderr)
	}
	if _, err := os.Stat(latest + ".damaged"); err != nil {
		t.Errorf("the damaged checkpoint was not set aside: %v", err)
	}
	if !strings.Contains(stdout, "(step 2)") {
		t.Errorf("stdout does not say where the run resumes: %q", stdout)
	}
	final := filepath.Join(model.CheckpointDir, model.CheckpointName(o.Steps))
	if !bytes.Equal(readFile(t, filepath.Join(straight, final)), readFile(t, filepath.Join(broken, final))) {
		t.Error("the run resumed past a damaged checkpoint differs from one that never broke")
	}
}

// A stats.jsonl line over 64 KiB does not stop the history reader: lines past the resumed checkpoint are still
// dropped, so no step is logged twice.
func TestLongStatsLine(t *testing.T) {
	o := smallOptions(fixture(t, 4, 2), model.DCGAN)
	dir := t.TempDir()
	run(t, o, dir, false) // steps 1–4 logged, checkpoints at 2 and 4
	// As if killed after logging steps 3 and 4 but before the step-4 checkpoint; a long line (a future field)
	// at the top.
	if err := os.Remove(filepath.Join(dir, model.CheckpointDir, model.CheckpointName(4))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, StatsFile)
	long := `{"step": 0, "note": "` + strings.Repeat("x", 100<<10) + `"}` + "\n"
	if err := os.WriteFile(path, append([]byte(long), readFile(t, path)...), 0o644); err != nil {
		t.Fatal(err)
	}
	resumed, _, err := ResumeOptions(dir)
	if err != nil {
		t.Fatal(err)
	}
	run(t, resumed, dir, true)
	counts := map[int64]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(readFile(t, path))), "\n") {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		counts[l.Step]++
	}
	for step := int64(1); step <= 4; step++ {
		if counts[step] != 1 {
			t.Errorf("stats.jsonl logs step %d %d times; want once (counts %v)", step, counts[step], counts)
		}
	}
}

// real.png has as many columns as the data fills: 2 for a data set of pairs.
func TestRealGridSizedToData(t *testing.T) {
	o := smallOptions(fixture(t, 4, 2), model.DCGAN)
	o.Steps, o.PreviewIDs, o.PreviewObs = 1, 3, 8
	dir := t.TempDir()
	run(t, o, dir, false)
	f, err := os.Open(filepath.Join(dir, "real.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	want := picture.Grid(nil, 3, 2, 32, 32, 1, 2).Bounds()
	if cfg.Width != want.Dx() || cfg.Height != want.Dy() {
		t.Errorf("real.png is %d×%d; want %d×%d (3 identities × their 2 images)", cfg.Width, cfg.Height, want.Dx(), want.Dy())
	}
}

// A resumed run's last line says how many steps it ran; an interrupted one returns an error that is an interrupt
// (context.Canceled) without repeating "context canceled" after its own message.
func TestRunMessages(t *testing.T) {
	o := smallOptions(fixture(t, 4, 2), model.DCGAN)
	dir := t.TempDir()
	half := o
	half.Steps = 1
	run(t, half, dir, false)
	stdout, _, err := runErr(o, dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "done: step 4 (3 steps in this run, resumed at 1)") {
		t.Errorf("the resumed run's end: %q", stdout)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	o.Steps = 6
	err = Run(ctx, Job{Options: o, Dir: dir, Resume: true, Stdout: &out, Stderr: io.Discard})
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "context canceled") {
		t.Errorf("interrupted run: %v; want an error wrapping context.Canceled that does not say it", err)
	}
	if !strings.Contains(out.String(), "interrupted at step 4") || !strings.Contains(out.String(), "--resume") {
		t.Errorf("the interrupted run's message: %q", out.String())
	}
}

// The learning-rate schedule of a huge step count takes no time (it used to halve once per LRHalve steps).
func TestLearningRateScheduleIsBounded(t *testing.T) {
	o := Defaults()
	o.Loss, o.LRHalve, o.LRMin = LossBEGAN, 1, 0
	if g, d := o.learningRates(MaxSteps); g != 0 || d != 0 {
		t.Errorf("lr after %d halvings: %g/%g; want 0", int64(MaxSteps), g, d)
	}
	o.LRMin = 2e-5
	if g, _ := o.learningRates(MaxSteps); g != 2e-5 {
		t.Errorf("lr %g; want the floor 2e-5", g)
	}
}
