package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"sdgan/data"
	"sdgan/internal/progress"
)

// fontDirsFlag is the --font-dir flag of every command that reads builtin:fonts: repeatable, and each value may
// list several folders separated by commas, so `--font-dir a --font-dir b` and `--font-dir a,b` are the same.
type fontDirsFlag []string

// fontDirsUsage is the help text of --font-dir.
const fontDirsUsage = "builtin:fonts: also render every .ttf/.otf/.ttc font under this `folder` (repeatable, or comma-separated), e.g. /usr/share/fonts"

// addFontDirsFlag defines --font-dir on fs, appending to dirs.
func addFontDirsFlag(fs *flag.FlagSet, dirs *[]string) {
	fs.Var((*fontDirsFlag)(dirs), "font-dir", fontDirsUsage)
}

func (d *fontDirsFlag) String() string {
	if d == nil {
		return ""
	}
	return strings.Join(*d, ",")
}

// Set adds the folders of one --font-dir value; empty entries (",,", a trailing comma) are an error.
func (d *fontDirsFlag) Set(s string) error {
	for _, dir := range strings.Split(s, ",") {
		if strings.TrimSpace(dir) == "" {
			return fmt.Errorf("empty folder name in %q; want folders separated by commas", s)
		}
		*d = append(*d, dir)
	}
	return nil
}

// maxPixelsFlag is --max-pixels: the most pixels an image file may declare before it is refused undecoded, given
// as a count (67108864) or as width x height (8192x8192); 0 keeps data.DefaultMaxPixels.
type maxPixelsFlag int64

// maxPixelsUsage is the help text of --max-pixels.
var maxPixelsUsage = fmt.Sprintf("refuse, without decoding them, image files that declare more than `N` pixels, given as a count or as WxH "+
	"(a defence against decompression bombs; 0 = the default, %d = 8192x8192, above any photo data set)", data.DefaultMaxPixels)

// addMaxPixelsFlag defines --max-pixels on fs, storing into n.
func addMaxPixelsFlag(fs *flag.FlagSet, n *int64) {
	fs.Var((*maxPixelsFlag)(n), "max-pixels", maxPixelsUsage)
}

func (m *maxPixelsFlag) String() string {
	if m == nil {
		return "0"
	}
	return strconv.FormatInt(int64(*m), 10)
}

// Set parses "N" or "WxH" (also "W×H").
func (m *maxPixelsFlag) Set(s string) error {
	n, err := parseMaxPixels(s)
	if err != nil {
		return err
	}
	*m = maxPixelsFlag(n)
	return nil
}

// parseMaxPixels reads a pixel count, "N" or "WxH", between 0 and 2⁶², in which every image size fits.
func parseMaxPixels(s string) (int64, error) {
	const most = int64(1) << 62
	bad := fmt.Errorf("%q: want a pixel count from 0 to %d, or WxH such as 16384x16384", s, most)
	w, h, isWxH := strings.Cut(strings.ReplaceAll(strings.ToLower(s), "×", "x"), "x")
	if !isWxH {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < 0 || n > most {
			return 0, bad
		}
		return n, nil
	}
	wn, err1 := strconv.ParseInt(strings.TrimSpace(w), 10, 32)
	hn, err2 := strconv.ParseInt(strings.TrimSpace(h), 10, 32)
	if err := errors.Join(err1, err2); err != nil || wn < 0 || hn < 0 {
		return 0, bad
	}
	return wn * hn, nil
}

// dataProgress returns a progress callback for data.Options.Progress and WriteFolders that draws a bar on w
// when w is a terminal (and does nothing elsewhere, so that logs and pipes stay clean), and a function that
// ends the bar's line.
func dataProgress(w io.Writer, label, unit string) (update func(done, total int), finish func()) {
	if !dataIsTerminal(w) {
		return nil, func() {}
	}
	var bar *progress.Bar
	update = func(done, total int) { // called one at a time
		if bar == nil {
			bar = progress.New(w, total, label, progress.Unit(unit))
		}
		bar.Set(done)
	}
	finish = func() {
		if bar != nil {
			bar.Finish()
		}
	}
	return update, finish
}

// dataIsTerminal reports whether w is a terminal (a character device).
func dataIsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
