package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
)

func versionCmd() *command {
	return &command{
		name:    "version",
		summary: "print the version and build facts",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("version", "", stderr)
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "sdgan %s (%s, %s/%s, %d CPUs)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
			return nil
		},
	}
}
