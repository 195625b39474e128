package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// entries lists the names in dir, to spot leftover temporary files.
func entries(t *testing.T, dir string) []string {
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

func TestWriteFileRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	// Sizes around the 64 KiB buffer, plus empty and tiny ones.
	for _, n := range []int{0, 1, 7, 4093, 1 << 16, 1<<16 + 1, 200003} {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.bin")
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		if err := WriteFile(path, data); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("n=%d: read back %d bytes that differ from the %d written", n, len(got), n)
		}
		if names := entries(t, dir); len(names) != 1 || names[0] != "out.bin" {
			t.Fatalf("n=%d: folder holds %q, want only out.bin", n, names)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o644 {
			t.Errorf("n=%d: mode %v, want 0644", n, info.Mode().Perm())
		}
	}
}

func TestWriteReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.txt")
	for _, content := range []string{"first version, long", "second"} {
		err := Write(path, func(w io.Writer) error {
			_, err := io.WriteString(w, content)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Fatalf("read %q, want %q", got, content)
		}
	}
}

func TestWriteFailureKeepsOldFile(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name  string
		write func(w io.Writer) error
	}{
		{"error before writing", func(w io.Writer) error { return errBoom }},
		{"error after partial write", func(w io.Writer) error {
			w.Write(bytes.Repeat([]byte("x"), 1<<17)) // more than the buffer, so bytes reach the temp file
			return errBoom
		}},
		{"panic", func(w io.Writer) error {
			io.WriteString(w, "partial")
			panic(errBoom)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "keep.txt")
			if err := os.WriteFile(path, []byte("old content"), 0o644); err != nil {
				t.Fatal(err)
			}
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						err = r.(error)
					}
				}()
				err = Write(path, tt.write)
			}()
			if !errors.Is(err, errBoom) {
				t.Fatalf("err = %v, want it to wrap %v", err, errBoom)
			}
			if tt.name != "panic" && !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "old content" {
				t.Fatalf("old file now holds %q", got)
			}
			if names := entries(t, dir); len(names) != 1 || names[0] != "keep.txt" {
				t.Fatalf("folder holds %q, want only keep.txt (no temporary files)", names)
			}
		})
	}
}

func TestWriteUnwritableFolder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(dir, "read-only")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, folder string
	}{
		{"missing folder", filepath.Join(dir, "no", "such", "folder")},
		{"folder is a file", file},
		{"read-only folder", readOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.folder == readOnly && os.Geteuid() == 0 {
				t.Skip("running as root: permissions do not stop writes")
			}
			path := filepath.Join(tt.folder, "x.bin")
			err := WriteFile(path, []byte("data"))
			if err == nil {
				t.Fatalf("WriteFile(%s) succeeded, want an error", path)
			}
			if !strings.Contains(err.Error(), tt.folder) {
				t.Errorf("error %q does not name the folder %s", err, tt.folder)
			}
		})
	}
}

// RemoveTemps removes exactly the temporary files Write names (seen while Write runs) whose target is owned, and
// nothing else: not the user's files that merely look alike, not other targets' temporary files.
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	var temp string
	err := WriteFile(filepath.Join(dir, "stats.jsonl"), nil) // warm-up: the folder exists and is writable
	if err != nil {
		t.Fatal(err)
	}
	err = Write(filepath.Join(dir, "ckpt-000000005.safetensors"), func(w io.Writer) error {
		for _, name := range entries(t, dir) {
			if strings.HasPrefix(name, ".ckpt") {
				temp = name
			}
		}
		return nil
	})
	if err != nil || temp == "" {
		t.Fatalf("Write: %v; temporary file seen while writing: %q", err, temp)
	}
	if target, ok := TempTarget(temp); !ok || target != "ckpt-000000005.safetensors" {
		t.Fatalf("TempTarget(%q) = %q, %v; want the checkpoint's name", temp, target, ok)
	}
	leftovers := []string{temp, ".stats.jsonl.tmp-42", ".notes.txt.tmp-7"}
	keep := []string{"notes.txt", ".stats.jsonl.tmp-", ".stats.jsonl.tmp-12x", "stats.jsonl.tmp-3", ".tmp-5", "ckpt-000000005.safetensors"}
	for _, name := range append(leftovers, keep[:5]...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	owned := func(target string) bool { return target == "stats.jsonl" || strings.HasPrefix(target, "ckpt-") }
	removed, err := RemoveTemps(dir, owned)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, ".stats.jsonl.tmp-42"), filepath.Join(dir, temp)}
	slices.Sort(removed)
	slices.Sort(want)
	if strings.Join(removed, "|") != strings.Join(want, "|") {
		t.Errorf("removed %v; want %v", removed, want)
	}
	left := strings.Join(entries(t, dir), "|")
	for _, name := range append(keep, ".notes.txt.tmp-7", "stats.jsonl") {
		if !strings.Contains("|"+left+"|", "|"+name+"|") {
			t.Errorf("%s was removed; left: %s", name, left)
		}
	}
	if removed, err := RemoveTemps(filepath.Join(dir, "missing"), owned); err != nil || len(removed) > 0 {
		t.Errorf("a missing folder: %v, %v", removed, err)
	}
}
