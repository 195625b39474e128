package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sdgan/data"
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
