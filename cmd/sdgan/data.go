package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"sort"
	"strings"

	"sdgan/data"
)

// dataVerb is one `sdgan data <verb>`: its name, a one-line summary and what it runs.
type dataVerb struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// dataVerbs lists the sub-verbs of `sdgan data`.
func dataVerbs() []dataVerb {
	return []dataVerb{
		{"check", "load a data set and report identities, images, sizes, unreadable files and memory", runDataCheckArgs},
		{"export", "write a data set (e.g. builtin:fonts) as one folder of PNGs per identity", runDataExportArgs},
	}
}

func dataCmd() *command {
	return &command{
		name:    "data",
		summary: "check a data set, or export builtin:fonts as image folders",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			verbs := dataVerbs()
			if len(args) > 0 {
				for _, v := range verbs {
					if v.name == args[0] {
						return v.run(ctx, args[1:], stdout, stderr)
					}
				}
			}
			fmt.Fprintf(stderr, "Usage: sdgan data <verb> [flags] [args]\n\nVerbs:\n")
			for _, v := range verbs {
				fmt.Fprintf(stderr, "  %-8s %s\n", v.name, v.summary)
			}
			fmt.Fprintf(stderr, "\nA data set is %s or a folder: one sub-folder of PNG/JPEG/GIF images per identity, or\n"+
				"files named <identity>_<observation>_<anything>.png.\n", data.BuiltinFonts)
			switch {
			case len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help"):
				return flag.ErrHelp
			case len(args) == 0:
				return usagef("no verb given; want check or export")
			}
			return usagef("unknown verb %q; want check or export", args[0])
		},
	}
}

// dataCheckOptions are the inputs of `sdgan data check PATH`.
type dataCheckOptions struct {
	spec     string   // builtin:fonts or a folder
	k        int      // tuple size the data must support
	res      int      // resolution to estimate memory at
	channels int      // 0 natural, 1 or 3
	strict   bool     // unreadable files are an error
	fontDirs []string // extra font folders for builtin:fonts
	budget   int64    // memory budget in MiB for the decoded images; 0 = data.DefaultMemoryBudget
	maxPix   int64    // most pixels an image file may declare; 0 = data.DefaultMaxPixels
}

func runDataCheckArgs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o dataCheckOptions
	fs := newFlagSet("data check", "[flags] PATH|builtin:fonts", stderr)
	fs.IntVar(&o.k, "k", 2, "tuple size: identities need at least `k` images")
	fs.IntVar(&o.res, "res", 32, "resolution to load at and estimate memory for (`pixels`, 8 to 4096)")
	fs.IntVar(&o.channels, "channels", 0, "1 (grey), 3 (RGB) or 0 (natural: 1 for builtin:fonts, 3 for folders)")
	fs.BoolVar(&o.strict, "strict", false, "fail on an unreadable image instead of skipping it")
	fs.Int64Var(&o.budget, "memory-budget", 0, "most `MiB` the decoded images may take in memory before a folder is decoded on the fly (0 = 4096)")
	addFontDirsFlag(fs, &o.fontDirs)
	addMaxPixelsFlag(fs, &o.maxPix)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("want one data set (a folder or %s), got %d arguments", data.BuiltinFonts, fs.NArg())
	}
	o.spec = fs.Arg(0)
	if err := o.validate(); err != nil {
		return err
	}
	return runDataCheck(ctx, o, stdout, stderr)
}

// validate checks the flags before any loading.
func (o dataCheckOptions) validate() error {
	switch {
	case o.k < 1:
		return usagef("--k %d: want at least 1", o.k)
	case o.res < 8 || o.res > 4096:
		return usagef("--res %d: want 8 to 4096 pixels", o.res)
	case o.channels != 0 && o.channels != 1 && o.channels != 3:
		return usagef("--channels %d: want 0, 1 or 3", o.channels)
	case o.budget < 0 || o.budget > 1<<40:
		return usagef("--memory-budget %d: want 0 (default) to %d MiB", o.budget, int64(1)<<40)
	case len(o.fontDirs) > 0 && o.spec != data.BuiltinFonts:
		return usagef("--font-dir applies only to %s", data.BuiltinFonts)
	}
	return nil
}

// runDataCheck loads the data set and prints its report; it fails when the data cannot be trained on. It stops
// soon after ctx is done, returning an error that wraps ctx.Err(); on a terminal, stderr shows its progress.
func runDataCheck(ctx context.Context, o dataCheckOptions, stdout, stderr io.Writer) error {
	budget := o.budget << 20
	if budget == 0 {
		budget = data.DefaultMemoryBudget
	}
	update, finish := dataProgress(stderr, "check", "file")
	ds, err := data.OpenContext(ctx, o.spec, data.Options{Res: o.res, Channels: o.channels, K: o.k, Strict: o.strict,
		FontDirs: o.fontDirs, MemoryBudget: budget, MaxPixels: o.maxPix, Progress: update})
	finish()
	if err != nil {
		return err
	}
	st := ds.Stats
	found := len(st.PerIdentity)
	fmt.Fprintf(stdout, "data %s (layout: %s)\n", ds.Name, ds.Layout)
	fmt.Fprintf(stdout, "identities: %d found, %d usable at k=%d, %d with fewer than %s\n",
		found, len(ds.Identities), o.k, ds.Skipped, dataPlural(o.k, "image", "images"))
	total := 0
	for _, n := range st.PerIdentity {
		total += n
	}
	what := dataPlural(st.Files, "file", "files")
	if ds.Layout == data.LayoutFonts {
		what = dataPlural(st.Files, "typeface", "typefaces")
	}
	fmt.Fprintf(stdout, "images: %d read from %s, %d unreadable\n", total, what, len(st.Unreadable))
	why := make([]string, len(st.UnreadableErrs))
	for i, err := range st.UnreadableErrs {
		why[i] = err.Error()
	}
	dataList(stdout, "unreadable", why)
	pi := st.PerIdentity
	median := float64(pi[(len(pi)-1)/2]+pi[len(pi)/2]) / 2
	fmt.Fprintf(stdout, "images per identity: min %d, median %g, max %d\n", pi[0], median, pi[len(pi)-1])
	if len(st.SourceSizes) > 0 {
		fmt.Fprintf(stdout, "source sizes: %s\n", dataSizes(st.SourceSizes))
	}
	if len(st.SourceChannels) > 0 {
		var parts []string
		for _, c := range []int{1, 3, 4} {
			if n := st.SourceChannels[c]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", map[int]string{1: "grey", 3: "colour", 4: "colour+alpha"}[c], n))
			}
		}
		fmt.Fprintf(stdout, "source channels: %s\n", strings.Join(parts, ", "))
	}
	if len(st.Ignored) > 0 {
		fmt.Fprintf(stdout, "ignored: %s\n", dataPlural(len(st.Ignored), "file", "files"))
		dataList(stdout, "ignored", st.Ignored)
	}
	mode := "kept in memory"
	if ds.OnTheFly() {
		all := int64(st.Files) * int64(ds.ImageLen()) * 4 // what Open compared with the budget: every candidate file
		mode = fmt.Sprintf("decoded on the fly: its %s need %s, more than the %s memory budget",
			dataPlural(st.Files, "file", "files"), data.FormatBytes(all), data.FormatBytes(budget))
	}
	fmt.Fprintf(stdout, "memory at %d×%d×%d: %s for %s, %s\n", ds.Res, ds.Res, ds.Channels, data.FormatBytes(ds.MemoryBytes()),
		dataPlural(ds.NumImages(), "image", "images"), mode)
	fmt.Fprintf(stdout, "ok: %s can be sampled at k=%d\n", dataPlural(len(ds.Identities), "identity", "identities"), o.k)
	return nil
}

// dataPlural writes a count and its noun: "1 identity", "2 identities", "0 identities".
func dataPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// dataList prints up to 10 items, indented, and how many more there are.
func dataList(w io.Writer, what string, items []string) {
	const most = 10
	for i, it := range items {
		if i == most {
			fmt.Fprintf(w, "  … and %d more %s\n", len(items)-most, what)
			break
		}
		fmt.Fprintf(w, "  %s\n", it)
	}
}

// dataSizes lists sizes by count (most common first), at most 8, as "250×250 (3000), 64×64 (12)".
func dataSizes(sizes map[image.Point]int) string {
	type sc struct {
		p image.Point
		n int
	}
	var all []sc
	for p, n := range sizes {
		all = append(all, sc{p, n})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].n != all[j].n {
			return all[i].n > all[j].n
		}
		if all[i].p.X != all[j].p.X {
			return all[i].p.X < all[j].p.X
		}
		return all[i].p.Y < all[j].p.Y
	})
	var parts []string
	for i, s := range all {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("… and %d more sizes", len(all)-8))
			break
		}
		parts = append(parts, fmt.Sprintf("%d×%d (%d)", s.p.X, s.p.Y, s.n))
	}
	return strings.Join(parts, ", ")
}

// dataExportOptions are the inputs of `sdgan data export SPEC DIR`.
type dataExportOptions struct {
	spec, dir string
	res       int
	fontDirs  []string
	maxPix    int64 // most pixels an image file may declare; 0 = data.DefaultMaxPixels
	force     bool  // write into a non-empty dir
}

func runDataExportArgs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o dataExportOptions
	fs := newFlagSet("data export", "[flags] builtin:fonts|FOLDER DIR", stderr)
	fs.IntVar(&o.res, "res", 32, "image size in `pixels` (8 to 4096)")
	addFontDirsFlag(fs, &o.fontDirs)
	addMaxPixelsFlag(fs, &o.maxPix)
	fs.BoolVar(&o.force, "force", false, "write into DIR even if it is not empty (files of the same names are replaced)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("want a data set and an output folder, got %d arguments", fs.NArg())
	}
	o.spec, o.dir = fs.Arg(0), fs.Arg(1)
	if err := o.validate(); err != nil {
		return err
	}
	return runDataExport(ctx, o, stdout, stderr)
}

// validate checks the flags and that the output folder may be written.
func (o dataExportOptions) validate() error {
	switch {
	case o.res < 8 || o.res > 4096:
		return usagef("--res %d: want 8 to 4096 pixels", o.res)
	case len(o.fontDirs) > 0 && o.spec != data.BuiltinFonts:
		return usagef("--font-dir applies only to %s", data.BuiltinFonts)
	case o.dir == "":
		return usagef("empty output folder name")
	}
	entries, err := os.ReadDir(o.dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("output folder %s: %w", o.dir, err)
	case len(entries) > 0 && !o.force:
		return fmt.Errorf("output folder %s is not empty (%d entries); choose an empty folder or pass --force", o.dir, len(entries))
	}
	return nil
}

// runDataExport loads the data set and writes it as one folder of PNGs per identity. When ctx is done it stops
// soon, removes what it had written (never what was there before) and returns an error wrapping ctx.Err(); on a
// terminal, stderr shows its progress.
func runDataExport(ctx context.Context, o dataExportOptions, stdout, stderr io.Writer) error {
	update, finish := dataProgress(stderr, "load", "file")
	ds, err := data.OpenContext(ctx, o.spec, data.Options{Res: o.res, K: 1, FontDirs: o.fontDirs, MaxPixels: o.maxPix,
		Warn: stderr, Progress: update})
	finish()
	if err != nil {
		return err
	}
	update, finish = dataProgress(stderr, "export", "img")
	err = ds.WriteFolders(ctx, o.dir, update)
	finish()
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted; the files written to %s were removed: %w", o.dir, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s, %s of %d×%d×%d to %s\n", dataPlural(len(ds.Identities), "identity", "identities"),
		dataPlural(ds.NumImages(), "image", "images"), ds.Res, ds.Res, ds.Channels, o.dir)
	return nil
}
