package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sdgan/model"
	"sdgan/verify"
)

// writeIdentityFolder writes ids sub-folders named prefix+number, each with per 32×32 RGB images: a square of the
// identity's colour at a random place, on noise.
func writeIdentityFolder(t *testing.T, prefix string, ids, per int, seed uint64) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := range ids {
		col := color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		sub := filepath.Join(dir, fmt.Sprintf("%s%02d", prefix, i))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for j := range per {
			img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
			x0, y0 := rng.IntN(20), rng.IntN(20)
			for y := range 32 {
				for x := range 32 {
					c := color.NRGBA{uint8(rng.IntN(60)), uint8(rng.IntN(60)), uint8(rng.IntN(60)), 255}
					if x >= x0 && x < x0+12 && y >= y0 && y < y0+12 {
						c = col
					}
					img.SetNRGBA(x, y, c)
				}
			}
			var buf bytes.Buffer
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("%d.png", j)), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// runCmd runs the sdgan command line and returns the exit code and output.
func runCmd(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestVerifierTrainAndEvalReport(t *testing.T) {
	dataDir := writeIdentityFolder(t, "id", 10, 5, 1)
	tmp := t.TempDir()
	v := filepath.Join(tmp, "v")
	code, out, errOut := runCmd("verifier", "train", "--data", dataDir, "--out", v, "--steps", "12", "--held-out", "3", "--ids", "4", "--pairs", "50")
	if code != 0 {
		t.Fatalf("verifier train: exit %d\n%s\n%s", code, out, errOut)
	}
	if !regexp.MustCompile(`held-out .* AUC [0-9.]+, EER [0-9.]+, accuracy [0-9.]+ at cosine ≥ -?[0-9.]+`).MatchString(out) {
		t.Errorf("verifier train output lacks the held-out figures:\n%s", out)
	}

	cfg := model.DefaultConfig(model.DCGAN, 32, 3)
	g, err := model.NewGenerator(cfg, rand.New(rand.NewPCG(2, 2)))
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(tmp, "g.safetensors")
	if err := model.SaveCheckpoint(ckpt, cfg, 3, append(g.Params(), g.Buffers()...), nil); err != nil {
		t.Fatal(err)
	}

	rep := filepath.Join(tmp, "report")
	code, out, errOut = runCmd("eval", "--model", ckpt, "--verifier", v, "--out", rep, "--pairs", "30", "--seed", "4")
	if code != 0 {
		t.Fatalf("eval: exit %d\n%s\n%s", code, out, errOut)
	}
	var report struct {
		Figures []struct {
			Key             string
			Definition      string
			Generated, Real *float64
		}
		Skipped []string
	}
	js, err := os.ReadFile(filepath.Join(rep, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &report); err != nil {
		t.Fatal(err)
	}
	want := []string{"verifier_accept_same", "verifier_accept_different", "verifier_accuracy", "verifier_auc", "frechet_embedding",
		"pixel_rms_same", "pixel_rms_different", "pixel_l1_same", "pixel_l1_different", "pixel_auc", "msssim_same", "msssim_different"}
	got := map[string]bool{}
	for _, f := range report.Figures {
		if f.Generated == nil || f.Real == nil || f.Definition == "" {
			t.Errorf("figure %s incomplete: generated %v real %v definition %q", f.Key, f.Generated, f.Real, f.Definition)
		}
		got[f.Key] = true
	}
	for _, k := range want {
		if !got[k] {
			t.Errorf("report.json lacks %s", k)
		}
	}
	if len(report.Skipped) != 0 {
		t.Errorf("skipped %v with a verifier and data", report.Skipped)
	}
	html, err := os.ReadFile(filepath.Join(rep, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	srcs := regexp.MustCompile(`src="([^"]+)"`).FindAllStringSubmatch(string(html), -1)
	if len(srcs) != 5 {
		t.Errorf("report.html shows %d images, want 5 (ROC and 4 grids)", len(srcs))
	}
	for _, m := range srcs {
		if _, err := os.Stat(filepath.Join(rep, m[1])); err != nil {
			t.Errorf("report.html references %s: %v", m[1], err)
		}
	}

	// Without a verifier: pixel figures on generated and real pairs, verifier figures named as skipped.
	rep2 := filepath.Join(tmp, "report2")
	code, out, errOut = runCmd("eval", "--model", ckpt, "--data", dataDir, "--out", rep2, "--pairs", "10")
	if code != 0 {
		t.Fatalf("eval without verifier: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "skipped: verifier figures") || !strings.Contains(out, "no --verifier given") || !strings.Contains(out, "msssim_same") {
		t.Errorf("eval without verifier printed:\n%s", out)
	}

	// Bad inputs.
	grey := filepath.Join(tmp, "grey")
	if code, out, errOut := runCmd("verifier", "train", "--data", dataDir, "--out", grey, "--steps", "2", "--held-out", "3", "--channels", "1", "--pairs", "5"); code != 0 {
		t.Fatalf("grey verifier: exit %d\n%s\n%s", code, out, errOut)
	}
	other := writeIdentityFolder(t, "other", 4, 4, 5)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"verifier of other channels", []string{"eval", "--model", ckpt, "--verifier", grey, "--out", rep}, 1, "takes 32×32×1 images but --model " + ckpt + " makes 32×32×3"},
		{"data without the held-out identities", []string{"eval", "--model", ckpt, "--verifier", v, "--data", other, "--out", rep}, 1, "0 of the verifier's 3 held-out identities"},
		{"verifier is a checkpoint", []string{"eval", "--model", ckpt, "--verifier", ckpt, "--out", rep}, 1, "not a verifier file"},
		{"too few identities to hold out", []string{"verifier", "train", "--data", other, "--out", filepath.Join(tmp, "x"), "--held-out", "3"}, 1, "--held-out 3"},
		{"verifier without --out", []string{"verifier", "train", "--data", other}, 2, "--out: missing"},
		{"bad --res", []string{"verifier", "train", "--data", other, "--out", rep, "--res", "20"}, 2, "--res 20"},
		{"no verb", []string{"verifier"}, 2, "want the verb train"},
		{"resume changes a flag", []string{"verifier", "train", "--resume", v, "--lr", "0.1"}, 2, "--lr cannot change"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.want)
			}
		})
	}
}

// The help says which triplet loss is the default, as the flag does.
func TestVerifierHelpNamesDefaultLoss(t *testing.T) {
	code, _, stderr := runCmd("verifier", "train", "-h")
	if code != 0 || !strings.Contains(stderr, "batch-all by default") || strings.Contains(stderr, "(batch-hard triplet loss)") {
		t.Errorf("verifier train -h: exit %d, help:\n%s\nwant it to name batch-all as the default", code, stderr)
	}
}

// Values that pass the flag parser but cannot work are usage errors naming the limit, and leave no folder.
func TestVerifierBadValues(t *testing.T) {
	out := filepath.Join(t.TempDir(), "v")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--lr", "NaN"}, "--lr NaN"},
		{[]string{"--margin", "+Inf"}, "--margin +Inf"},
		{[]string{"--ids", "1000", "--per-id", "1000"}, "want at most 2048 at this --res"},
		{[]string{"--pairs", "10000000"}, "--pairs 10000000"},
	} {
		code, _, stderr := runCmd(append([]string{"verifier", "train", "--out", out}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("verifier train %q: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	// Interrupted while loading or before the first step: exit 130, no folder.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	data := writeIdentityFolder(t, "id", 6, 3, 1)
	if code := run(ctx, []string{"verifier", "train", "--data", data, "--held-out", "2", "--ids", "4", "--per-id", "2", "--out", out}, &stdout, &stderr); code != 130 {
		t.Errorf("verifier train with a cancelled context: exit %d, want 130; stderr %q", code, stderr.String())
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused or interrupted verifier train left %s", out)
	}
}

// A verifier records its data folder as an absolute path, so that `train --verifier` and `eval` find the real
// images from any working directory; builtin:fonts stays as it is.
func TestVerifierRecordsAbsoluteDataPath(t *testing.T) {
	dataDir := writeIdentityFolder(t, "id", 4, 3, 1)
	t.Chdir(filepath.Dir(dataDir))
	for _, tc := range []struct{ data, want string }{
		{filepath.Base(dataDir), dataDir},
		{"builtin:fonts", "builtin:fonts"},
	} {
		code, out, errOut := runCmd("verifier", "train", "--dry-run", "--data", tc.data, "--out", filepath.Join(t.TempDir(), "v"))
		want := fmt.Sprintf("%q: %q", "data", tc.want)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("verifier train --data %s --dry-run: exit %d, output lacks %s:\n%s%s", tc.data, code, want, out, errOut)
		}
	}
}

// --hold-out-from: a second verifier, of another seed, holds out exactly the first one's identities (and is
// refused with --held-out, or from a file that is no verifier).
func TestVerifierHoldOutFrom(t *testing.T) {
	dataDir := writeIdentityFolder(t, "id", 10, 5, 1)
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	small := []string{"--data", dataDir, "--steps", "4", "--ids", "4", "--pairs", "20"}
	if code, out, errOut := runCmd(append([]string{"verifier", "train", "--out", a, "--held-out", "3", "--seed", "1"}, small...)...); code != 0 {
		t.Fatalf("verifier train a: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := runCmd(append([]string{"verifier", "train", "--out", b, "--hold-out-from", a, "--seed", "9"}, small...)...); code != 0 {
		t.Fatalf("verifier train b: exit %d\n%s\n%s", code, out, errOut)
	}
	va, err := verify.Load(a)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := verify.Load(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(va.HeldOut) != 3 || !slices.Equal(va.HeldOut, vb.HeldOut) {
		t.Errorf("held out: a %v, b %v; want b to hold out a's 3", va.HeldOut, vb.HeldOut)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--hold-out-from", a, "--held-out", "4"}, 2, "give one way of holding identities out"},
		{[]string{"--hold-out-from", dataDir}, 1, "--hold-out-from"},
	} {
		args := append(append([]string{"verifier", "train", "--out", filepath.Join(tmp, "c")}, small...), tc.args...)
		if code, _, errOut := runCmd(args...); code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit %d naming %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
