package runlock

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test hold a lock in another process: the test binary itself, which takes the lock named by
// RUNLOCK_TEST_HOLD, says "locked" and waits to be killed.
func TestMain(m *testing.M) {
	if path := os.Getenv("RUNLOCK_TEST_HOLD"); path != "" {
		if _, err := Acquire(path); err != nil {
			os.Stdout.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// deadPID is the PID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// wantHeld checks that err is a *HeldError naming pid.
func wantHeld(t *testing.T, err error, pid int) {
	t.Helper()
	var held *HeldError
	if !errors.As(err, &held) || held.PID != pid {
		t.Fatalf("Acquire: %v; want a *HeldError naming PID %d", err, pid)
	}
	if want := "process " + strconv.Itoa(pid); pid > 0 && !strings.Contains(err.Error(), want) {
		t.Fatalf("the error %q does not name %q", err, want)
	}
}

// Both implementations: a second Acquire fails naming the holder, Release removes the file and frees the lock, and a
// lock file left by a process that is gone does not block.
func TestAcquireRelease(t *testing.T) {
	for name, acq := range map[string]func(string) (*Lock, error){"platform": Acquire, "excl": exclAcquire} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "train.lock")
			l, err := acq(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := readPID(path); got != os.Getpid() {
				t.Errorf("the lock file holds PID %d, want %d", got, os.Getpid())
			}
			_, err = acq(path)
			wantHeld(t, err, os.Getpid())
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("after Release the lock file is still there: %v", err)
			}
			if err := os.WriteFile(path, []byte(strconv.Itoa(deadPID(t))+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			l, err = acq(path)
			if err != nil {
				t.Fatalf("a stale lock file blocks: %v", err)
			}
			l.Release()
		})
	}
}

// An empty lock file (its creator died before writing its PID) is held for a minute, then stale.
func TestExclEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "train.lock")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := exclAcquire(path)
	wantHeld(t, err, 0)
	old := time.Now().Add(-2 * time.Minute)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	l, err := exclAcquire(path)
	if err != nil {
		t.Fatalf("an old empty lock file blocks: %v", err)
	}
	l.Release()
}

// A lock held by another process is refused naming its PID; once that process is killed (SIGKILL: no clean-up),
// the lock can be taken.
func TestLockHeldByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "train.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RUNLOCK_TEST_HOLD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "locked\n" {
		t.Fatalf("the holder process: %q", line)
	}
	_, err = Acquire(path)
	wantHeld(t, err, cmd.Process.Pid)
	cmd.Process.Kill()
	cmd.Wait()
	l, err := Acquire(path)
	if err != nil {
		t.Fatalf("the lock of a killed process blocks: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
}
