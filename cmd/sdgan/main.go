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
	"sort"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

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
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches args to a subcommand and maps its error to an exit code:
// 0 success, 1 failure, 2 bad usage, 130 interrupted.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			for _, c := range cmds {
				if c.name == args[1] {
					return exitCode(c.run(ctx, []string{"-h"}, stdout, stderr), stderr)
				}
			}
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
			if err != nil && !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(stderr, "sdgan %s: %v\n", c.name, err)
			}
			return exitCode(err, stderr)
		}
	}
	fmt.Fprintf(stderr, "sdgan: unknown command %q; run 'sdgan help' for the list\n", args[0])
	return 2
}

func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	case errors.Is(err, context.Canceled):
		return 130
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
