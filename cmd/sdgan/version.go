package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

func versionCmd() *command {
	return &command{
		name:    "version",
		summary: "print the version, the source revision it was built from, and build facts (also: sdgan --version)",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("version", "", stderr)
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q", fs.Arg(0))
			}
			info, _ := debug.ReadBuildInfo()
			fmt.Fprintln(stdout, versionLine(version, revision, info))
			return nil
		},
	}
}

// versionLine describes this build: the version set with -ldflags "-X main.version=…" (else "dev"), the source
// revision (-ldflags "-X main.revision=…", else the one `go build` stamped from git: vcs.revision, vcs.time,
// vcs.modified), the Go release and the platform. Builds without either (go run, go test, -buildvcs=false, a copy
// without .git) say so.
func versionLine(version, revision string, info *debug.BuildInfo) string {
	settings := map[string]string{}
	if info != nil {
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
	}
	rev := "revision unknown (built without VCS information)"
	if revision != "" {
		rev = "revision " + revision
	} else if r := settings["vcs.revision"]; r != "" {
		var parts []string
		if len(r) > 12 {
			r = r[:12]
		}
		parts = append(parts, "revision "+r)
		if settings["vcs.modified"] == "true" {
			parts = append(parts, "with uncommitted changes")
		}
		if t := settings["vcs.time"]; t != "" {
			parts = append(parts, "committed "+t)
		}
		rev = strings.Join(parts, ", ")
	}
	return fmt.Sprintf("sdgan %s (%s; %s, %s/%s, %d CPUs)", version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}
