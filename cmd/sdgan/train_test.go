package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sdgan/internal/runlock"
	"sdgan/model"
	"sdgan/train"
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
	newRun := filepath.Join(t.TempDir(), "run") // never made: every start below fails
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing folder", []string{"train", "--data", "/no/such/folder", "--out", newRun}, 1, "/no/such/folder"},
		{"empty folder", []string{"train", "--data", empty, "--out", newRun}, 1, empty},
		{"no identity with k images", []string{"train", "--data", small, "--out", newRun}, 1, "at least 2"},
		{"k 1", []string{"train", "--k", "1", "--out", newRun}, 2, "--k 1"},
		{"d-i 0", []string{"train", "--d-i", "0", "--out", newRun}, 2, "--d-i 0"},
		{"res 48", []string{"train", "--res", "48", "--out", newRun}, 2, "--res 48"},
		{"unknown loss", []string{"train", "--loss", "bogus", "--out", newRun}, 2, "--loss"},
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
			if _, err := os.Stat(newRun); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("sdgan %v failed and left %s behind", tc.args, newRun)
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
	g, c, err := model.LoadGenerator(out, model.WeightsAuto)
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
	if _, c2, _ := model.LoadGenerator(out, model.WeightsAuto); c2.Step != next {
		t.Fatalf("resumed to step %d, want %d", c2.Step, next)
	}
}

// newTestRNG is a fixed random stream for fixtures.
func newTestRNG() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// Values that used to pass and break later, and flags of another architecture, are usage errors naming the flag
// (and the limit or the architecture); none of them leaves a folder behind.
func TestTrainFlagChecks(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--arch", "began", "--non-siamese"}, "--non-siamese does not apply to --arch began"},
		{[]string{"--arch", "began", "--d-per-g", "2"}, "--d-per-g does not apply to --arch began"},
		{[]string{"--arch", "began", "--clip", "0.1"}, "--clip does not apply to --arch began"},
		{[]string{"--gamma", "0.7"}, "--gamma does not apply to --arch dcgan"},
		{[]string{"--lambda-k", "0.01"}, "--lambda-k does not apply to --arch dcgan"},
		{[]string{"--filters", "64"}, "--filters does not apply to --arch dcgan"},
		{[]string{"--clip", "0.1"}, "--clip applies only to --loss wgan"},
		{[]string{"--loss", "lsgan", "--clip", "0.1"}, "--clip applies only to --loss wgan (the loss is lsgan)"},
		{[]string{"--lr-g", "NaN"}, "--lr-g NaN"},
		{[]string{"--lr-d", "Inf"}, "--lr-d +Inf"},
		{[]string{"--arch", "began", "--gamma", "NaN"}, "--gamma NaN"},
		{[]string{"--arch", "began", "--lambda-k", "-Inf"}, "--lambda-k -Inf"},
		{[]string{"--loss", "wgan", "--clip", "NaN"}, "--clip NaN"},
		{[]string{"--batch", "100000"}, "at most 2048 images per batch"},
		{[]string{"--d-i", "1000000"}, "--d-i 1000000: want 1 to 4096"},
		{[]string{"--d-o", "1000000"}, "--d-o 1000000: want 1 to 4096"},
		{[]string{"--k", "1000"}, "--k 1000: want 2 to 64"},
		{[]string{"--steps", "10000000000"}, "--steps 10000000000: want 1 to 1000000000"},
		{[]string{"--arch", "began", "--filters", "1000000"}, "--filters 1000000: want 1 to 1024"},
		{[]string{"--gp-lambda", "5"}, "--gp-lambda applies only to --loss wgan-gp (the loss is dcgan)"},
		{[]string{"--loss", "wgan-gp", "--d-norm", "batch"}, "--loss wgan-gp needs --d-norm none"},
		{[]string{"--loss", "wgan-gp", "--gp-lambda", "-1"}, "--gp-lambda -1: want a number in (0, 10000]"},
		{[]string{"--loss", "wgan-gp", "--gp-lambda", "0"}, "--gp-lambda 0: want a number in (0, 10000]"},
		{[]string{"--loss", "wgan-gp", "--gp-lambda", "1e5"}, "--gp-lambda 100000: want a number in (0, 10000]"},
		{[]string{"--r1-every", "4"}, "--r1-every needs --r1"},
		{[]string{"--r1", "10", "--r1-every", "0"}, "--r1-every 0: want 1 to 1000000"},
		{[]string{"--r1", "NaN"}, "--r1 NaN"},
		{[]string{"--loss", "lsgan", "--r1", "10"}, "--r1 applies to --loss dcgan and hinge (the loss is lsgan)"},
		{[]string{"--arch", "began", "--r1", "10"}, "--r1 does not apply to --arch began"},
		{[]string{"--arch", "acgan", "--non-siamese"}, "--non-siamese does not apply to --arch acgan"},
		{[]string{"--arch", "acgan", "--mismatch"}, "--mismatch does not apply to --arch acgan"},
		{[]string{"--arch", "acgan", "--gamma", "0.7"}, "--gamma does not apply to --arch acgan"},
		{[]string{"--arch", "acgan", "--augment", "translation", "--augment-per", "tuple"}, "--augment-per tuple: the AC-DCGAN discriminator judges single images"},
		{[]string{"--arch", "acgan", "--loss", "began"}, "--loss \"began\""},
		{[]string{"--arch", "vae"}, "--arch \"vae\": want dcgan, began or acgan"},
		{[]string{"--arch", "acgan", "--r1", "10"}, "--r1 does not apply to --arch acgan"},
		{[]string{"--arch", "acgan", "--loss", "wgan-gp"}, "--loss wgan-gp applies to --arch dcgan"},
		{[]string{"--d-compare", "--non-siamese"}, "--d-compare compares the per-image features"},
		{[]string{"--arch", "began", "--d-compare"}, "--d-compare does not apply to --arch began"},
		{[]string{"--info", "1", "--non-siamese"}, "--info 1: the identity head reads each image's own features, which only the Siamese SD-DCGAN discriminator has"},
		{[]string{"--info", "-1"}, "--info -1: want a weight in [0, 10000]"},
		{[]string{"--arch", "began", "--info", "1"}, "--info does not apply to --arch began"},
		{[]string{"--id-triplet", "1", "--non-siamese"}, "--id-triplet 1: the identity head reads each image's own features"},
		{[]string{"--id-triplet", "1", "--info", "1"}, "--id-triplet 1 with --info 1: both train the discriminator's one identity head"},
		{[]string{"--arch", "acgan", "--id-triplet", "1"}, "--id-triplet does not apply to --arch acgan"},
		{[]string{"--arch", "began", "--g-style"}, "--g-style does not apply to --arch began"},
		{[]string{"--arch", "began", "--g-width", "2"}, "--g-width does not apply to --arch began"},
		{[]string{"--g-width", "9"}, "g_width 9: want 0 to 4"},
		{[]string{"--mismatch-hard", "--mismatch=false"}, "--mismatch-hard: it chooses the mismatched tuples, which --mismatch=false turns off"},
		{[]string{"--arch", "acgan", "--mismatch-hard"}, "--mismatch-hard does not apply to --arch acgan"},
		{[]string{"--mismatch-weight", "-2"}, "--mismatch-weight -2: want a weight in [0, 10000]"},
		{[]string{"--mismatch-weight", "2", "--mismatch=false"}, "--mismatch-weight 2: it weighs the mismatched tuples, which --mismatch=false turns off"},
		{[]string{"--arch", "acgan", "--mismatch-weight", "2"}, "--mismatch-weight does not apply to --arch acgan"},
	} {
		args := append([]string{"train", "--out", out}, tc.args...)
		code, _, stderr := sdgan(args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("sdgan %v: exit %d, %q; want exit 2 naming %q", args, code, stderr, tc.want)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused start left %s", out)
	}
	// What applies is accepted.
	for _, args := range [][]string{{"--loss", "wgan", "--clip", "0.05"}, {"--arch", "began", "--gamma", "0.7", "--filters", "32"}, {"--d-per-g", "2"},
		{"--loss", "wgan-gp", "--gp-lambda", "5"}, {"--loss", "hinge", "--r1", "1", "--r1-every", "1"},
		{"--arch", "acgan", "--d-per-g", "2", "--augment", "translation", "--spectral-norm", "--loss", "hinge", "--ema-kimg", "1"}} {
		args = append([]string{"train", "--dry-run", "--out", out}, args...)
		if code, _, stderr := sdgan(args...); code != 0 {
			t.Errorf("sdgan %v: exit %d, %q", args, code, stderr)
		}
	}
}

// --dry-run shows the values the run would use: the loss's learning rates and the data's channels, not zeros; and
// the defaults chosen in QUALITY.md (EMA, and mismatch, d_O 10 and the identity triplet loss where the architecture
// is SD-DCGAN's; the triplet loss gives way where its head is missing or --info uses it).
func TestTrainDryRunShowsResolvedValues(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	for _, tc := range []struct {
		args, want []string
		absent     []string
	}{
		{nil, []string{`"lr_g": 0.0002`, `"lr_d": 0.0002`, `"channels": 1`, `"loss": "dcgan"`, `"mismatch": true`, `"ema_kimg": 10`, `"ema_rampup": 0.05`, `"d_o": 10,`, `"id_triplet": 3`, `"info_head": true`}, nil},
		{[]string{"--info", "0"}, []string{`"id_triplet": 3`}, nil},
		{[]string{"--info", "1"}, []string{`"info": 1`}, []string{`"id_triplet"`}},
		{[]string{"--non-siamese"}, nil, []string{`"id_triplet"`, `"info_head"`}},
		{[]string{"--id-triplet", "0"}, nil, []string{`"id_triplet"`, `"info_head"`}},
		{[]string{"--d-o", "50"}, []string{`"d_o": 50,`}, nil},
		{[]string{"--mismatch=false", "--ema-kimg", "0"}, nil, []string{`"mismatch"`, `"ema_kimg"`}},
		{[]string{"--arch", "began", "--data", t.TempDir()}, []string{`"lr_g": 0.00008`, `"channels": 0`, "channels 0: as the data", `"loss": "began"`, `"ema_kimg": 10`, `"d_o": 50,`}, []string{`"mismatch"`, `"id_triplet"`}},
		{[]string{"--loss", "wgan-gp"}, []string{`"lr_g": 0.0001`, `"gp_lambda": 10`, `"d_norm": "none"`}, nil},
		{[]string{"--r1", "10"}, []string{`"r1_gamma": 10`, `"r1_every": 16`}, nil},
		{[]string{"--arch", "acgan"}, []string{`"arch": "acgan"`, `"lr_g": 0.0002`, `"siamese": false`, "classes 0: one identity label per identity of builtin:fonts", `"d_o": 50,`}, []string{`"mismatch"`, `"id_triplet"`}},
	} {
		args := append([]string{"train", "--dry-run", "--out", out}, tc.args...)
		code, stdout, stderr := sdgan(args...)
		if code != 0 {
			t.Fatalf("sdgan %v: exit %d, %q", args, code, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("sdgan %v prints no %s:\n%s", args, w, stdout)
			}
		}
		for _, a := range tc.absent {
			if strings.Contains(stdout, a) {
				t.Errorf("sdgan %v prints %s:\n%s", args, a, stdout)
			}
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--dry-run made %s", out)
	}
}

// --out on a folder of someone else's files is a usage error that changes nothing; a run folder in use by another
// training is refused naming that process.
func TestTrainProtectsFolders(t *testing.T) {
	data := trainFixture(t)
	foreign := t.TempDir()
	mine := filepath.Join(foreign, "config.json")
	if err := os.WriteFile(mine, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := sdgan("train", "--data", data, "--out", foreign, "--steps", "1", "--batch", "2")
	if code != 2 || !strings.Contains(stderr, "not an sdgan run folder") {
		t.Fatalf("train into a folder of other files: exit %d, %q; want exit 2", code, stderr)
	}
	if b, _ := os.ReadFile(mine); string(b) != "{}" {
		t.Fatalf("the user's config.json was replaced: %q", b)
	}

	run := t.TempDir()
	if code, _, stderr := sdgan("train", "--data", data, "--out", run, "--steps", "1", "--batch", "2"); code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	lock, err := runlock.Acquire(filepath.Join(run, train.LockFile)) // as another training would hold it
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	code, _, stderr = sdgan("train", "--resume", run, "--steps", "2")
	if want := fmt.Sprintf("PID %d", os.Getpid()); code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("train --resume into a locked folder: exit %d, %q; want exit 1 naming %s", code, stderr, want)
	}
}
