//go:build linux || android || darwin || ios || freebsd || netbsd || openbsd || dragonfly

package runlock

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

func acquire(path string) (*Lock, error) { return flockAcquire(path) }

// flockAcquire opens (creating) the file and takes flock(LOCK_EX|LOCK_NB) on it. Release removes the file while
// still holding the lock, so a process that opened the old file and then got its lock sees that the path no longer
// names it (os.SameFile) and starts again.
func flockAcquire(path string) (*Lock, error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, &HeldError{Path: path, PID: readPID(path)}
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(held, named) {
			f.Close() // the holder before us removed it: try the file now at path
			continue
		}
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if _, err := f.WriteAt(pidText(), 0); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		return &Lock{path: path, f: f, release: flockRelease}, nil
	}
}

func flockRelease(l *Lock) error {
	err := os.Remove(l.path)
	if cerr := l.f.Close(); err == nil { // closing releases the flock
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("release lock %s: %w", l.path, err)
	}
	return nil
}
