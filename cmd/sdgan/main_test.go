package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sdgan/nn/kernels"
)

// The first signal cancels the command's context; the second exits with 130 at once.
func TestWatchSignalsSecondSignalExits(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	var mu sync.Mutex
	var stderr bytes.Buffer
	exited := make(chan int, 1)
	ctx, stop := watchSignals(sigs, &lockedWriter{mu: &mu, w: &stderr}, func(code int) { exited <- code })
	defer stop()

	sigs <- os.Interrupt
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the first signal did not cancel the context")
	}
	select {
	case code := <-exited:
		t.Fatalf("the first signal exited (%d); want only a cancelled context", code)
	case <-time.After(50 * time.Millisecond):
	}
	sigs <- os.Interrupt
	select {
	case code := <-exited:
		if code != 130 {
			t.Fatalf("the second signal exited with %d, want 130", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the second signal did not exit")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(stderr.String(), "again") {
		t.Errorf("stderr %q does not say that a second interrupt quits at once", stderr.String())
	}
}

// Once the command has returned, a signal does nothing.
func TestWatchSignalsStop(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	ctx, stop := watchSignals(sigs, &bytes.Buffer{}, func(code int) { t.Errorf("exit(%d) after stop", code) })
	stop()
	stop() // twice is harmless
	sigs <- os.Interrupt
	sigs <- os.Interrupt
	time.Sleep(50 * time.Millisecond)
	if ctx.Err() == nil {
		t.Error("stop left the context alive")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestHelpExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // in stdout or stderr
	}{
		{[]string{"help"}, 0, "Commands:"},
		{nil, 2, "Commands:"},
		{[]string{"help", "bogus"}, 2, `unknown command "bogus"`},
		{[]string{"help", "generate", "extra"}, 2, "at most one command"},
		{[]string{"help", "generate"}, 0, "-identities"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
	} {
		code, stdout, stderr := sdgan(tc.args...)
		if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("sdgan %q: exit %d, output %q; want exit %d and %q", tc.args, code, stdout+stderr, tc.code, tc.want)
		}
	}
}

func TestVersionLine(t *testing.T) {
	stamped := &debug.BuildInfo{Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-01T23:36:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	for _, tc := range []struct {
		name, version, revision string
		info                    *debug.BuildInfo
		want, not               []string
	}{
		{"go build in a clone", "dev", "", stamped,
			[]string{"sdgan dev (", "revision 0123456789ab,", "with uncommitted changes", "committed 2026-12-01T23:36:00Z"}, []string{"unknown"}},
		{"ldflags revision wins", "v1.2", "feedbee", stamped, []string{"sdgan v1.2 (", "revision feedbee;"}, []string{"0123456789ab"}},
		{"no stamp", "dev", "", &debug.BuildInfo{}, []string{"revision unknown"}, nil},
		{"no build info", "dev", "", nil, []string{"revision unknown"}, nil},
	} {
		got := versionLine(tc.version, tc.revision, tc.info)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tc.name, got, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %q has %q", tc.name, got, n)
			}
		}
	}
}

func TestVersionFlagMatchesCommand(t *testing.T) {
	code1, cmd, _ := sdgan("version")
	code2, flagOut, stderr := sdgan("--version")
	if code1 != 0 || code2 != 0 || cmd != flagOut || !strings.Contains(cmd, "revision") {
		t.Fatalf("sdgan version: %d %q; sdgan --version: %d %q %q; want both 0 and the same line with the revision", code1, cmd, code2, flagOut, stderr)
	}
}

// An interrupted command says so in words, never with Go's "context canceled", and exits 130.
func TestInterruptMessage(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{context.Canceled, "interrupted"},
		{fmt.Errorf("read x: %w", context.Canceled), "read x: interrupted"},
		{interrupted("after 3 of 9 images; nothing written"), "interrupted after 3 of 9 images; nothing written"},
		{fmt.Errorf("wrapped: %w", interrupted("at step 4")), "interrupted at step 4"},
	} {
		if got := errorMessage(tc.err); got != tc.want {
			t.Errorf("errorMessage(%v) = %q, want %q", tc.err, got, tc.want)
		}
		if code := exitCode(tc.err); code != 130 {
			t.Errorf("exitCode(%v) = %d, want 130", tc.err, code)
		}
	}

	// A command run with a cancelled context.
	img, _ := evalRandRGBA(rand.New(rand.NewPCG(1, 2)), 16, 16)
	a := evalWritePNG(t, t.TempDir(), "a.png", img)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if code := run(ctx, []string{"eval", "msssim", a, a}, &stdout, &stderr); code != 130 || strings.Contains(stderr.String(), "context canceled") || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("eval msssim with a cancelled context: exit %d, stderr %q; want 130 and \"interrupted\", not \"context canceled\"", code, stderr.String())
	}
}

// --device takes the devices of this build (the CPU) on every command that computes, and refuses another name
// with a usage error that lists what there is.
func TestDeviceFlag(t *testing.T) {
	for _, args := range [][]string{
		{"train", "--dry-run"},
		{"generate", "--model", "none.safetensors"},
		{"eval", "--model", "none.safetensors", "--out", "none"},
		{"serve", "--model", "none.safetensors", "--dry-run"},
		{"bench", "--one", "nothing"},
	} {
		code, _, stderr := sdgan(append(slices.Clone(args), "--device", "cuda")...)
		if code != 2 || !strings.Contains(stderr, `unknown device "cuda": this build has cpu`) {
			t.Errorf("%v --device cuda: exit %d, stderr %q; want 2 and the devices there are", args, code, stderr)
		}
		code, _, stderr = sdgan(append(slices.Clone(args), "--device", "cpu")...)
		if code == 2 || strings.Contains(stderr, "device") {
			t.Errorf("%v --device cpu: exit %d, stderr %q; want it accepted", args, code, stderr)
		}
	}
}

// bench --isa forces the kernels' instruction set in the measuring process, refuses a name it does not know or an
// instruction set this build and CPU cannot run, and a bf16 measure under another instruction set than AVX-512
// fails instead of timing fp32; --blocking refuses what the micro-kernel cannot use.
func TestBenchISA(t *testing.T) {
	bf16Refusal := "forced to portable"
	if !kernels.BF16Available() {
		bf16Refusal = "bf16 needs a CPU with AVX-512 and AVX512_BF16"
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--isa", "avx9"}, 2, `unknown instruction set "avx9"`},
		{[]string{"--rounds", "0"}, 2, "--rounds 0: want at least 1"},
		{[]string{"--isa", "portable", "--one", "nothing"}, 1, `unknown measure "nothing"`},
		{[]string{"--isa", "portable", "--one", "train32-bf16"}, 1, bf16Refusal},
		{[]string{"--blocking", "140,512"}, 2, "--blocking: blocking \"140,512\": want MC,KC,NC"},
		{[]string{"--isa", "portable", "--blocking", "3,64,8"}, 2, "mc 3: want a positive multiple of the go micro-kernel's 2 rows"},
		{[]string{"--isa", "portable", "--blocking", "4,64,6"}, 2, "nc 6: want a positive multiple"},
		{[]string{"--isa", "portable", "--blocking", "4,64,8", "--one", "nothing"}, 1, `unknown measure "nothing"`}, // accepted
	} {
		code, _, stderr := sdgan(append([]string{"bench"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("bench %v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	for _, isa := range []string{"neon", "avx512", "avx2"} {
		if i, _ := kernels.ParseISA(isa); !kernels.Can(i) {
			code, _, stderr := sdgan("bench", "--isa", isa)
			if code != 2 || !strings.Contains(stderr, "not available") {
				t.Errorf("bench --isa %s here: exit %d, stderr %q; want 2 and \"not available\"", isa, code, stderr)
			}
		}
	}
}
