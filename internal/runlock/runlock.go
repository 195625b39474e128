// Package runlock keeps two processes from working in one folder at once. A process takes a lock file; a second
// process that tries gets a *HeldError naming the first's PID. The lock dies with its process: a lock file left by
// a killed process never blocks the next one.
//
// On Linux, macOS and the BSDs the lock is flock(2) on the file, which the kernel releases when the process exits
// however it exits. Elsewhere (Windows) the file's existence is the lock and it holds the holder's PID; a file
// whose PID names no running process is stale and taken over.
package runlock

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Lock is a held lock; Release gives it back.
type Lock struct {
	path    string
	f       *os.File // the open lock file (flock); nil for the fallback
	release func(l *Lock) error
}

// HeldError says that another process holds the lock.
type HeldError struct {
	Path string // the lock file
	PID  int    // the holder's process ID; 0 when it could not be read
}

func (e *HeldError) Error() string {
	who := "another process"
	if e.PID > 0 {
		who = fmt.Sprintf("process %d", e.PID)
	}
	return fmt.Sprintf("%s holds the lock %s", who, e.Path)
}

// Acquire takes the lock file at path (creating it) without waiting: it fails with a *HeldError when another
// process holds it. The file holds this process's PID while the lock is held.
func Acquire(path string) (*Lock, error) { return acquire(path) }

// Release gives the lock back and removes the lock file.
func (l *Lock) Release() error {
	if l == nil || l.release == nil {
		return nil
	}
	err := l.release(l)
	l.release = nil
	return err
}

// pidText is what a lock file holds: the holder's PID and a newline.
func pidText() []byte { return []byte(strconv.Itoa(os.Getpid()) + "\n") }

// readPID reads the PID in a lock file, 0 when there is none.
func readPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid < 1 {
		return 0
	}
	return pid
}
