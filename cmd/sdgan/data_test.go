package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"sdgan/data"
	"sdgan/internal/pngbomb"
)

// dataWritePNG writes a random w×h RGB PNG at path, creating folders.
func dataWritePNG(t *testing.T, rng *rand.Rand, path string, w, h int) {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = uint8(rng.IntN(256)) | uint8(255*(i%4/3))
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dataFixture writes identities ann (3 images), ben (2 images and a corrupt file) and cy (1 image).
func dataFixture(t *testing.T) string {
	rng := rand.New(rand.NewPCG(1, 1))
	root := t.TempDir()
	dataWritePNG(t, rng, filepath.Join(root, "ann", "1.png"), 40, 30)
	dataWritePNG(t, rng, filepath.Join(root, "ann", "2.png"), 64, 64)
	dataWritePNG(t, rng, filepath.Join(root, "ann", "3.png"), 64, 64)
	dataWritePNG(t, rng, filepath.Join(root, "ben", "1.png"), 64, 64)
	dataWritePNG(t, rng, filepath.Join(root, "ben", "2.png"), 17, 17)
	if err := os.WriteFile(filepath.Join(root, "ben", "3.png"), []byte("broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	dataWritePNG(t, rng, filepath.Join(root, "cy", "1.png"), 64, 64)
	return root
}

func TestDataCommandArgs(t *testing.T) {
	root := dataFixture(t)
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		args  []string
		usage bool   // a usage error (exit 2)
		want  string // in the error
	}{
		{"no verb", nil, true, "no verb given"},
		{"unknown verb", []string{"fix"}, true, `unknown verb "fix"`},
		{"check no path", []string{"check"}, true, "got 0 arguments"},
		{"check two paths", []string{"check", root, root}, true, "got 2 arguments"},
		{"check k 0", []string{"check", "--k", "0", root}, true, "--k 0"},
		{"check res 4", []string{"check", "--res", "4", root}, true, "--res 4"},
		{"check channels 2", []string{"check", "--channels", "2", root}, true, "--channels 2"},
		{"check font-dir on folder", []string{"check", "--font-dir", root, root}, true, "--font-dir applies only"},
		{"check bad flag", []string{"check", "--frobnicate", root}, true, "frobnicate"},
		{"check too few images", []string{"check", "--k", "4", root}, false, "no identity has at least 4 images (largest has 3)"},
		{"check strict", []string{"check", "--strict", root}, false, "3.png"},
		{"check missing", []string{"check", filepath.Join(root, "nope")}, false, "no such folder"},
		{"export one arg", []string{"export", data.BuiltinFonts}, true, "got 1 arguments"},
		{"export res", []string{"export", "--res", "5000", data.BuiltinFonts, t.TempDir()}, true, "--res 5000"},
		{"export font-dir on folder", []string{"export", "--font-dir", root, root, t.TempDir()}, true, "--font-dir applies only"},
		{"export non-empty", []string{"export", root, full}, false, "not empty (1 entries)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := dataCmd().run(context.Background(), tc.args, &out, &errOut)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out.String())
			}
			var ue *usageError
			if errors.As(err, &ue) != tc.usage {
				t.Errorf("error %v: usage error %v, want %v", err, errors.As(err, &ue), tc.usage)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
	var errOut bytes.Buffer
	if err := dataCmd().run(context.Background(), []string{"-h"}, &bytes.Buffer{}, &errOut); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errOut.String(), "check") {
		t.Errorf("-h: error %v, usage %q", err, errOut.String())
	}
}

func TestDataCheckReport(t *testing.T) {
	root := dataFixture(t)
	var out bytes.Buffer
	if err := dataCmd().run(context.Background(), []string{"check", "--res", "16", root}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"layout: folders",
		"identities: 3 found, 2 usable at k=2, 1 with fewer than 2 images",
		"images: 6 read from 7 files, 1 unreadable",
		filepath.Join(root, "ben", "3.png"),
		"images per identity: min 1, median 2, max 3",
		"source sizes: 64×64 (4), 17×17 (1), 40×30 (1)",
		"source channels: colour 6",
		"memory at 16×16×3: 15.0 KiB for 5 images, kept in memory",
		"ok: 2 identities",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDataCheckReportsMode(t *testing.T) {
	root := dataFixture(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		// The budget is compared with all 7 candidate files: 7·512·512·3·4 bytes = 21 MiB.
		{[]string{"--res", "512", "--memory-budget", "21"}, "memory at 512×512×3: 15.0 MiB for 5 images, kept in memory"},
		{[]string{"--res", "512", "--memory-budget", "20"}, "memory at 512×512×3: 15.0 MiB for 5 images, decoded on the fly: its 7 files need 21.0 MiB, more than the 20.0 MiB memory budget"},
		{[]string{"--res", "8", "--channels", "1", "--memory-budget", "1"}, "memory at 8×8×1: 1.2 KiB for 5 images, kept in memory"},
	} {
		var out bytes.Buffer
		if err := dataCmd().run(context.Background(), append(append([]string{"check"}, tc.args...), root), &out, &bytes.Buffer{}); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if !strings.Contains(out.String(), tc.want) || !strings.Contains(out.String(), "images: 6 read from 7 files, 1 unreadable") {
			t.Errorf("%v: report lacks %q or the unreadable count:\n%s", tc.args, tc.want, out.String())
		}
	}
	err := dataCmd().run(context.Background(), []string{"check", "--memory-budget", "-1", root}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "--memory-budget -1") {
		t.Errorf("negative budget: error %v; want one naming --memory-budget -1", err)
	}
}

func TestDataExport(t *testing.T) {
	root := dataFixture(t)
	dir := filepath.Join(t.TempDir(), "out")
	var out bytes.Buffer
	if err := dataCmd().run(context.Background(), []string{"export", "--res", "12", root, dir}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "wrote 3 identities, 6 images of 12×12×3") {
		t.Errorf("output %q", out.String())
	}
	back, err := data.Open(dir, data.Options{Res: 12, K: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Identities) != 3 || back.NumImages() != 6 || back.Identities[2].Name != "cy" {
		t.Errorf("read back %d identities, %d images", len(back.Identities), back.NumImages())
	}
	// A second export into the now non-empty folder needs --force.
	if err := dataCmd().run(context.Background(), []string{"export", "--res", "12", root, dir}, &out, &bytes.Buffer{}); err == nil {
		t.Error("export into a non-empty folder without --force succeeded")
	}
	if err := dataCmd().run(context.Background(), []string{"export", "--force", "--res", "12", root, dir}, &out, &bytes.Buffer{}); err != nil {
		t.Errorf("--force: %v", err)
	}
}

// TestDataExportFonts exports every built-in typeface and reads the folder back: the same pixels, exactly. It
// writes about 8000 small files, each synced, so it uses a RAM-backed /dev/shm where there is one (3 s instead
// of 15 s on a disk).
func TestDataExportFonts(t *testing.T) {
	dir := t.TempDir()
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if shm, err := os.MkdirTemp("/dev/shm", "sdgan-data-test-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(shm) })
			dir = shm
		}
	} else if testing.Short() {
		t.Skip("no /dev/shm: writing 8000 synced files to disk is slow; skipped with -short")
	}
	var out bytes.Buffer
	if err := dataCmd().run(context.Background(), []string{"export", "--res", "8", data.BuiltinFonts, dir}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	want, err := data.Open(data.BuiltinFonts, data.Options{Res: 8})
	if err != nil {
		t.Fatal(err)
	}
	back, err := data.Open(dir, data.Options{Res: 8, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Identities) != len(want.Identities) || back.NumImages() != want.NumImages() {
		t.Fatalf("read back %d typefaces, %d images; want %d, %d", len(back.Identities), back.NumImages(), len(want.Identities), want.NumImages())
	}
	for i, id := range want.Identities {
		if back.Identities[i].Name != id.Name {
			t.Fatalf("typeface %d: %q back, want %q", i, back.Identities[i].Name, id.Name)
		}
		for j, img := range id.Images {
			for p, v := range img {
				if back.Identities[i].Images[j][p] != v {
					t.Fatalf("%s glyph %d value %d: %v back, want %v", id.Name, j, p, back.Identities[i].Images[j][p], v)
				}
			}
		}
	}
}

// dataBombFixture writes identity "a" with two small images and a 30000×30000 PNG of zeros (5.6 MB on disk,
// 900 MB of grey pixels), and returns the folder and the bomb's path.
func dataBombFixture(t *testing.T) (root, bomb string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(2, 2))
	root = t.TempDir()
	dataWritePNG(t, rng, filepath.Join(root, "a", "1.png"), 20, 20)
	dataWritePNG(t, rng, filepath.Join(root, "a", "2.png"), 20, 20)
	bomb = filepath.Join(root, "a", "3.png")
	if err := pngbomb.WriteFile(bomb, 30000, 30000); err != nil {
		t.Fatal(err)
	}
	return root, bomb
}

// TestDataCheckRefusesBomb runs `data check` on a folder holding a decompression bomb: refused from its header in
// well under a second, named in the report with its size, the limit and the flag; with --strict, the error says
// the same. --max-pixels moves the limit (as a count or as WxH).
func TestDataCheckRefusesBomb(t *testing.T) {
	root, bomb := dataBombFixture(t)
	var out bytes.Buffer
	start := time.Now()
	err := dataCmd().run(context.Background(), []string{"check", "--k", "1", root}, &out, &bytes.Buffer{})
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("data check took %v; want under a second", elapsed)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"images: 2 read from 3 files, 1 unreadable", bomb + ": 30000×30000 = 900000000 pixels, more than the limit of 67108864", "--max-pixels"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	err = dataCmd().run(context.Background(), []string{"check", "--strict", root}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), bomb) || !strings.Contains(err.Error(), "--max-pixels") {
		t.Errorf("--strict: error %v; want one naming the bomb and --max-pixels", err)
	}
	for limit, want := range map[string]string{"399": "limit of 399;", "19x20": "limit of 380;", "19×20": "limit of 380;"} {
		out.Reset()
		if err := dataCmd().run(context.Background(), []string{"check", "--k", "1", "--max-pixels", limit, root}, &out, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("--max-pixels %s: error %v; want every image refused with the %s\n%s", limit, err, want, out.String())
		}
	}
	if err := dataCmd().run(context.Background(), []string{"check", "--k", "1", "--max-pixels", "400", root}, &out, &bytes.Buffer{}); err != nil {
		t.Errorf("--max-pixels 400: %v; want the two 20×20 images read", err)
	}
}

func TestMaxPixelsFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64 // -1: an error
	}{
		{"0", 0}, {"67108864", 67108864}, {"8192x8192", 67108864}, {"16384×16384", 1 << 28}, {" 3 X 5 ", 15},
		{"-1", -1}, {"1x", -1}, {"x2", -1}, {"2x-3", -1}, {"a", -1}, {"", -1}, {"4611686018427387905", -1}, {"99999999999x2", -1},
	} {
		var m maxPixelsFlag
		err := m.Set(tc.in)
		if (err != nil) != (tc.want < 0) || (err == nil && int64(m) != tc.want) {
			t.Errorf("Set(%q) = %d, %v; want %d", tc.in, m, err, tc.want)
		}
	}
	fs := newFlagSet("x", "", &bytes.Buffer{})
	var n int64
	addMaxPixelsFlag(fs, &n)
	if err := parseFlags(fs, []string{"--max-pixels", "-5"}); err == nil {
		t.Error("--max-pixels -5 parsed")
	} else if _, ok := err.(*usageError); !ok {
		t.Errorf("--max-pixels -5: %v is not a usage error", err)
	}
}

// TestFontDirsFlag checks that --font-dir means the same in every command: repeatable, and each value may hold
// several folders separated by commas.
func TestFontDirsFlag(t *testing.T) {
	var d fontDirsFlag
	for _, v := range []string{"/a,/b", "/c"} {
		if err := d.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(d, []string{"/a", "/b", "/c"}) {
		t.Errorf("--font-dir /a,/b --font-dir /c = %v", d)
	}
	for _, bad := range []string{"", ",/a", "/a,", "/a,,/b"} {
		if err := new(fontDirsFlag).Set(bad); err == nil {
			t.Errorf("--font-dir %q accepted", bad)
		}
	}

	// train records them (in its dry run); data check and export render them.
	var out bytes.Buffer
	if err := trainCmd().run(context.Background(), []string{"--dry-run", "--font-dir", "/a,/b", "--font-dir", "/c"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(strings.Fields(out.String()), ""), `"font_dirs":["/a","/b","/c"]`) {
		t.Errorf("train --dry-run does not record the three folders:\n%s", out.String())
	}
	missing := filepath.Join(t.TempDir(), "nope")
	for _, args := range [][]string{
		{"check", "--font-dir", "/usr/share/fonts," + missing, data.BuiltinFonts},
		{"export", "--font-dir", "/usr/share/fonts," + missing, data.BuiltinFonts, t.TempDir()},
	} {
		err := dataCmd().run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "font folder "+missing) {
			t.Errorf("%v: error %v; want one about the second folder, %s", args, err, missing)
		}
	}
}

// TestDataPluralsAndExportDefault checks the counts of one ("1 identity", "1 file") and that export writes 32×32
// images by default, like every other command.
func TestDataPluralsAndExportDefault(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	root := t.TempDir()
	dataWritePNG(t, rng, filepath.Join(root, "solo", "1.png"), 40, 40)
	var out bytes.Buffer
	if err := dataCmd().run(context.Background(), []string{"check", "--k", "1", root}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 found, 1 usable at k=1, 0 with fewer than 1 image\n", "images: 1 read from 1 file, 0 unreadable", "for 1 image, kept", "ok: 1 identity can be sampled"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := dataCmd().run(context.Background(), []string{"export", root, filepath.Join(t.TempDir(), "out")}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "wrote 1 identity, 1 image of 32×32×3") {
		t.Errorf("export output %q; want 1 identity, 1 image of 32×32×3", out.String())
	}
}

// dataBuildSdgan builds the sdgan binary into a temporary folder.
func dataBuildSdgan(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "sdgan")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestDataBinary runs the real binary: `data check` on a decompression bomb stays small and fast, and `data
// check` and `data export` stop within 2 s of SIGINT or SIGTERM with exit code 130, export leaving no folder.
func TestDataBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := dataBuildSdgan(t)
	t.Run("bomb", func(t *testing.T) {
		root, bomb := dataBombFixture(t)
		// Run through the test binary as a small intermediate process: Linux counts the memory of the process
		// that vforks a child in the child's peak, and this test process is large.
		cmd := exec.Command(os.Args[0], "-test.run=^TestDataMaxRSSHelper$", "--", bin, "data", "check", "--k", "1", root)
		cmd.Env = append(os.Environ(), "SDGAN_DATA_RSS_HELPER=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), bomb+": 30000×30000 = 900000000 pixels, more than the limit") {
			t.Fatalf("data check: %v\n%s", err, out)
		}
		var ns, rss int64
		if _, err := fmt.Sscanf(string(out[strings.Index(string(out), "helper:"):]), "helper: %d %d", &ns, &rss); err != nil {
			t.Fatalf("helper output: %v\n%s", err, out)
		}
		elapsed := time.Duration(ns)
		if elapsed > time.Second {
			t.Errorf("data check took %v; want under a second", elapsed)
		}
		if rss > 100<<20 {
			t.Errorf("data check peaked at %d MB resident; want at most 100 MB", rss>>20)
		}
		t.Logf("data check on a 30000×30000 PNG: %v, peak resident %d MB (0: not measured on this system)", elapsed, rss>>20)
	})

	slow := t.TempDir() // 120 images of 1500×1500 zeros: a few KB each, seconds of decoding in all
	for i := range 120 {
		p := filepath.Join(slow, fmt.Sprintf("id%d", i%4), fmt.Sprintf("%d.png", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := pngbomb.WriteFile(p, 1500, 1500); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "fonts")
	exporting := func() bool {
		pngs, _ := filepath.Glob(filepath.Join(out, "*", "*.png"))
		return len(pngs) > 0
	}
	for _, tc := range []struct {
		name  string
		sig   os.Signal
		args  []string
		ready func() bool // the work is under way
	}{
		{"check SIGINT", os.Interrupt, []string{"data", "check", slow}, func() bool { return true }},
		{"export SIGINT", os.Interrupt, []string{"data", "export", data.BuiltinFonts, out}, exporting},
		{"export SIGTERM", syscall.SIGTERM, []string{"data", "export", data.BuiltinFonts, out}, exporting},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			time.Sleep(500 * time.Millisecond) // past signal.NotifyContext
			for deadline := time.Now().Add(20 * time.Second); !tc.ready() && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatalf("signal: %v (exited already? stderr: %s)", err, stderr.String())
			}
			signalled := time.Now()
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-exited
				t.Fatalf("still running 10 s after %v", tc.sig)
			}
			if d := time.Since(signalled); d > 2*time.Second {
				t.Errorf("exited %v after %v; want within 2 s", d, tc.sig)
			}
			if code := cmd.ProcessState.ExitCode(); code != 130 {
				t.Errorf("exit code %d after %v; want 130; stderr: %s", code, tc.sig, stderr.String())
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the export folder %s is left behind (%v)", out, err)
			}
		})
	}
}

// TestMaxPixelsEveryCommand checks that every command reading images takes --max-pixels: train and verifier train
// record it, eval's report parses it, and eval msssim refuses a bomb from its header.
func TestMaxPixelsEveryCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--dry-run", "--max-pixels", "100x100"}, `"max_pixels": 10000`},
		{[]string{"verifier", "train", "--dry-run", "--out", t.TempDir(), "--max-pixels", "12345"}, `"max_pixels": 12345`},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errOut); code != 0 || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%v: exit %d, output lacks %q:\n%s%s", tc.args, code, tc.want, out.String(), errOut.String())
		}
	}
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"eval", "--model", "m", "--out", t.TempDir(), "--max-pixels", "-3"}, &bytes.Buffer{}, &errOut); code != 2 || !strings.Contains(errOut.String(), "-max-pixels") {
		t.Errorf("eval --max-pixels -3: exit %d, stderr %q; want a usage error about the flag", code, errOut.String())
	}

	_, bomb := dataBombFixture(t)
	for _, args := range [][]string{{"eval", "msssim", bomb, bomb}, {"eval", "ssim", "--max-pixels", "399", filepath.Join(filepath.Dir(bomb), "1.png"), bomb}} {
		errOut.Reset()
		start := time.Now()
		code := run(context.Background(), args, &bytes.Buffer{}, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), "more than the limit of") || !strings.Contains(errOut.String(), "--max-pixels") {
			t.Errorf("%v: exit %d, stderr %q; want the image refused, naming the limit and --max-pixels", args, code, errOut.String())
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%v took %v; want under a second", args, d)
		}
	}
}

// TestDataMaxRSSHelper is not a test of its own: TestDataBinary runs the test binary with SDGAN_DATA_RSS_HELPER=1
// and a command line after "--", and this runs that command and prints "helper: <nanoseconds> <peak resident bytes>"
// after its output.
func TestDataMaxRSSHelper(t *testing.T) {
	if os.Getenv("SDGAN_DATA_RSS_HELPER") != "1" || flag.NArg() == 0 {
		return // not started by TestDataBinary
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(start)
	rss, _ := dataMaxRSS(cmd.ProcessState)
	fmt.Printf("%s\nhelper: %d %d\n", out, elapsed.Nanoseconds(), rss)
	if err != nil {
		t.Fatal(err)
	}
}
