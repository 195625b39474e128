// Package atomicfile writes files so that readers see either the old content or the new, never a mix:
// the data goes to a temporary file in the same folder, is synced to disk, and is renamed over the target.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Write creates or replaces the file at path with what write produces.
//
// The bytes go through a buffer into a temporary file named "."+base+".tmp-*" in path's folder, which is
// synced, closed and renamed over path; then the folder itself is synced so that the rename survives a crash.
// On any error (including an error or a panic from write) the temporary file is removed and the previous file
// at path, if any, is left untouched. The new file has mode 0644, set explicitly (the umask does not apply).
func Write(path string, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: create temporary file in folder %s: %w", path, dir, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok { // also runs when write panics
			f.Close()
			os.Remove(tmp)
		}
	}()

	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: set mode: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: rename temporary file: %w", path, err)
	}
	ok = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: sync folder %s: %w", path, dir, err)
	}
	return nil
}

// WriteFile creates or replaces the file at path with data, atomically as Write does.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// syncDir flushes a folder's entries (the rename) to disk. Windows cannot sync folders; there it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

// TempTarget tells whether name (a file name, without folder) is one of Write's temporary files, and if so the name
// of the file it was to replace: ".stats.jsonl.tmp-123456" → "stats.jsonl", true. A process killed while writing
// leaves such files behind.
func TempTarget(name string) (target string, ok bool) {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return "", false
	}
	i := strings.LastIndex(rest, ".tmp-")
	if i <= 0 {
		return "", false
	}
	digits := rest[i+len(".tmp-"):]
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	return rest[:i], true
}

// RemoveTemps removes the temporary files that Write left in dir (not its sub-folders) for the targets that owned
// accepts, and returns their paths. Only a process that knows no other is writing in dir may call it. A missing dir
// has none.
func RemoveTemps(dir string, owned func(target string) bool) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("remove temporary files: %w", err)
	}
	var removed []string
	for _, e := range entries {
		target, ok := TempTarget(e.Name())
		if !ok || !e.Type().IsRegular() || !owned(target) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if err := os.Remove(path); err != nil {
			return removed, fmt.Errorf("remove temporary file: %w", err)
		}
		removed = append(removed, path)
	}
	return removed, nil
}
