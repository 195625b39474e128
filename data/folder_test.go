package data

import (
	"bytes"
	"image"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// folderFixture writes a folder-per-identity data set: alice has a PNG, a JPEG and a GIF of mixed sizes, bob has
// two grey PNGs and a corrupt one, carol has one image, plus files and folders that must be ignored.
func folderFixture(t *testing.T) string {
	rng := rand.New(rand.NewPCG(7, 8))
	root := t.TempDir()
	writeImage(t, filepath.Join(root, "alice", "1.png"), randomRGBA(rng, 40, 30))
	writeImage(t, filepath.Join(root, "alice", "2.jpg"), randomRGBA(rng, 64, 64))
	writeImage(t, filepath.Join(root, "alice", "3.GIF"), randomRGBA(rng, 17, 17))
	writeBytes(t, filepath.Join(root, "alice", "notes.txt"), []byte("not an image"))
	writeImage(t, filepath.Join(root, "alice", ".hidden.png"), randomRGBA(rng, 9, 9))
	writeImage(t, filepath.Join(root, "bob", "a.png"), randomGray(rng, 31, 31))
	writeBytes(t, filepath.Join(root, "bob", "b.png"), []byte("\x89PNG\r\n\x1a\n this is not really a PNG"))
	writeImage(t, filepath.Join(root, "bob", "c.png"), randomGray(rng, 20, 50))
	writeImage(t, filepath.Join(root, "carol", "x.png"), randomRGBA(rng, 8, 8))
	writeImage(t, filepath.Join(root, ".git", "y.png"), randomRGBA(rng, 8, 8))
	writeBytes(t, filepath.Join(root, "README.txt"), []byte("a file beside the identities"))
	return root
}

// flatFixture writes the authors' flat layout: identity "m.01abc" (3 good images of 3 formats and a corrupt
// one), "with_under_score" (2, underscores inside the identity), "lonely" (1), and names that fit no layout.
func flatFixture(t *testing.T) string {
	rng := rand.New(rand.NewPCG(9, 10))
	root := t.TempDir()
	writeImage(t, filepath.Join(root, "m.01abc_0_face.png"), randomRGBA(rng, 64, 64))
	writeImage(t, filepath.Join(root, "m.01abc_1_face.jpg"), randomGray(rng, 33, 47))
	writeImage(t, filepath.Join(root, "m.01abc_2_x.gif"), randomRGBA(rng, 5, 5))
	writeBytes(t, filepath.Join(root, "m.01abc_3_bad.png"), []byte{1, 2, 3})
	writeImage(t, filepath.Join(root, "with_under_score_5_a.png"), randomRGBA(rng, 64, 64))
	writeImage(t, filepath.Join(root, "with_under_score_6_b.png"), randomRGBA(rng, 64, 64))
	writeImage(t, filepath.Join(root, "lonely_0_a.png"), randomRGBA(rng, 64, 64))
	writeImage(t, filepath.Join(root, "badname.png"), randomRGBA(rng, 64, 64))
	writeImage(t, filepath.Join(root, "one_underscore.png"), randomRGBA(rng, 64, 64))
	writeBytes(t, filepath.Join(root, "labels.csv"), []byte("a,b\n"))
	return root
}

func TestOpenFolderLayouts(t *testing.T) {
	folders, flat := folderFixture(t), flatFixture(t)
	cases := []struct {
		name        string
		root        string
		channels    int // asked for
		wantCh      int // got
		layout      string
		ids         map[string]int // identity → images
		skipped     int
		unreadable  string // base name of the corrupt file
		perIdentity []int
		sizes       map[image.Point]int
		srcChannels map[int]int
		ignored     []string // base names
	}{
		{
			name: "folders", root: folders, channels: 0, wantCh: 3, layout: LayoutFolders,
			ids: map[string]int{"alice": 3, "bob": 2}, skipped: 1, unreadable: "b.png", perIdentity: []int{1, 2, 3},
			sizes:       map[image.Point]int{{40, 30}: 1, {64, 64}: 1, {17, 17}: 1, {31, 31}: 1, {20, 50}: 1, {8, 8}: 1},
			srcChannels: map[int]int{1: 2, 3: 4},
			ignored:     []string{"README.txt", "notes.txt"},
		},
		{
			name: "flat", root: flat, channels: 1, wantCh: 1, layout: LayoutFlat,
			ids: map[string]int{"m.01abc": 3, "with_under_score": 2}, skipped: 1, unreadable: "m.01abc_3_bad.png", perIdentity: []int{1, 2, 3},
			sizes:       map[image.Point]int{{64, 64}: 4, {33, 47}: 1, {5, 5}: 1},
			srcChannels: map[int]int{1: 1, 3: 5},
			ignored:     []string{"badname.png", "labels.csv", "one_underscore.png"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var warn bytes.Buffer
			ds, err := Open(tc.root, Options{Res: 16, Channels: tc.channels, K: 2, Warn: &warn})
			if err != nil {
				t.Fatal(err)
			}
			if ds.Layout != tc.layout {
				t.Errorf("layout %q, want %q", ds.Layout, tc.layout)
			}
			wantCh := tc.wantCh
			if ds.Channels != wantCh || ds.Res != 16 {
				t.Errorf("res %d channels %d, want 16 and %d", ds.Res, ds.Channels, wantCh)
			}
			got := map[string]int{}
			var names []string
			for _, id := range ds.Identities {
				got[id.Name] = len(id.Images)
				names = append(names, id.Name)
				if len(id.Sources) != len(id.Images) {
					t.Errorf("%s: %d sources for %d images", id.Name, len(id.Sources), len(id.Images))
				}
				for j, img := range id.Images {
					if len(img) != ds.ImageLen() {
						t.Fatalf("%s image %d: %d values, want %d", id.Name, j, len(img), ds.ImageLen())
					}
					if slices.Min(img) < -1 || slices.Max(img) > 1 || slices.Min(img) == slices.Max(img) {
						t.Fatalf("%s image %d: range [%v, %v], want a random image inside [−1, 1]", id.Name, j, slices.Min(img), slices.Max(img))
					}
				}
			}
			if !reflect.DeepEqual(got, tc.ids) || !slices.IsSorted(names) {
				t.Errorf("identities %v (order %v), want %v sorted", got, names, tc.ids)
			}
			if ds.Skipped != tc.skipped {
				t.Errorf("skipped %d, want %d", ds.Skipped, tc.skipped)
			}
			if len(ds.Stats.Unreadable) != 1 || filepath.Base(ds.Stats.Unreadable[0]) != tc.unreadable {
				t.Errorf("unreadable %v, want just %s", ds.Stats.Unreadable, tc.unreadable)
			}
			if !strings.Contains(warn.String(), tc.unreadable) {
				t.Errorf("warnings do not name %s:\n%s", tc.unreadable, warn.String())
			}
			if strings.Contains(warn.String(), "hidden") || strings.Contains(warn.String(), ".git") {
				t.Errorf("warnings mention hidden files:\n%s", warn.String())
			}
			if !slices.Equal(ds.Stats.PerIdentity, tc.perIdentity) {
				t.Errorf("per identity %v, want %v", ds.Stats.PerIdentity, tc.perIdentity)
			}
			if !reflect.DeepEqual(ds.Stats.SourceSizes, tc.sizes) {
				t.Errorf("sizes %v, want %v", ds.Stats.SourceSizes, tc.sizes)
			}
			if !reflect.DeepEqual(ds.Stats.SourceChannels, tc.srcChannels) {
				t.Errorf("source channels %v, want %v", ds.Stats.SourceChannels, tc.srcChannels)
			}
			var ignored []string
			for _, f := range ds.Stats.Ignored {
				ignored = append(ignored, filepath.Base(strings.Fields(f)[0]))
			}
			slices.Sort(ignored)
			if !slices.Equal(ignored, tc.ignored) {
				t.Errorf("ignored %v, want %v", ignored, tc.ignored)
			}
			if want := int64(5 * 16 * 16 * wantCh * 4); ds.MemoryBytes() != want || ds.NumImages() != 5 {
				t.Errorf("%d images, %d bytes; want 5 and %d", ds.NumImages(), ds.MemoryBytes(), want)
			}

			_, err = Open(tc.root, Options{Res: 16, Channels: tc.channels, K: 2, Strict: true})
			if err == nil || !strings.Contains(err.Error(), tc.unreadable) {
				t.Errorf("strict: error %v, want one naming %s", err, tc.unreadable)
			}
		})
	}
}

func TestFlatIdentity(t *testing.T) {
	cases := []struct {
		name, id string
		ok       bool
	}{
		{"a_b_c.png", "a", true},
		{"m.0abc_12_3.png", "m.0abc", true},
		{"a_b_c_d.jpeg", "a_b", true},
		{"x y_1_.gif", "x y", true},
		{"_b_c.png", "", false},
		{"ab_c.png", "", false},
		{"abc.png", "", false},
	}
	for _, c := range cases {
		id, ok := flatIdentity(c.name)
		if id != c.id || ok != c.ok {
			t.Errorf("flatIdentity(%q) = %q, %v; want %q, %v", c.name, id, ok, c.id, c.ok)
		}
	}
}
