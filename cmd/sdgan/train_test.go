package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sdgan/model"
)

// TestMain lets a test run the sdgan command in a subprocess (the test binary itself), to send it signals.
func TestMain(m *testing.M) {
	if args := os.Getenv("SDGAN_TEST_MAIN_ARGS"); args != "" {
		var list []string
		if err := json.Unmarshal([]byte(args), &list); err != nil {
			panic(err)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, list, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// trainFixture writes 5 identities of 3 random 32×32 images each.
func trainFixture(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	rng := newTestRNG()
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		for j := range 3 {
			dataWritePNG(t, rng, filepath.Join(root, id, string(rune('1'+j))+".png"), 32, 32)
		}
	}
	return root
}

// sdgan runs the command in-process and returns its exit code, stdout and stderr.
func sdgan(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestTrainAndGenerateBadInput(t *testing.T) {
	data := trainFixture(t)
	empty := t.TempDir()
	small := t.TempDir() // identities of one image: nothing to pair
	for _, id := range []string{"x", "y"} {
		dataWritePNG(t, newTestRNG(), filepath.Join(small, id, "1.png"), 8, 8)
	}
	corrupt := trainFixture(t)
	if err := os.WriteFile(filepath.Join(corrupt, "a", "bad.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	aFile := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(aFile, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	notCkpt := filepath.Join(t.TempDir(), "junk.safetensors")
	if err := os.WriteFile(notCkpt, []byte("this is not a checkpoint at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	quick := []string{"--steps", "1", "--batch", "2"}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing folder", []string{"train", "--data", "/no/such/folder"}, 1, "/no/such/folder"},
		{"empty folder", []string{"train", "--data", empty}, 1, empty},
		{"no identity with k images", []string{"train", "--data", small}, 1, "at least 2"},
		{"k 1", []string{"train", "--k", "1"}, 2, "--k 1"},
		{"d-i 0", []string{"train", "--d-i", "0"}, 2, "--d-i 0"},
		{"res 48", []string{"train", "--res", "48"}, 2, "--res 48"},
		{"unknown loss", []string{"train", "--loss", "hinge"}, 2, "--loss"},
		{"unwritable out", append([]string{"train", "--data", data, "--out", filepath.Join(aFile, "run")}, quick...), 1, "--out"},
		{"strict corrupt image", append([]string{"train", "--data", corrupt, "--strict", "--out", t.TempDir()}, quick...), 1, "bad.png"},
		{"resume without checkpoints", []string{"train", "--resume", empty}, 1, "no checkpoint"},
		{"generate without model", []string{"generate"}, 2, "--model"},
		{"generate missing model", []string{"generate", "--model", "/no/model"}, 1, "/no/model"},
		{"generate not a checkpoint", []string{"generate", "--model", notCkpt}, 1, notCkpt},
		{"generate folder without checkpoints", []string{"generate", "--model", empty}, 1, "without checkpoints"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := sdgan(tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("sdgan %v: exit %d, stderr %q; want exit %d naming %q", tc.args, code, stderr, tc.code, tc.want)
			}
		})
	}

	// A corrupt image without --strict is skipped with a warning naming it, and training goes on.
	out := t.TempDir()
	code, _, stderr := sdgan(append([]string{"train", "--data", corrupt, "--out", out}, quick...)...)
	if code != 0 || !strings.Contains(stderr, "bad.png") {
		t.Fatalf("train with a corrupt image: exit %d, stderr %q; want success and a warning naming bad.png", code, stderr)
	}
	// The run cannot be restarted over, nor resumed with another architecture.
	if code, _, stderr := sdgan(append([]string{"train", "--data", corrupt, "--out", out}, quick...)...); code != 2 || !strings.Contains(stderr, "--resume") {
		t.Errorf("train into an existing run: exit %d, %q; want a usage error suggesting --resume", code, stderr)
	}
	if code, _, stderr := sdgan("train", "--resume", out, "--arch", "began"); code != 2 || !strings.Contains(stderr, "--arch") {
		t.Errorf("resume with another --arch: exit %d, %q; want a usage error naming --arch", code, stderr)
	}
	// A checkpoint whose tensors are for another network is refused by generate.
	c, err := model.ReadCheckpoint(must(model.ResolveCheckpoint(out)))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.safetensors")
	cfg := model.DefaultConfig(model.DCGAN, 64, 1) // a different resolution than the tensors hold
	g, _ := model.NewGenerator(c.Config, newTestRNG())
	if err := c.Fill(g.Params()); err != nil {
		t.Fatal(err)
	}
	if err := model.SaveCheckpoint(other, cfg, 1, g.Params(), nil); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := sdgan("generate", "--model", other, "--out", filepath.Join(t.TempDir(), "g.png")); code != 1 || !strings.Contains(stderr, "shape") {
		t.Errorf("generate with a checkpoint of another resolution: exit %d, %q; want an error about shapes", code, stderr)
	}
	// Latents of the wrong size are refused, naming the file and the sizes.
	lat := filepath.Join(t.TempDir(), "lat.json")
	if err := os.WriteFile(lat, []byte(`{"zi": [[0.1, 0.2]], "zo": [[0.3]]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := sdgan("generate", "--model", out, "--latents", lat, "--out", filepath.Join(t.TempDir(), "g.png")); code != 1 || !strings.Contains(stderr, "wants 50") {
		t.Errorf("generate with short latents: exit %d, %q", code, stderr)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestGenerateRegeneratesFromLatents(t *testing.T) {
	run := t.TempDir()
	if code, _, stderr := sdgan("train", "--data", trainFixture(t), "--out", run, "--steps", "1", "--batch", "2"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")
	if code, _, stderr := sdgan("generate", "--model", run, "--interpolate", "--identities", "3", "--observations", "4", "--padding", "0", "--out", a, "--seed", "7"); code != 0 {
		t.Fatalf("generate: %s", stderr)
	}
	if code, _, stderr := sdgan("generate", "--model", run, "--latents", filepath.Join(dir, "a.json"), "--out", b); code != 0 {
		t.Fatalf("generate --latents: %s", stderr)
	}
	if !bytes.Equal(must(os.ReadFile(a)), must(os.ReadFile(b))) {
		t.Fatal("regenerating from the written latents gave another picture")
	}
	same := filepath.Join(dir, "same")
	if code, _, stderr := sdgan("generate", "--model", run, "--same-identity", "3", "--out", same); code != 0 {
		t.Fatalf("generate --same-identity: %s", stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(same, "obs-*.png")); len(files) != 3 {
		t.Fatalf("--same-identity 3 wrote %v", files)
	}
}

// SIGINT during training saves a loadable checkpoint and exits 130; the run then resumes.
func TestInterruptLeavesLoadableCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a training subprocess")
	}
	out := t.TempDir()
	args, _ := json.Marshal([]string{"train", "--data", trainFixture(t), "--out", out, "--steps", "100000",
		"--batch", "2", "--checkpoint-every", "100000", "--preview-every", "100000", "--log-every", "1"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SDGAN_TEST_MAIN_ARGS="+string(args))
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, _ := os.ReadFile(filepath.Join(out, "stats.jsonl")); bytes.Count(b, []byte("\n")) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("training did not start within a minute:\n%s", stdout.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit code %d after SIGINT (%v), want 130:\n%s", code, err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "--resume") {
		t.Errorf("the interrupted run does not say how to resume:\n%s", stdout.String())
	}
	g, c, err := model.LoadGenerator(out)
	if err != nil {
		t.Fatalf("checkpoint after SIGINT: %v", err)
	}
	if c.Step < 2 || g == nil {
		t.Fatalf("checkpoint at step %d", c.Step)
	}
	next := c.Step + 1
	if code, _, stderr := sdgan("train", "--resume", out, "--steps", itoa(next)); code != 0 {
		t.Fatalf("resume after SIGINT: %s", stderr)
	}
	if _, c2, _ := model.LoadGenerator(out); c2.Step != next {
		t.Fatalf("resumed to step %d, want %d", c2.Step, next)
	}
}

// newTestRNG is a fixed random stream for fixtures.
func newTestRNG() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
