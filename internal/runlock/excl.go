package runlock

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
)

// exclAcquire is the portable lock: creating the file with O_EXCL takes it, and it holds the holder's PID. A file
// whose PID names no running process (or that has held no PID for a minute: its creator died before writing it)
// is stale: it is removed and the lock taken again. Two processes taking over one stale file at the same instant
// could both succeed; flock has no such window.
func exclAcquire(path string) (*Lock, error) {
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			_, err = f.Write(pidText())
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(path)
				return nil, fmt.Errorf("lock %s: %w", path, err)
			}
			return &Lock{path: path, release: exclRelease}, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		pid := readPID(path)
		if attempt > 0 || !stale(path, pid) {
			return nil, &HeldError{Path: path, PID: pid}
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("lock %s: remove the stale lock file of process %d: %w", path, pid, err)
		}
	}
}

// stale tells whether the lock file with pid was left by a process that is gone.
func stale(path string, pid int) bool {
	if pid == 0 {
		st, err := os.Stat(path)
		return err == nil && time.Since(st.ModTime()) > time.Minute
	}
	return pid != os.Getpid() && !alive(pid)
}

// alive tells whether a process with this PID runs. On Windows, finding a process opens it, which fails for one
// that has exited; elsewhere signal 0 checks that it exists (EPERM: it exists, owned by another user).
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	defer p.Release()
	if runtime.GOOS == "windows" {
		return true
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

func exclRelease(l *Lock) error {
	if err := os.Remove(l.path); err != nil {
		return fmt.Errorf("release lock %s: %w", l.path, err)
	}
	return nil
}
