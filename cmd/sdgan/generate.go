package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"sdgan/internal/atomicfile"
	"sdgan/internal/interrupt"
	"sdgan/internal/progress"
	"sdgan/model"
	"sdgan/picture"
)

// latentsFile is the JSON written beside every output of `sdgan generate`, and read back by --latents: the
// output is the grid of every identity code with every observation code (rows zi, columns zo).
type latentsFile struct {
	Model   string      `json:"model"`
	Weights string      `json:"weights,omitempty"` // the checkpoint's generator that drew it: ema or raw
	Mode    string      `json:"mode"`              // grid, interpolate or same-identity
	Seed    uint64      `json:"seed"`
	Padding int         `json:"padding"`
	ZI      [][]float32 `json:"zi"`
	ZO      [][]float32 `json:"zo"`
	// An AC-DCGAN's rows are identity labels: Labels[i] is row i's label and Identities[i] its identity's name
	// (with --interpolate, the two ends'). Informational: the codes are what is drawn.
	Labels     []int    `json:"labels,omitempty"`
	Identities []string `json:"identities,omitempty"`
	// Truncation says how the random codes were truncated (--psi-i, --psi-o); informational: the codes above are
	// the truncated ones.
	Truncation string `json:"truncation,omitempty"`
}

type generateOptions struct {
	weights                             weightsFlag
	model, out, latents, ziFile, zoFile string
	identityFiles                       identityFilesFlag // --identity: projected identities (zi.json) as rows
	ids, obs, same, padding             int
	seed                                uint64
	interpolate                         bool
	device                              deviceFlag
	trunc                               truncation
	set                                 map[string]bool // the flags given on the command line
}

// Limits of generate, so that no value that parses can run the machine out of memory: the images are kept as
// float32 until the grid is drawn (10000 images of 64×64 RGB take 480 MiB) and the grid as 8-bit pixels.
const (
	maxGridSide   = 1000     // identities, or observations, of one grid
	maxImages     = 10000    // images of one run: grid cells, or --same-identity images
	maxPadding    = 256      // pixels between grid cells
	maxGridPixels = 64 << 20 // pixels of the grid picture (256 MiB as RGBA)
)

func generateCmd() *command {
	return &command{
		name:    "generate",
		summary: "write identity × observation grids, interpolations, or many observations of one identity",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			var o generateOptions
			fs := newFlagSet("generate", "--model RUN_DIR|CHECKPOINT --out FILE.png [flags]\n\n"+
				"Draws a grid whose rows are identities (z_I) and columns observations (z_O), from random codes (--seed),\n"+
				"an earlier run's latents (--latents) or the authors' raw codes (--zi-file, --zo-file). With --latents or\n"+
				"the code files, --identities and --observations take the first rows and columns, and --padding replaces\n"+
				"the file's.\n\n"+
				"An AC-DCGAN (train --arch acgan) has no prior over identities: its rows are identities of its training data\n"+
				"(rows of its label table, drawn without repeats) and it cannot draw new ones; --interpolate blends two\n"+
				"identities' learned codes, which the model never saw between them.", stderr)
			fs.StringVar(&o.model, "model", "", "a run folder (its latest checkpoint) or a checkpoint file")
			fs.Var(&o.weights, "weights", weightsUsage)
			fs.StringVar(&o.out, "out", "grid.png", "output PNG (with --same-identity: an output folder)")
			fs.IntVar(&o.ids, "identities", 6, fmt.Sprintf("grid rows: identities (interpolation steps of z_I with --interpolate); at most %d", maxGridSide))
			fs.IntVar(&o.obs, "observations", 8, fmt.Sprintf("grid columns: observations (interpolation steps of z_O with --interpolate); at most %d, and %d cells in all", maxGridSide, maxImages))
			fs.IntVar(&o.padding, "padding", 2, fmt.Sprintf("pixels between grid cells, 0 to %d", maxPadding))
			fs.Uint64Var(&o.seed, "seed", 0, "random seed for the latents")
			fs.BoolVar(&o.interpolate, "interpolate", false, "the paper demo's grid: z_I interpolated down the rows, z_O across the columns, between two random codes")
			fs.IntVar(&o.same, "same-identity", 0, fmt.Sprintf("write this many images of one identity (separate PNGs, at most %d) into the --out folder", maxImages))
			fs.StringVar(&o.latents, "latents", "", "regenerate from a latents JSON written by an earlier generate")
			fs.StringVar(&o.ziFile, "zi-file", "", "identity codes as raw little-endian float32 [n, d_I] (the authors' format); needs --zo-file")
			fs.StringVar(&o.zoFile, "zo-file", "", "observation codes as raw little-endian float32 [m, d_O]; needs --zi-file")
			fs.Var(&o.identityFiles, "identity", "an identity found by sdgan project (its zi.json) as a row (repeatable): the rows are these\n"+
				"identities, then --identities random ones if that flag is given too; with --same-identity, one file")
			addDeviceFlag(fs, &o.device)
			o.trunc.addFlags(fs)
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q", fs.Arg(0))
			}
			o.set = map[string]bool{}
			fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
			return runGenerate(ctx, o, stdout, stderr)
		},
	}
}

// check reports the first flag that is missing, out of range, or at odds with another one.
func (o generateOptions) check() error {
	// conflicts lists, per source of codes, the flags that make no sense with it.
	conflict := func(source string, flags ...string) error {
		for _, f := range flags {
			if o.set[f] {
				return usagef("--%s conflicts with %s", f, source)
			}
		}
		return nil
	}
	switch {
	case o.model == "":
		return usagef("--model is required: a run folder or a checkpoint file")
	case o.padding < 0 || o.padding > maxPadding:
		return usagef("--padding %d: want 0 to %d pixels", o.padding, maxPadding)
	case (o.ziFile == "") != (o.zoFile == ""):
		return usagef("--zi-file and --zo-file go together")
	case o.same < 0 || o.same > maxImages:
		return usagef("--same-identity %d: want 1 to %d images", o.same, maxImages)
	case o.ids < 1 || o.obs < 1 || o.ids > maxGridSide || o.obs > maxGridSide:
		return usagef("--identities %d --observations %d: want 1 to %d of each", o.ids, o.obs, maxGridSide)
	case o.ids*o.obs > maxImages:
		return usagef("--identities %d × --observations %d = %d images: want at most %d", o.ids, o.obs, o.ids*o.obs, maxImages)
	case o.interpolate && (o.ids < 2 || o.obs < 2):
		return usagef("--interpolate needs --identities and --observations ≥ 2 (the two ends)")
	}
	if err := o.trunc.check(); err != nil {
		return err
	}
	var err error
	switch {
	case o.latents != "":
		err = conflict("--latents (the file holds the codes)", "seed", "interpolate", "same-identity", "zi-file", "zo-file", "identity", "psi-i", "psi-o")
	case o.ziFile != "":
		err = conflict("--zi-file and --zo-file (the files hold the codes)", "seed", "interpolate", "same-identity", "identity", "psi-i", "psi-o")
	case o.interpolate:
		err = conflict("--interpolate (a grid)", "same-identity", "identity")
	case len(o.identityFiles) > 1 && o.set["same-identity"]:
		return usagef("--same-identity draws one identity; got %d --identity files", len(o.identityFiles))
	case o.set["same-identity"]:
		err = conflict("--same-identity (separate images of one identity; give their number to --same-identity)", "identities", "observations", "padding")
	}
	return err
}

// runGenerate draws the codes, generates their images (stopping within a fraction of a second of an interrupt)
// and writes the picture(s) and the latents JSON. A failed or interrupted run leaves nothing behind.
func runGenerate(ctx context.Context, o generateOptions, stdout, stderr io.Writer) error {
	if o.set == nil {
		o.set = map[string]bool{}
	}
	if err := o.check(); err != nil {
		return err
	}
	if err := o.device.use(); err != nil {
		return err
	}
	loaded, err := interrupt.Wait(ctx, func() (loadedGenerator, error) {
		g, c, err := model.LoadGenerator(o.model, o.weights.w)
		return loadedGenerator{g, c}, err
	})
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("while reading --model %s; nothing written", o.model)
		}
		return err
	}
	g, ckpt := loaded.g, loaded.ckpt
	cfg := ckpt.Config
	if err := o.trunc.checkModel(cfg); err != nil {
		return err
	}
	lf := latentsFile{Model: ckpt.Path, Weights: string(ckpt.Generator), Seed: o.seed, Padding: o.padding}
	rng := rand.New(rand.NewPCG(o.seed, 0x6e6e))
	switch {
	case o.latents != "":
		if lf, err = readLatents(o.latents, cfg); err != nil {
			return err
		}
		lf.Model = ckpt.Path
		if o.set["padding"] {
			lf.Padding = o.padding
		}
	case o.ziFile != "":
		lf.Mode = "grid"
		if lf.ZI, err = readRawCodes(o.ziFile, "--zi-file", cfg.DI); err != nil {
			return err
		}
		if lf.ZO, err = readRawCodes(o.zoFile, "--zo-file", cfg.DO); err != nil {
			return err
		}
	case o.interpolate:
		lf.Mode = "interpolate"
		var ab [][]float32
		ab, lf.Labels = model.RandomCodes(rng, g, cfg, 2)
		for _, c := range ab {
			o.trunc.apply(c, cfg)
		}
		lf.ZI, lf.ZO = model.Interpolation(cfg, ab[0], ab[1], o.ids, o.obs)
	case len(o.identityFiles) > 0:
		if cfg.Arch == model.ACGAN {
			return usagef("--identity: an AC-DCGAN's rows are its training identities' labels; a projected identity is for SD-GAN models")
		}
		for _, path := range o.identityFiles {
			f, err := readIdentityFile(path, "--identity", cfg)
			if err != nil {
				return err
			}
			lf.ZI = append(lf.ZI, f.ZI)
		}
		lf.Mode = "grid"
		if o.same > 0 {
			lf.Mode = "same-identity"
			lf.ZO = model.Uniform(rng, o.same, cfg.DO)
			o.trunc.observations(lf.ZO)
			break
		}
		if o.set["identities"] {
			zi := model.Uniform(rng, o.ids, cfg.DI)
			o.trunc.identities(zi)
			lf.ZI = append(lf.ZI, zi...)
		}
		lf.ZO = model.Uniform(rng, o.obs, cfg.DO)
		o.trunc.observations(lf.ZO)
	case o.same > 0:
		lf.Mode = "same-identity"
		lf.ZI, lf.Labels = model.IdentityCodes(rng, g, cfg, 1)
		lf.ZO = model.Uniform(rng, o.same, cfg.DO)
		o.trunc.identities(lf.ZI)
		o.trunc.observations(lf.ZO)
	default:
		lf.Mode = "grid"
		lf.ZI, lf.Labels = model.IdentityCodes(rng, g, cfg, o.ids)
		lf.ZO = model.Uniform(rng, o.obs, cfg.DO)
		o.trunc.identities(lf.ZI)
		o.trunc.observations(lf.ZO)
	}
	if o.trunc.on() {
		lf.Truncation = o.trunc.String()
	}
	for _, l := range lf.Labels {
		lf.Identities = append(lf.Identities, ckpt.LabelName(l))
	}
	if o.latents != "" || o.ziFile != "" {
		// Explicit --identities and --observations take the first rows and columns of the given codes.
		if lf.ZI, err = firstCodes(lf.ZI, o.ids, o.set["identities"], "--identities", "identity"); err != nil {
			return err
		}
		if len(lf.Labels) > len(lf.ZI) && lf.Mode == "grid" { // the labels of the rows kept
			lf.Labels, lf.Identities = lf.Labels[:len(lf.ZI)], lf.Identities[:min(len(lf.ZI), len(lf.Identities))]
		}
		if lf.ZO, err = firstCodes(lf.ZO, o.obs, o.set["observations"], "--observations", "observation"); err != nil {
			return err
		}
	}
	n := len(lf.ZI) * len(lf.ZO)
	if n > maxImages {
		return fmt.Errorf("%d identity × %d observation codes make %d images; the limit is %d (take fewer with --identities and --observations)",
			len(lf.ZI), len(lf.ZO), n, maxImages)
	}
	if lf.Mode != "same-identity" {
		w, h := gridSize(len(lf.ZI), len(lf.ZO), cfg.Res, lf.Padding)
		if w*h > maxGridPixels {
			return usagef("a grid of %d×%d cells of %d pixels with padding %d is %d×%d pixels; the limit is %d megapixels (use fewer cells or less --padding)",
				len(lf.ZI), len(lf.ZO), cfg.Res, lf.Padding, w, h, maxGridPixels>>20)
		}
	}

	var bar *progress.Bar
	if n >= progressMinImages {
		bar = progress.New(stderr, n, "generate", progress.Unit("img"))
	}
	imgs, err := generateImages(ctx, g, cfg, model.GridZ(lf.ZI, lf.ZO), bar)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("after %d of %d images; nothing written", len(imgs), n)
		}
		return err
	}
	js, err := json.MarshalIndent(lf, "", " ")
	if err != nil {
		return err
	}
	var made outputs
	if err := writeGenerated(&made, o.out, lf, cfg, imgs, js, stdout); err != nil {
		made.removeAll()
		return err
	}
	describeLabels(stdout, lf)
	return nil
}

// describeLabels says, for an AC-DCGAN's codes, which identities the rows are, and what an interpolation is.
func describeLabels(w io.Writer, lf latentsFile) {
	if len(lf.Identities) == 0 {
		return
	}
	switch lf.Mode {
	case "interpolate":
		fmt.Fprintf(w, "AC-DCGAN: the rows go from %s's learned code to %s's; the rows between are blends of two codes, not identities\n"+
			"the model was trained to draw (an AC-GAN cannot sample new identities)\n", lf.Identities[0], lf.Identities[len(lf.Identities)-1])
	default:
		fmt.Fprintf(w, "AC-DCGAN rows (identities of its training data; it cannot sample new ones): %s\n", strings.Join(lf.Identities, ", "))
	}
}

// loadedGenerator is what model.LoadGenerator returns, as one value for interrupt.Wait.
type loadedGenerator struct {
	g    model.Generator
	ckpt *model.Checkpoint
}

// progressMinImages is the size of a job from which generate shows its progress (a few seconds of work).
const progressMinImages = 512

// gridSize is the width and height in pixels of a grid of rows×cols cells of res pixels (see picture.Grid).
func gridSize(rows, cols, res, padding int) (w, h int) {
	return cols*res + (cols+1)*padding, rows*res + (rows+1)*padding
}

// firstCodes returns the first n of codes when the flag named name was given (set), and all of them otherwise.
func firstCodes(codes [][]float32, n int, set bool, name, what string) ([][]float32, error) {
	if !set {
		return codes, nil
	}
	if n > len(codes) {
		return nil, usagef("%s %d: the codes given hold only %d %s codes", name, n, len(codes), what)
	}
	return codes[:n], nil
}

// writeGenerated writes the grid (or, for same-identity latents, the folder of images) and the latents JSON,
// recording in made what it creates.
func writeGenerated(made *outputs, out string, lf latentsFile, cfg model.Config, imgs [][]float32, js []byte, stdout io.Writer) error {
	if lf.Mode == "same-identity" {
		if err := made.mkdirAll(out); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		for i, img := range imgs {
			path := filepath.Join(out, fmt.Sprintf("obs-%03d.png", i))
			made.willWrite(path)
			if err := picture.SavePNG(path, picture.ToImage(img, cfg.Res, cfg.Res, cfg.Channels)); err != nil {
				return err
			}
		}
		path := filepath.Join(out, "latents.json")
		made.willWrite(path)
		if err := atomicfile.WriteFile(path, js); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %d images of one identity to %s (latents in latents.json)\n", len(imgs), out)
		return nil
	}
	grid := picture.Grid(imgs, len(lf.ZI), len(lf.ZO), cfg.Res, cfg.Res, cfg.Channels, lf.Padding)
	made.willWrite(out)
	if err := picture.SavePNG(out, grid); err != nil {
		return err
	}
	latentsPath := strings.TrimSuffix(out, filepath.Ext(out)) + ".json"
	made.willWrite(latentsPath)
	if err := atomicfile.WriteFile(latentsPath, js); err != nil {
		return err
	}
	b := grid.Bounds()
	fmt.Fprintf(stdout, "wrote %s (%d×%d: %s × %s) and its latents %s\n", out, b.Dx(), b.Dy(),
		plural(len(lf.ZI), "identity", "identities"), plural(len(lf.ZO), "observation", "observations"), latentsPath)
	return nil
}

// plural is "1 identity" or "6 identities".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// generateBatch is model.Generate's own batch: calling it on aligned runs of this many codes gives exactly the
// images of one call (batch size changes the rounding of some kernels, so the runs must be the same).
const generateBatch = 64

// generateImages is model.Generate, stopping at once when ctx is cancelled, and reporting progress to bar when it
// is not nil. A batch of 64 images of the 64×64 faces generator takes seconds here, longer than an interrupt
// should wait, so each batch runs under interrupt.Wait: on an interrupt the batch in flight is abandoned (the
// process is about to exit) and generateImages returns the images made so far with ctx's error.
func generateImages(ctx context.Context, g model.Generator, cfg model.Config, z []float32, bar *progress.Bar) ([][]float32, error) {
	d := cfg.Z()
	n := len(z) / d
	imgs := make([][]float32, 0, n)
	if bar != nil {
		bar.Set(0) // drawn now: a first batch of large images takes seconds
	}
	for start := 0; start < n; start += generateBatch {
		codes := z[start*d : min(start+generateBatch, n)*d]
		batch, err := interrupt.Wait(ctx, func() ([][]float32, error) { return model.Generate(g, cfg, codes), nil })
		if err != nil {
			return imgs, err
		}
		imgs = append(imgs, batch...)
		if bar != nil {
			bar.Set(len(imgs))
		}
	}
	return imgs, nil
}

// maxLatentsBytes bounds the --latents file read into memory: maxImages codes of 100 values are about 10 MB of JSON.
const maxLatentsBytes = 64 << 20

// readLatents reads a latents JSON and checks it: its codes against the model, its sizes and padding against
// generate's limits, its mode against the known ones.
func readLatents(path string, cfg model.Config) (latentsFile, error) {
	var lf latentsFile
	if st, err := os.Stat(path); err != nil {
		return lf, fmt.Errorf("--latents: %w", err)
	} else if st.Size() > maxLatentsBytes {
		return lf, fmt.Errorf("--latents %s: %d bytes; a latents file is at most %d MiB", path, st.Size(), maxLatentsBytes>>20)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return lf, fmt.Errorf("--latents: %w", err)
	}
	if err := json.Unmarshal(b, &lf); err != nil {
		return lf, fmt.Errorf("--latents %s: %w", path, err)
	}
	switch {
	case len(lf.ZI) == 0 || len(lf.ZO) == 0:
		return lf, fmt.Errorf("--latents %s: want non-empty zi and zo lists", path)
	case len(lf.ZI) > maxGridSide || len(lf.ZO) > maxGridSide:
		return lf, fmt.Errorf("--latents %s: %d zi and %d zo codes; want at most %d of each", path, len(lf.ZI), len(lf.ZO), maxGridSide)
	case lf.Padding < 0 || lf.Padding > maxPadding:
		return lf, fmt.Errorf("--latents %s: padding %d: want 0 to %d pixels", path, lf.Padding, maxPadding)
	case lf.Mode != "grid" && lf.Mode != "interpolate" && lf.Mode != "same-identity" && lf.Mode != "":
		return lf, fmt.Errorf("--latents %s: mode %q: want grid, interpolate or same-identity", path, lf.Mode)
	case lf.Mode == "same-identity" && len(lf.ZI) != 1:
		return lf, fmt.Errorf("--latents %s: mode same-identity with %d zi codes; want 1", path, len(lf.ZI))
	}
	if lf.Mode == "" {
		lf.Mode = "grid"
	}
	for _, part := range [...]struct {
		name  string
		codes [][]float32
		want  int
	}{{"zi", lf.ZI, cfg.DI}, {"zo", lf.ZO, cfg.DO}} {
		for i, c := range part.codes {
			if len(c) != part.want {
				return lf, fmt.Errorf("--latents %s: %s[%d] has %d values; this model wants %d", path, part.name, i, len(c), part.want)
			}
		}
	}
	return lf, nil
}

// readRawCodes reads raw little-endian float32 codes of d values each, at most maxGridSide of them.
func readRawCodes(path, flagName string, d int) ([][]float32, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%s: %w", flagName, err)
	} else if st.Size() > int64(maxGridSide*4*d) {
		return nil, fmt.Errorf("%s %s: %d bytes is over %d codes of %d float32 values; want at most %d codes", flagName, path, st.Size(), maxGridSide, d, maxGridSide)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flagName, err)
	}
	if len(b) == 0 || len(b)%(4*d) != 0 {
		return nil, fmt.Errorf("%s %s: %d bytes is not a whole number of %d-value float32 codes (%d bytes each)", flagName, path, len(b), d, 4*d)
	}
	codes := make([][]float32, len(b)/(4*d))
	for i := range codes {
		codes[i] = make([]float32, d)
		for j := range d {
			v := math.Float32frombits(binary.LittleEndian.Uint32(b[(i*d+j)*4:]))
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%s %s: code %d value %d is %g", flagName, path, i, j, v)
			}
			codes[i][j] = v
		}
	}
	return codes, nil
}
