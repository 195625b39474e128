package data

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestWriteFoldersRoundTrip exports a few typefaces and a random RGB data set and reads them back: identical
// names, counts and (8-bit) pixels, and no temporary files left behind.
func TestWriteFoldersRoundTrip(t *testing.T) {
	fonts, err := Open(BuiltinFonts, Options{Res: 24, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	fonts.Identities = []Identity{fonts.Identities[0], fonts.Identities[41], fonts.Identities[len(fonts.Identities)-1]}
	rgb, err := Open(folderFixture(t), Options{Res: 13, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range []*Dataset{fonts, rgb} {
		t.Run(ds.Layout, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if err := ds.WriteFolders(context.Background(), dir, nil); err != nil {
				t.Fatal(err)
			}
			back, err := Open(dir, Options{Res: ds.Res, Channels: ds.Channels, K: 1})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(back), names(ds)) {
				t.Fatalf("identities %v, want %v", names(back), names(ds))
			}
			for i, id := range ds.Identities {
				if len(back.Identities[i].Images) != len(id.Images) {
					t.Fatalf("%s: %d images back, want %d", id.Name, len(back.Identities[i].Images), len(id.Images))
				}
				for j, img := range id.Images {
					for p, v := range img {
						// Fonts are 8-bit already: exact. Resized photos round to 8 bits: within half a level.
						tol := float32(0.5/127.5 + 1e-6)
						if ds.Layout == LayoutFonts {
							tol = 1e-6
						}
						if d := back.Identities[i].Images[j][p] - v; d > tol || d < -tol {
							t.Fatalf("%s image %d value %d: %v back, want %v", id.Name, j, p, back.Identities[i].Images[j][p], v)
						}
					}
				}
			}
			filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
				if strings.Contains(d.Name(), ".tmp") {
					t.Errorf("temporary file left behind: %s", path)
				}
				return nil
			})
		})
	}
}

func TestSafeName(t *testing.T) {
	cases := map[string]string{
		"DejaVu Sans Bold": "DejaVu Sans Bold",
		"a/b\\c:d":         "a_b_c_d",
		"..":               "_..",
		".hidden":          "_.hidden",
		"":                 "_",
		"é":                "_",
		"m.01abc":          "m.01abc",
	}
	for in, want := range cases {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestToByte(t *testing.T) {
	for p := range 256 {
		if got := toByte(float32(p)/127.5 - 1); int(got) != p {
			t.Errorf("toByte(%d/127.5 − 1) = %d", p, got)
		}
	}
	if toByte(-1.5) != 0 || toByte(1.5) != 255 {
		t.Error("toByte does not clamp")
	}
}
