package data

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// TestOpenContextStops cancels loads part way (from the progress callback) and before they start: folders, on the
// fly and builtin:fonts all return an error wrapping context.Canceled, having handed out little more work.
func TestOpenContextStops(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4)) // 4 workers: far fewer than the 30 files
	root := streamFixture(t, LayoutFolders, []int{10, 10, 10}, 1)
	for _, tc := range []struct {
		name string
		spec string
		opt  Options
	}{
		{"folder", root, Options{Res: 8}},
		{"on the fly", root, Options{Res: 8, MemoryBudget: 1}},
		{"fonts", BuiltinFonts, Options{Res: 8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var calls []int
			tc.opt.Progress = func(done, total int) {
				calls = append(calls, done)
				if done == 3 {
					cancel()
				}
			}
			_, err := OpenContext(ctx, tc.spec, tc.opt)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled after 3: error %v; want context.Canceled", err)
			}
			if len(calls) < 3 || len(calls) > 3+4 || !slices.IsSorted(calls) {
				t.Errorf("progress calls %v; want 3 to 7 increasing counts", calls)
			}
			if _, err := OpenContext(ctx, tc.spec, tc.opt); !errors.Is(err, context.Canceled) {
				t.Errorf("already cancelled: error %v; want context.Canceled", err)
			}
		})
	}
}

// TestOpenProgress checks that a complete load reports every file once, in order, up to the total.
func TestOpenProgress(t *testing.T) {
	root := streamFixture(t, LayoutFolders, []int{4, 5}, 2)
	var calls []int
	if _, err := Open(root, Options{Res: 8, Progress: func(done, total int) {
		if total != 9 {
			t.Errorf("total %d; want 9", total)
		}
		calls = append(calls, done)
	}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(calls, []int{1, 2, 3, 4, 5, 6, 7, 8, 9}) {
		t.Errorf("progress calls %v; want 1 … 9", calls)
	}
}

// listTree returns every path under root, relative, with the content of each file.
func listTree(t *testing.T, root string) map[string]string {
	t.Helper()
	tree := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			tree[rel+"/"] = ""
			return nil
		}
		b, err := os.ReadFile(path)
		tree[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// TestWriteFoldersCancelRemovesItsFiles interrupts an export after two files: into a folder it had to create
// (two levels), nothing is left; into a folder with the user's files, exactly those stay, including an identity
// folder of the same name as one exported and a file of the same name as one exported (replaced or not, it
// stays).
func TestWriteFoldersCancelRemovesItsFiles(t *testing.T) {
	// 60 images: far more than the 16 files written at once, so that the cancellation finds work left.
	ds := &Dataset{Name: "mem", Layout: LayoutFolders, Res: 8, Channels: 1}
	for i := range 4 {
		id := Identity{Name: fmt.Sprintf("id%02d", i)}
		for j := range 15 {
			id.Images = append(id.Images, make([]float32, 64))
			id.Sources = append(id.Sources, fmt.Sprint(j))
		}
		ds.Identities = append(ds.Identities, id)
	}
	cancelAfter := func(n int) (context.Context, func(done, total int)) {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		return ctx, func(done, total int) {
			if done == n {
				cancel()
			}
		}
	}

	parent := t.TempDir()
	ctx, progress := cancelAfter(2)
	err := ds.WriteFolders(ctx, filepath.Join(parent, "new", "out"), progress)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("new folder: error %v; want context.Canceled", err)
	}
	if left := listTree(t, parent); len(left) != 1 {
		t.Errorf("new folder: left behind %v; want nothing", left)
	}

	dir := t.TempDir()
	writeBytes(t, filepath.Join(dir, "keep.txt"), []byte("mine"))
	writeBytes(t, filepath.Join(dir, "id01", "mine.png"), []byte("mine too"))
	writeBytes(t, filepath.Join(dir, "id01", "000_0.png"), []byte("same name as an exported file"))
	before := listTree(t, dir)
	ctx, progress = cancelAfter(2)
	if err := ds.WriteFolders(ctx, dir, progress); !errors.Is(err, context.Canceled) {
		t.Fatalf("existing folder: error %v; want context.Canceled", err)
	}
	after := listTree(t, dir)
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("existing folder: %s left behind", p)
		}
	}
	for p, content := range before {
		if got, ok := after[p]; !ok || (got != content && p != filepath.Join("id01", "000_0.png")) {
			t.Errorf("existing folder: %s removed or changed", p)
		}
	}

	// Uninterrupted, the same export succeeds and reports every file.
	var last int
	if err := ds.WriteFolders(context.Background(), dir, func(done, total int) { last = done }); err != nil || last != 60 {
		t.Errorf("uninterrupted: %v, %d files reported; want 60", err, last)
	}
}
