package data

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	empty := t.TempDir()
	onlyJunk := t.TempDir()
	writeBytes(t, filepath.Join(onlyJunk, "notes.txt"), []byte("hello"))
	small := t.TempDir() // largest identity has 2 images
	writeImage(t, filepath.Join(small, "a", "1.png"), randomRGBA(rng, 9, 9))
	writeImage(t, filepath.Join(small, "a", "2.png"), randomRGBA(rng, 9, 9))
	writeImage(t, filepath.Join(small, "b", "1.png"), randomRGBA(rng, 9, 9))
	corrupt := t.TempDir()
	writeBytes(t, filepath.Join(corrupt, "a", "1.png"), []byte("junk"))
	writeBytes(t, filepath.Join(corrupt, "a", "2.jpg"), []byte("junk"))
	file := filepath.Join(small, "a", "1.png")
	missing := filepath.Join(empty, "nope")

	cases := []struct {
		name string
		spec string
		opt  Options
		want []string // substrings of the error
	}{
		{"missing folder", missing, Options{Res: 32, K: 2}, []string{missing, "no such folder"}},
		{"not a folder", file, Options{Res: 32, K: 2}, []string{file}},
		{"empty folder", empty, Options{Res: 32, K: 2}, []string{empty, "no images found"}},
		{"no images", onlyJunk, Options{Res: 32, K: 2}, []string{onlyJunk, "no images found"}},
		{"no identity with k", small, Options{Res: 32, K: 3}, []string{small, "no identity has at least 3 images (largest has 2)", "lower --k"}},
		{"all corrupt", corrupt, Options{Res: 32, K: 1}, []string{corrupt, "no image could be read (2 unreadable; the first: decode ", "1.png: image: unknown format"}},
		{"res too small", small, Options{Res: 7, K: 2}, []string{small, "resolution 7", "8 to 4096"}},
		{"res zero", BuiltinFonts, Options{K: 2}, []string{BuiltinFonts, "resolution 0"}},
		{"channels 2", small, Options{Res: 32, Channels: 2, K: 2}, []string{small, "2 channels", "expected 1 (grey), 3 (RGB)"}},
		{"channels 4", BuiltinFonts, Options{Res: 32, Channels: 4}, []string{"4 channels"}},
		{"negative k", small, Options{Res: 32, K: -1}, []string{"k = -1"}},
		{"negative budget", small, Options{Res: 32, MemoryBudget: -5}, []string{"memory budget -5"}},
		{"font dirs on a folder", small, Options{Res: 32, FontDirs: []string{empty}}, []string{"font folders apply only to builtin:fonts"}},
		{"missing font dir", BuiltinFonts, Options{Res: 32, FontDirs: []string{missing}}, []string{"font folder " + missing}},
		{"unknown builtin", "builtin:faces", Options{Res: 32}, []string{"builtin:faces", "unknown built-in"}},
		{"empty spec", "", Options{Res: 32}, []string{"empty data set spec"}},
		{"over budget (fonts)", BuiltinFonts, Options{Res: 64, MemoryBudget: 1 << 20}, []string{"at 64×64×1", "1.0 MiB"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := Open(tc.spec, tc.opt)
			if err == nil {
				t.Fatalf("Open(%q) succeeded with %d identities; want an error", tc.spec, len(ds.Identities))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestOpenKZeroKeepsEveryIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	root := t.TempDir()
	writeImage(t, filepath.Join(root, "a", "1.png"), randomRGBA(rng, 9, 9))
	writeImage(t, filepath.Join(root, "b", "1.png"), randomRGBA(rng, 9, 9))
	writeImage(t, filepath.Join(root, "b", "2.png"), randomRGBA(rng, 9, 9))
	ds, err := Open(root, Options{Res: 8})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Identities) != 2 || ds.Skipped != 0 || ds.K != 1 {
		t.Errorf("K 0: %d identities, %d skipped, K %d; want 2, 0, 1", len(ds.Identities), ds.Skipped, ds.K)
	}
}

func TestFormatBytes(t *testing.T) {
	cases := []struct {
		n    int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"}, {5 << 20, "5.0 MiB"}, {4 << 30, "4.0 GiB"}, {3 << 40, "3.0 TiB"}}
	for _, c := range cases {
		if got := FormatBytes(c.n); got != c.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
