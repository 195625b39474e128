//go:build unix

package main

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sdgan/model"
)

// signalDeadline is how soon after SIGINT or SIGTERM every command must have exited (issue 11).
const signalDeadline = 2 * time.Second

// buildSdgan builds the real binary (main's signal handling included) into a temporary folder and returns its path.
// SDGAN_SIGNAL_TEST_BIN names a binary to test instead, such as one built from another revision.
func buildSdgan(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("SDGAN_SIGNAL_TEST_BIN"); bin != "" {
		return bin
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			t.Skip("no go command to build the binary with")
		}
	}
	bin := filepath.Join(t.TempDir(), "sdgan")
	if out, err := exec.Command(goTool, "build", "-o", bin, "sdgan/cmd/sdgan").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// signalData writes ids identities of per random 32×32 images each and returns the folder.
func signalData(t *testing.T, ids, per int) string {
	t.Helper()
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range ids {
		for j := range per {
			writeGreyPNG(t, rng, filepath.Join(root, string(rune('a'+i)), string(rune('1'+j))+".png"), 32, 32)
		}
	}
	return root
}

// signalBigData is a folder of 240 large images (one 1200×1200 gradient PNG, hard-linked), which takes `data
// check` many seconds to decode.
func signalBigData(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 1200, 1200))
	for y := range 1200 {
		for x := range 1200 {
			img.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(root, "first.png")
	if err := os.WriteFile(first, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		dir := filepath.Join(root, "id"+string(rune('a'+i)))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for j := range 20 {
			if err := os.Link(first, filepath.Join(dir, string(rune('a'+j))+".png")); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// signalOfficialFIFO returns a folder in the authors' format whose manifest.json is a named pipe that nobody writes:
// import-official blocks reading it (as on a stalled network disk), and the signal must still end it.
func signalOfficialFIFO(t *testing.T) (dir, fifo string) {
	t.Helper()
	dir = t.TempDir()
	fifo = filepath.Join(dir, model.OfficialManifest)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return dir, fifo
}

// signalOutput collects a child's output while the test reads it.
type signalOutput struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *signalOutput) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *signalOutput) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSignalStopsEveryCommand starts each long-running command of the real binary, signals it once it is at work,
// and wants it gone within signalDeadline with exit status 130, without "context canceled" in its output, and
// (for generate, eval, project, verifier train and import-official) without partial outputs.
func TestSignalStopsEveryCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs every command")
	}
	bin := buildSdgan(t)
	ckpt := testCheckpoint(t, model.DefaultConfig(model.DCGAN, 32, 1))
	data := signalData(t, 6, 3)
	work := t.TempDir()
	out := func(name string) string { return filepath.Join(work, name) }
	fifoDir, fifo := signalOfficialFIFO(t)
	// fifoWriter holds the pipe's write end open once import-official has opened it, so that its read blocks.
	var fifoWriter *os.File
	t.Cleanup(func() {
		if fifoWriter != nil {
			fifoWriter.Close()
		}
	})

	cases := []struct {
		name string
		args []string
		sig  syscall.Signal
		// ready reports whether the command is at its long work, from its output so far; nil: wait readyAfter.
		ready func(output string) bool
		gone  []string // outputs that must not exist afterwards
	}{
		{name: "train", sig: syscall.SIGINT, args: []string{"train", "--data", data, "--out", out("train"), "--steps", "100000",
			"--batch", "2", "--checkpoint-every", "100000", "--preview-every", "100000"},
			ready: func(s string) bool { return strings.Contains(s, "/100000") }},
		{name: "generate", sig: syscall.SIGTERM, args: []string{"generate", "--model", ckpt, "--identities", "100",
			"--observations", "100", "--out", out("grid.png")}, gone: []string{out("grid.png"), out("grid.json")}},
		{name: "generate same-identity", sig: syscall.SIGINT, args: []string{"generate", "--model", ckpt,
			"--same-identity", "10000", "--out", out("same")}, gone: []string{out("same")}},
		{name: "eval", sig: syscall.SIGINT, args: []string{"eval", "--model", ckpt, "--data", data, "--pairs", "20000",
			"--out", out("report")}, gone: []string{out("report")}},
		{name: "verifier train", sig: syscall.SIGTERM, args: []string{"verifier", "train", "--data", data, "--held-out", "2",
			"--ids", "4", "--per-id", "2", "--steps", "1000000", "--out", out("verifier")},
			ready: func(s string) bool { return strings.Contains(s, "training ") }},
		{name: "project", sig: syscall.SIGINT, args: []string{"project", "--model", ckpt, "--steps", "100000", "--out", out("projection"),
			filepath.Join(data, "a", "1.png"), filepath.Join(data, "a", "2.png")},
			ready: func(s string) bool { return strings.Contains(s, "/100000") }, gone: []string{out("projection")}},
		{name: "data check", sig: syscall.SIGINT, args: []string{"data", "check", signalBigData(t)}},
		{name: "data export", sig: syscall.SIGTERM, args: []string{"data", "export", "builtin:fonts", out("export")}},
		{name: "serve", sig: syscall.SIGINT, args: []string{"serve", "--model", ckpt, "--addr", "127.0.0.1:0"},
			ready: func(s string) bool { return strings.Contains(s, "http://") }},
		{name: "bench", sig: syscall.SIGTERM, args: []string{"bench", "--measures", "train32", "--reps", "1000", "--torch", "none"},
			ready: func(s string) bool { return strings.Contains(s, "timing train32") }},
		{name: "import-official", sig: syscall.SIGINT, args: []string{"import-official", fifoDir, "--out", out("faces.safetensors")},
			ready: func(string) bool {
				// Opening the write end without blocking succeeds once the command has the pipe open for reading.
				f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
				if err != nil {
					return false
				}
				fifoWriter = f
				return true
			}, gone: []string{out("faces.safetensors")}},
	}
	const readyAfter = 1500 * time.Millisecond // commands without a ready test: well into their work by then
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var output signalOutput
			cmd := exec.Command(bin, tc.args...)
			cmd.Stdout, cmd.Stderr = &output, &output
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so that cleanup reaches its children too
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })

			start := time.Now()
			for tc.ready == nil && time.Since(start) < readyAfter || tc.ready != nil && !tc.ready(output.String()) {
				select {
				case err := <-exited:
					t.Fatalf("sdgan %s ended (%v) before the signal; give it more work:\n%s", tc.name, err, output.String())
				case <-time.After(20 * time.Millisecond):
				}
				if time.Since(start) > time.Minute {
					t.Fatalf("sdgan %s did not get to work within a minute:\n%s", tc.name, output.String())
				}
			}
			signalled := time.Now()
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-exited:
			case <-time.After(30 * time.Second):
				t.Fatalf("sdgan %s still running 30 s after %v:\n%s", tc.name, tc.sig, output.String())
			}
			took := time.Since(signalled)
			code := -1
			var ee *exec.ExitError
			if err == nil {
				code = 0
			} else if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			t.Logf("exit status %d %v after %v", code, took.Round(time.Millisecond), tc.sig)
			if code != exitInterrupted || took > signalDeadline {
				t.Errorf("sdgan %s: exit status %d %v after %v; want %d within %v. Output:\n%s", tc.name, code, took.Round(time.Millisecond),
					tc.sig, exitInterrupted, signalDeadline, tail(output.String(), 1500))
			}
			if strings.Contains(output.String(), "context canceled") {
				t.Errorf("sdgan %s prints \"context canceled\":\n%s", tc.name, tail(output.String(), 1500))
			}
			for _, path := range tc.gone {
				if _, err := os.Lstat(path); err == nil {
					t.Errorf("sdgan %s left %s behind after %v", tc.name, path, tc.sig)
				}
			}
		})
	}
}

// tail is the end of s, at most n bytes, for failure messages.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
