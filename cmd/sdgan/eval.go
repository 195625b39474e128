package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"io"
	"io/fs"
	"strings"

	"sdgan/data"
	"sdgan/eval"
)

// evalVerb is one `sdgan eval <verb>`: its name, a one-line summary and what it runs.
type evalVerb struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// evalVerbs lists the sub-verbs of `sdgan eval`. Without a verb, `sdgan eval --model ...` writes the full report
// of a trained model (eval_report.go).
func evalVerbs() []evalVerb {
	return []evalVerb{
		{"msssim", "print the MS-SSIM of two same-size images (1 = identical; lower = more different)", evalPairCmd("msssim", "MS-SSIM")},
		{"ssim", "print the single-scale SSIM of two same-size images", evalPairCmd("ssim", "SSIM")},
		{"project", "project unseen identities' images and score their new views with a verifier (K = 1, 3, 5)", evalProjectCmd},
		{"compare", "one table, the paper's layout, from several report folders (markdown, JSON, HTML with grids)", evalCompareCmd},
	}
}

func evalCmd() *command {
	return &command{
		name:    "eval",
		summary: "evaluate a generator (identity coherence, diversity) or compare two images (msssim, ssim)",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			if len(args) > 0 && isReportArg(args[0]) {
				return runEvalReportCmd(ctx, args, stdout, stderr)
			}
			verbs := evalVerbs()
			if len(args) > 0 {
				for _, v := range verbs {
					if v.name == args[0] {
						return v.run(ctx, args[1:], stdout, stderr)
					}
				}
			}
			// Help, no arguments or an unknown verb: the report's usage and flags, and the verbs.
			var o evalReportOptions
			fs := evalReportFlagSet(&o, stderr)
			fs.Usage()
			if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
				return flag.ErrHelp
			}
			if len(args) == 0 {
				return usagef("no verb or --model given; want --model M ... or one of %s", evalVerbNames(verbs))
			}
			return usagef("unknown verb %q; want --model M ... or one of %s", args[0], evalVerbNames(verbs))
		},
	}
}

// evalVerbList is the help text's list of the eval verbs, one a line.
func evalVerbList() string {
	var b strings.Builder
	for _, v := range evalVerbs() {
		fmt.Fprintf(&b, "  %-8s %s\n", v.name, v.summary)
	}
	return b.String()
}

func evalVerbNames(verbs []evalVerb) string {
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v.name
	}
	return strings.Join(names, ", ")
}

// evalPairOptions are the inputs of `sdgan eval msssim|ssim A B`.
type evalPairOptions struct {
	metric    string // "msssim" or "ssim"
	a, b      string // image files (PNG or JPEG)
	maxPixels int64  // most pixels an image file may declare; 0 = data.DefaultMaxPixels
}

// evalPairCmd returns the runner of `sdgan eval <metric> A B`; title names the metric in the help text.
func evalPairCmd(metric, title string) func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
		fs := newFlagSet("eval "+metric, "A.png B.png\n\nPrints the "+title+" of two same-size images, pixels 0..255,\n"+
			"each channel scored as a grey image (grey if both images are grey, else RGB; alpha is ignored).", stderr)
		var maxPixels int64
		addMaxPixelsFlag(fs, &maxPixels)
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() != 2 {
			fs.Usage()
			return usagef("eval %s: got %d image files, want 2 (A B)", metric, fs.NArg())
		}
		return runEvalPair(ctx, evalPairOptions{metric: metric, a: fs.Arg(0), b: fs.Arg(1), maxPixels: maxPixels}, stdout)
	}
}

// runEvalPair reads both images and prints their similarity on one line.
func runEvalPair(ctx context.Context, opts evalPairOptions, stdout io.Writer) error {
	a, err := evalReadImage(opts.a, opts.maxPixels)
	if err != nil {
		return err
	}
	b, err := evalReadImage(opts.b, opts.maxPixels)
	if err != nil {
		return err
	}
	if a.Bounds().Dx() != b.Bounds().Dx() || a.Bounds().Dy() != b.Bounds().Dy() {
		return fmt.Errorf("%s is %d×%d but %s is %d×%d: %s needs images of the same size",
			opts.a, a.Bounds().Dx(), a.Bounds().Dy(), opts.b, b.Bounds().Dx(), b.Bounds().Dy(), opts.metric)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c := 3
	if evalIsGray(a) && evalIsGray(b) {
		c = 1
	}
	pa, h, w := evalPixels(a, c)
	pb, _, _ := evalPixels(b, c)
	opt := eval.SSIMOptions{DataRange: 255}
	var v float64
	switch opts.metric {
	case "msssim":
		v, err = eval.MSSSIM(pa, pb, h, w, c, eval.MSSSIMOptions{SSIMOptions: opt})
	case "ssim":
		v, err = eval.SSIM(pa, pb, h, w, c, opt)
	default:
		return fmt.Errorf("eval: unknown metric %q, want msssim or ssim", opts.metric)
	}
	if err != nil {
		return fmt.Errorf("%s of %s and %s: %w", opts.metric, opts.a, opts.b, err)
	}
	_, err = fmt.Fprintf(stdout, "%.6f\n", v)
	return err
}

// evalReadImage decodes the PNG or JPEG file at path, refusing from its header a file that declares more than
// maxPixels pixels (0 = data.DefaultMaxPixels).
func evalReadImage(path string, maxPixels int64) (image.Image, error) {
	img, err := data.DecodeImage(path, maxPixels)
	var tooLarge *data.TooLargeError
	switch {
	case errors.As(err, &tooLarge), errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read image: %w", err)
	case err != nil:
		return nil, fmt.Errorf("read image: %w (want a PNG or JPEG file)", err)
	}
	return img, nil
}

// evalIsGray reports whether img stores grey pixels only.
func evalIsGray(img image.Image) bool {
	switch img.(type) {
	case *image.Gray, *image.Gray16:
		return true
	}
	return false
}

// evalPixels returns img as float32 [h, w, c] in 0..255 (c is 1 for grey, 3 for RGB, not premultiplied by
// alpha, which is dropped) with its height and width.
func evalPixels(img image.Image, c int) (px []float32, h, w int) {
	r := img.Bounds()
	h, w = r.Dy(), r.Dx()
	px = make([]float32, 0, h*w*c)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c == 1 {
				g := color.Gray16Model.Convert(img.At(x, y)).(color.Gray16)
				px = append(px, float32(g.Y)/257)
				continue
			}
			n := color.NRGBA64Model.Convert(img.At(x, y)).(color.NRGBA64)
			px = append(px, float32(n.R)/257, float32(n.G)/257, float32(n.B)/257)
		}
	}
	return px, h, w
}
