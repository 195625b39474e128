package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// outputs remembers the files and folders a command creates, so that a failed or interrupted run can take them
// away again and leave the disk as it found it. It never removes what was there before: files are recorded only
// if they did not exist, and folders are removed only when empty.
type outputs struct {
	made []string // in creation order
}

// mkdirAll creates dir and its missing parents, recording each one it creates.
func (o *outputs) mkdirAll(dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := len(missing) - 1; i >= 0; i-- {
		o.made = append(o.made, missing[i])
	}
	return nil
}

// willWrite records path as the run's own if no file is there yet; call it before writing the file.
func (o *outputs) willWrite(path string) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		o.made = append(o.made, path)
	}
}

// removeAll removes what the run created, newest first; folders go only if empty. Errors are ignored: this runs on
// the way out of a run that already failed, and whatever cannot be removed is harmless to leave.
func (o *outputs) removeAll() {
	for i := len(o.made) - 1; i >= 0; i-- {
		os.Remove(o.made[i])
	}
	o.made = nil
}

// checkOutDir fails early, before a long job, if dir cannot be created or written to. It leaves nothing behind: the
// folders it had to create for the test are removed again, so that a run that fails later leaves no empty folder.
func checkOutDir(dir string) error {
	var o outputs
	defer o.removeAll()
	if err := o.mkdirAll(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("%s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
