package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedStepScript is the project's shared reference script that the embedded copy comes from, relative to this
// package's folder.
const sharedStepScript = "../../shared/bench/torch_sdgan_step.py"

// The embedded script is the shared one below its two-line note.
func TestStepScriptMatchesShared(t *testing.T) {
	shared, err := os.ReadFile(sharedStepScript)
	if err != nil {
		t.Skipf("no shared reference script to compare with: %v", err)
	}
	lines := bytes.SplitN(stepScript, []byte("\n"), 3)
	if len(lines) != 3 || !bytes.HasPrefix(lines[0], []byte("# ")) || !bytes.HasPrefix(lines[1], []byte("# ")) {
		t.Fatal("the embedded script does not start with its two-line note")
	}
	if !bytes.Equal(lines[2], shared) {
		t.Errorf("bench/torch_sdgan_step.py differs from %s below its note: copy the shared one again", sharedStepScript)
	}
}

func TestWriteStepScript(t *testing.T) {
	path, remove, err := WriteStepScript()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, stepScript) || !bytes.Contains(got, []byte("argparse")) {
		t.Fatalf("written script: %v, %d bytes; want the embedded %d", err, len(got), len(stepScript))
	}
	remove()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("remove left %s (%v)", path, err)
	}
}

// fakePython writes a shell script that stands in for a Python interpreter: it runs body.
func fakePython(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "python3")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// Available tells what is really missing, and what to do about it.
func TestTorchAvailableAdvice(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh for the fake interpreters")
	}
	script, remove, err := WriteStepScript()
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	for _, tc := range []struct {
		name, python string
		want         []string // in the error; none: available
	}{
		{"no interpreter", filepath.Join(t.TempDir(), "python3"), []string{"no Python interpreter", "Install Python 3", "--python"}},
		{"no torch", fakePython(t, `echo "ModuleNotFoundError: No module named 'torch'" >&2; exit 1`),
			[]string{"has no torch module", "apt-get install python3-torch", "pip install torch", "--python"}},
		{"broken torch", fakePython(t, `echo "ImportError: libopenblas.so.0: cannot open shared object file" >&2; exit 1`),
			[]string{"cannot import torch", "libopenblas.so.0", "reinstall"}},
		{"torch", fakePython(t, "exit 0"), nil},
	} {
		err := Torch{Python: tc.python, Script: script}.Available(context.Background())
		switch {
		case tc.want == nil && err != nil:
			t.Errorf("%s: %v, want available", tc.name, err)
		case tc.want != nil && err == nil:
			t.Errorf("%s: available, want an error", tc.name)
		case err != nil:
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: %q lacks %q", tc.name, err, w)
				}
			}
		}
	}
}
