// Package data loads identity-grouped image data sets for SD-GAN and draws the k-tuples it trains on.
//
// A data set is a list of identities, each with several images of that identity (observations). Sources:
//   - a folder with one sub-folder per identity (PNG, JPEG or GIF files);
//   - the authors' flat layout: one folder of files named <IDENTITY>_<OBSERVATION>_<anything>.png, where the
//     identity is everything before the last two underscores;
//   - "builtin:fonts": identity = a typeface, observation = one of the 62 glyphs A–Z, a–z, 0–9, rendered at
//     load time from fonts compiled into the binary.
//
// Every image is preprocessed to Res×Res pixels with 1 or 3 channels, stored NHWC in [−1, 1]. The images are kept
// in memory when they fit Options.MemoryBudget (NumImages·Res·Res·Channels·4 bytes, e.g. 12 MiB for 1000 images at
// 32×32×3); a larger folder data set keeps only its file list, and its Sampler decodes the tuples it draws on the
// fly, prefetching the next batch while the caller uses the current one. builtin:fonts is always kept in memory.
//
// Image files are untrusted: each one's header is read first, and a file declaring more than Options.MaxPixels
// pixels (DefaultMaxPixels, 8192×8192, unless raised) is refused without being decoded; decodes running at once
// share one pixel budget, so that parallel workers cannot each hold a huge image.
package data

import (
	"context"
	"fmt"
	"image"
	"io"
	"sort"
	"strings"
)

// BuiltinFonts is the spec that selects the rendered-typefaces data set.
const BuiltinFonts = "builtin:fonts"

// DefaultMemoryBudget is the most memory the decoded images may take when Options.MemoryBudget is 0.
const DefaultMemoryBudget int64 = 4 << 30

// Layout names, as found in Dataset.Layout.
const (
	LayoutFolders = "folders" // one sub-folder per identity
	LayoutFlat    = "flat"    // <IDENTITY>_<OBSERVATION>_<anything>.png in one folder
	LayoutFonts   = "fonts"   // builtin:fonts
)

// Options controls loading and preprocessing.
type Options struct {
	Res          int       // output images are Res×Res; required, 8 to 4096
	Channels     int       // 1 (grey) or 3 (RGB); 0 = natural for the source (builtin:fonts → 1; a folder → 1 when every image file is greyscale, else 3)
	K            int       // identities with fewer than K images are dropped and counted; 0 means 1
	Strict       bool      // an unreadable image or font file is an error instead of a warning
	FontDirs     []string  // builtin:fonts only: also render every .ttf/.otf/.ttc under these folders
	MemoryBudget int64     // most bytes the decoded images may take in memory, above which folders are decoded on the fly (fonts fail); 0 = DefaultMemoryBudget
	MaxPixels    int64     // an image file whose header declares more pixels (width × height) is refused undecoded, as unreadable; 0 = DefaultMaxPixels
	Warn         io.Writer // warnings (skipped files, ignored files) go here, in a deterministic order; nil = discard
	// Progress, if not nil, is called as the files are decoded (or their headers read, or the typefaces
	// rendered) with how many of total are done; calls come one at a time, with done increasing.
	Progress func(done, total int)
}

// Dataset is a loaded, preprocessed data set whose usable identities all have at least K images.
type Dataset struct {
	Name       string     // the spec as given to Open
	Layout     string     // LayoutFolders, LayoutFlat or LayoutFonts
	Res        int        // images are Res×Res
	Channels   int        // 1 or 3
	Identities []Identity // usable identities (at least K images), sorted by name
	Skipped    int        // identities dropped for having fewer than K images
	K          int        // the K the identities were filtered with
	Stats      Stats      // what was found while loading, for `sdgan data check`

	stream    *stream // non-nil when the images are decoded on the fly (see OnTheFly)
	maxPixels int64   // Options.MaxPixels, for decoding on the fly
}

// Identity is one identity and its images.
type Identity struct {
	Name    string
	Images  [][]float32 // each Res·Res·Channels values, NHWC (row-major H, W, C), in [−1, 1]; nil entries on the fly
	Sources []string    // where each image came from: a file path, or "<font>:<glyph>" for builtin:fonts
}

// Stats records what Open found, including what it dropped.
type Stats struct {
	Files          int                 // candidate image files (or font faces for builtin:fonts)
	Ignored        []string            // files that were not used: not an image, or a name that fits no layout
	Unreadable     []string            // files (or glyphs) that could not be decoded, in load order
	UnreadableErrs []error             // why, for each entry of Unreadable; each error names the file
	SourceSizes    map[image.Point]int // width×height of the decoded source images → count (empty for fonts)
	SourceChannels map[int]int         // source channels → count: 1 grey, 3 colour, 4 colour with transparency (never 4 on the fly: only headers are read)
	PerIdentity    []int               // images per identity for every identity found (usable or not), ascending
}

// ImageLen is the number of float32 values in one image: Res·Res·Channels.
func (d *Dataset) ImageLen() int { return d.Res * d.Res * d.Channels }

// NumImages is the number of images over all usable identities.
func (d *Dataset) NumImages() int {
	n := 0
	for _, id := range d.Identities {
		n += len(id.Images)
	}
	return n
}

// Sizes lists how many images each identity has, in order.
func (d *Dataset) Sizes() []int {
	sizes := make([]int, len(d.Identities))
	for i, id := range d.Identities {
		sizes[i] = len(id.Images)
	}
	return sizes
}

// Subset returns the data set restricted to the identities whose names keep accepts, sharing their images (and
// decoding on the fly as d does).
func (d *Dataset) Subset(keep func(name string) bool) *Dataset {
	sub := *d
	sub.Identities = nil
	for _, id := range d.Identities {
		if keep(id.Name) {
			sub.Identities = append(sub.Identities, id)
		}
	}
	return &sub
}

// MemoryBytes is the memory the usable images take, or would take if decoded at once: NumImages·Res·Res·Channels·4
// bytes.
func (d *Dataset) MemoryBytes() int64 { return int64(d.NumImages()) * int64(d.ImageLen()) * 4 }

// Open loads spec, either BuiltinFonts or a folder path, whose layout (one sub-folder per identity, or the flat
// <IDENTITY>_<OBSERVATION>_<anything>.png layout) is detected: sub-folders win, and images beside them are ignored
// with a warning. Files are decoded in parallel; the result does not depend on the number of CPUs. Every image
// file's header is read first, and a file declaring more than Options.MaxPixels pixels is refused undecoded
// (a *TooLargeError, skipped as unreadable unless Options.Strict).
func Open(spec string, opt Options) (*Dataset, error) {
	return OpenContext(context.Background(), spec, opt)
}

// OpenContext is Open, stopping soon after ctx is done: then it returns an error that wraps ctx.Err().
func OpenContext(ctx context.Context, spec string, opt Options) (*Dataset, error) {
	if err := opt.check(spec); err != nil {
		return nil, err
	}
	if opt.K == 0 {
		opt.K = 1
	}
	if opt.MemoryBudget == 0 {
		opt.MemoryBudget = DefaultMemoryBudget
	}
	if opt.Warn == nil {
		opt.Warn = io.Discard
	}
	if opt.MaxPixels == 0 {
		opt.MaxPixels = DefaultMaxPixels
	}
	var (
		ids []Identity
		ds  *Dataset
		err error
	)
	if spec == BuiltinFonts {
		if opt.Channels == 0 {
			opt.Channels = 1
		}
		ds = &Dataset{Name: spec, Layout: LayoutFonts, Res: opt.Res, Channels: opt.Channels, maxPixels: opt.MaxPixels}
		ids, err = loadFonts(ctx, ds, opt)
	} else {
		ds = &Dataset{Name: spec, Res: opt.Res, Channels: opt.Channels, maxPixels: opt.MaxPixels} // 0: loadFolder decides
		ids, err = loadFolder(ctx, ds, spec, opt)
	}
	if err != nil {
		return nil, err
	}
	if err := ds.keep(ids, opt.K); err != nil {
		return nil, err
	}
	return ds, nil
}

// check validates the options against spec.
func (opt Options) check(spec string) error {
	switch {
	case spec == "":
		return fmt.Errorf("data: empty data set spec; expected %s or a folder path", BuiltinFonts)
	case strings.HasPrefix(spec, "builtin:") && spec != BuiltinFonts:
		return fmt.Errorf("data %s: unknown built-in data set; the only one is %s", spec, BuiltinFonts)
	case opt.Res < 8 || opt.Res > 4096:
		return fmt.Errorf("data %s: resolution %d out of range; expected 8 to 4096 pixels", spec, opt.Res)
	case opt.Channels != 0 && opt.Channels != 1 && opt.Channels != 3:
		return fmt.Errorf("data %s: %d channels; expected 1 (grey), 3 (RGB) or 0 (natural for the source)", spec, opt.Channels)
	case opt.K < 0:
		return fmt.Errorf("data %s: k = %d; expected at least 1", spec, opt.K)
	case opt.MemoryBudget < 0:
		return fmt.Errorf("data %s: memory budget %d bytes; expected 0 (default) or more", spec, opt.MemoryBudget)
	case opt.MaxPixels < 0:
		return fmt.Errorf("data %s: pixel limit %d; expected 0 (default, %d) or more", spec, opt.MaxPixels, DefaultMaxPixels)
	case len(opt.FontDirs) > 0 && spec != BuiltinFonts:
		return fmt.Errorf("data %s: font folders apply only to %s", spec, BuiltinFonts)
	}
	return nil
}

// checkMemory fails when n images at the options' size would not fit the memory budget (for builtin:fonts, which
// has no files to decode on the fly).
func checkMemory(spec string, n int, opt Options) error {
	need := int64(n) * int64(opt.Res*opt.Res*opt.Channels) * 4
	if need > opt.MemoryBudget {
		return fmt.Errorf("data %s: %d images at %d×%d×%d need %s in memory, above the budget of %s; use a lower resolution or a smaller data set",
			spec, n, opt.Res, opt.Res, opt.Channels, FormatBytes(need), FormatBytes(opt.MemoryBudget))
	}
	return nil
}

// keep sorts ids by name, records their sizes and keeps those with at least k images.
func (d *Dataset) keep(ids []Identity, k int) error {
	sort.Slice(ids, func(i, j int) bool { return ids[i].Name < ids[j].Name })
	d.K = k
	largest := 0
	for _, id := range ids {
		n := len(id.Images)
		if n == 0 {
			continue
		}
		d.Stats.PerIdentity = append(d.Stats.PerIdentity, n)
		largest = max(largest, n)
		if n < k {
			d.Skipped++
			continue
		}
		d.Identities = append(d.Identities, id)
	}
	sort.Ints(d.Stats.PerIdentity)
	switch {
	case largest == 0 && len(d.Stats.UnreadableErrs) > 0:
		return fmt.Errorf("data %s: no image could be read (%d unreadable; the first: %w)", d.Name, len(d.Stats.Unreadable), d.Stats.UnreadableErrs[0])
	case largest == 0:
		return fmt.Errorf("data %s: no image could be read (%d unreadable)", d.Name, len(d.Stats.Unreadable))
	case len(d.Identities) == 0:
		return fmt.Errorf("data %s: no identity has at least %d images (largest has %d); lower --k or add images", d.Name, k, largest)
	}
	return nil
}

// FormatBytes writes n bytes in binary units, e.g. "12.0 MiB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
