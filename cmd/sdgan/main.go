// Command sdgan trains, runs, evaluates and serves SD-GAN models (Donahue et al., ICLR 2018):
// generators whose latent code is split into an identity part z_I and an observation part z_O.
//
// Every feature is a subcommand of this one binary; run `sdgan help` for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// version and revision may be set at build time with -ldflags "-X main.version=v1.2 -X main.revision=abc123";
// without a revision, `sdgan version` takes the one that go build stamps from git (see versionLine).
var (
	version  = "dev"
	revision = ""
)

// command is one subcommand: its name, a one-line summary, and what it runs.
type command struct {
	name    string
	summary string
	// run receives the arguments after the subcommand's name. It returns an error to fail the command;
	// a *usageError makes main print the command's usage too.
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// usageError marks bad command-line input: main prints it and exits with code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// commands lists every subcommand. Each lives in its own file.
func commands() []*command {
	return []*command{
		versionCmd(),
		evalCmd(),
		dataCmd(),
		trainCmd(),
		generateCmd(),
		benchCmd(),
		importCmd(),
		serveCmd(),
		verifierCmd(),
		projectCmd(),
	}
}

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, stop := watchSignals(sigs, os.Stderr, os.Exit)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// gcPercent is the garbage collector's target unless GOGC says otherwise. sdgan's memory is mostly large float
// buffers that its backend recycles, and a training step leaves about a megabyte of garbage, so Go's default (100:
// the heap grows to twice its live size before a collection) lets a long run's memory creep towards twice what it
// needs, for no speed: measured on train32, 250 steps peaked at 262 MB with 100 and 204 MB with 10, 17 collections
// of about 4 ms each (BENCHMARKS.md).
const gcPercent = 10

// exitInterrupted is the exit code of a command stopped by SIGINT or SIGTERM (128 + SIGINT's number, as shells do).
const exitInterrupted = 130

// watchSignals returns a context that the first signal on sigs cancels, so that the running command stops, removes
// its partial outputs and returns. A second signal means the user will not wait: it calls exit(130) at once. stop
// ends the watch once the command has returned.
func watchSignals(sigs <-chan os.Signal, stderr io.Writer, exit func(code int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	// next waits for a signal and reports whether one came before stop.
	next := func() bool {
		select {
		case <-sigs:
			select {
			case <-done: // the command had already returned
				return false
			default:
				return true
			}
		case <-done:
			return false
		}
	}
	go func() {
		if !next() {
			return
		}
		fmt.Fprintln(stderr, "\nsdgan: stopping (interrupt again to quit at once)")
		cancel()
		if next() {
			fmt.Fprintln(stderr, "sdgan: interrupted again; quitting")
			exit(exitInterrupted)
		}
	}()
	var once sync.Once
	return ctx, func() { once.Do(func() { close(done); cancel() }) }
}

// interruptedError is how a command says that a signal stopped it and what it left behind ("after 320 of 6400
// images; nothing written"). It unwraps to context.Canceled, which exits with 130.
type interruptedError struct{ what string }

func (e *interruptedError) Error() string { return "interrupted " + e.what }

func (e *interruptedError) Unwrap() error { return context.Canceled }

// interrupted returns the error of a command stopped by a signal; what says where it stopped and what it kept.
func interrupted(format string, args ...any) error {
	return &interruptedError{fmt.Sprintf(format, args...)}
}

// run dispatches args to a subcommand and maps its error to an exit code:
// 0 success, 1 failure, 2 bad usage, 130 interrupted.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args = append([]string{"version"}, args[1:]...)
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 2 {
			fmt.Fprintf(stderr, "sdgan help: want at most one command name, got %q\n", args[1:])
			return 2
		}
		if len(args) == 2 {
			for _, c := range cmds {
				if c.name == args[1] {
					return exitCode(c.run(ctx, []string{"-h"}, stdout, stderr))
				}
			}
			fmt.Fprintf(stderr, "sdgan help: unknown command %q; run 'sdgan help' for the list\n", args[1])
			return 2
		}
		printHelp(stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range cmds {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			if msg := errorMessage(err); msg != "" {
				fmt.Fprintf(stderr, "sdgan %s: %s\n", c.name, msg)
			}
			return exitCode(err)
		}
	}
	fmt.Fprintf(stderr, "sdgan: unknown command %q; run 'sdgan help' for the list\n", args[0])
	return 2
}

// errorMessage is what main prints for a command's error: nothing for success or -h, and for an interrupt the
// command's own account (interruptedError) or "interrupted", never Go's "context canceled".
func errorMessage(err error) string {
	var ie *interruptedError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return ""
	case errors.As(err, &ie):
		return ie.Error()
	case errors.Is(err, context.Canceled):
		return strings.ReplaceAll(err.Error(), context.Canceled.Error(), "interrupted")
	}
	return err.Error()
}

func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	default:
		return 1
	}
}

func printHelp(w io.Writer, cmds []*command) {
	fmt.Fprintf(w, "sdgan %s: semantically decomposed GANs (SD-GAN) in one binary\n\nUsage: sdgan <command> [flags]\n\nCommands:\n", version)
	sorted := append([]*command(nil), cmds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'sdgan help <command>' or 'sdgan <command> -h' for a command's flags.\n")
}

// newFlagSet returns a flag set that reports errors instead of exiting, printing usage to stderr.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("sdgan "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: sdgan %s %s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err.Error()}
	}
	return nil
}
