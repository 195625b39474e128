package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"sdgan/internal/atomicfile"
	"sdgan/model"
	"sdgan/picture"
)

// latentsFile is the JSON written beside every output of `sdgan generate`, and read back by --latents: the
// output is the grid of every identity code with every observation code (rows zi, columns zo).
type latentsFile struct {
	Model   string      `json:"model"`
	Mode    string      `json:"mode"` // grid, interpolate or same-identity
	Seed    uint64      `json:"seed"`
	Padding int         `json:"padding"`
	ZI      [][]float32 `json:"zi"`
	ZO      [][]float32 `json:"zo"`
}

type generateOptions struct {
	model, out, latents, ziFile, zoFile string
	ids, obs, same, padding             int
	seed                                uint64
	interpolate                         bool
}

func generateCmd() *command {
	return &command{
		name:    "generate",
		summary: "write identity × observation grids, interpolations, or many observations of one identity",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			var o generateOptions
			fs := newFlagSet("generate", "--model RUN_DIR|CHECKPOINT --out FILE.png [flags]", stderr)
			fs.StringVar(&o.model, "model", "", "a run folder (its latest checkpoint) or a checkpoint file")
			fs.StringVar(&o.out, "out", "grid.png", "output PNG (with --same-identity: an output folder)")
			fs.IntVar(&o.ids, "identities", 6, "grid rows: identities (interpolation steps of z_I with --interpolate)")
			fs.IntVar(&o.obs, "observations", 8, "grid columns: observations (interpolation steps of z_O with --interpolate)")
			fs.IntVar(&o.padding, "padding", 2, "pixels between grid cells (0 allowed)")
			fs.Uint64Var(&o.seed, "seed", 0, "random seed for the latents")
			fs.BoolVar(&o.interpolate, "interpolate", false, "the paper demo's grid: z_I interpolated down the rows, z_O across the columns, between two random codes")
			fs.IntVar(&o.same, "same-identity", 0, "write this many images of one identity (separate PNGs) into the --out folder")
			fs.StringVar(&o.latents, "latents", "", "regenerate from a latents JSON written by an earlier generate")
			fs.StringVar(&o.ziFile, "zi-file", "", "identity codes as raw little-endian float32 [n, d_I] (the authors' format); needs --zo-file")
			fs.StringVar(&o.zoFile, "zo-file", "", "observation codes as raw little-endian float32 [m, d_O]; needs --zi-file")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q", fs.Arg(0))
			}
			return runGenerate(o, stdout)
		},
	}
}

func runGenerate(o generateOptions, stdout io.Writer) error {
	switch {
	case o.model == "":
		return usagef("--model is required: a run folder or a checkpoint file")
	case o.padding < 0:
		return usagef("--padding %d: want ≥ 0", o.padding)
	case (o.ziFile == "") != (o.zoFile == ""):
		return usagef("--zi-file and --zo-file go together")
	case o.same < 0:
		return usagef("--same-identity %d: want ≥ 1 images", o.same)
	case o.same == 0 && (o.ids < 1 || o.obs < 1):
		return usagef("--identities %d --observations %d: want at least 1×1", o.ids, o.obs)
	case o.interpolate && (o.ids < 2 || o.obs < 2):
		return usagef("--interpolate needs --identities and --observations ≥ 2 (the two ends)")
	}
	g, ckpt, err := model.LoadGenerator(o.model)
	if err != nil {
		return err
	}
	cfg := ckpt.Config
	lf := latentsFile{Model: ckpt.Path, Seed: o.seed, Padding: o.padding}
	rng := rand.New(rand.NewPCG(o.seed, 0x6e6e))
	switch {
	case o.latents != "":
		if lf, err = readLatents(o.latents, cfg); err != nil {
			return err
		}
		lf.Model = ckpt.Path
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
		ab := model.Uniform(rng, 2, cfg.Z())
		lf.ZI, lf.ZO = model.Interpolation(cfg, ab[0], ab[1], o.ids, o.obs)
	case o.same > 0:
		lf.Mode = "same-identity"
		lf.ZI, lf.ZO = model.Uniform(rng, 1, cfg.DI), model.Uniform(rng, o.same, cfg.DO)
	default:
		lf.Mode = "grid"
		lf.ZI, lf.ZO = model.Uniform(rng, o.ids, cfg.DI), model.Uniform(rng, o.obs, cfg.DO)
	}
	imgs := model.GenerateGrid(g, cfg, lf.ZI, lf.ZO)
	js, err := json.MarshalIndent(lf, "", " ")
	if err != nil {
		return err
	}
	if lf.Mode == "same-identity" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		for i, img := range imgs {
			path := filepath.Join(o.out, fmt.Sprintf("obs-%03d.png", i))
			if err := picture.SavePNG(path, picture.ToImage(img, cfg.Res, cfg.Res, cfg.Channels)); err != nil {
				return err
			}
		}
		if err := atomicfile.WriteFile(filepath.Join(o.out, "latents.json"), js); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %d images of one identity to %s (latents in latents.json)\n", len(imgs), o.out)
		return nil
	}
	grid := picture.Grid(imgs, len(lf.ZI), len(lf.ZO), cfg.Res, cfg.Res, cfg.Channels, lf.Padding)
	if err := picture.SavePNG(o.out, grid); err != nil {
		return err
	}
	latentsPath := strings.TrimSuffix(o.out, filepath.Ext(o.out)) + ".json"
	if err := atomicfile.WriteFile(latentsPath, js); err != nil {
		return err
	}
	b := grid.Bounds()
	fmt.Fprintf(stdout, "wrote %s (%d×%d: %d identities × %d observations) and its latents %s\n", o.out, b.Dx(), b.Dy(),
		len(lf.ZI), len(lf.ZO), latentsPath)
	return nil
}

// readLatents reads a latents JSON and checks its codes against the model.
func readLatents(path string, cfg model.Config) (latentsFile, error) {
	var lf latentsFile
	b, err := os.ReadFile(path)
	if err != nil {
		return lf, fmt.Errorf("--latents: %w", err)
	}
	if err := json.Unmarshal(b, &lf); err != nil {
		return lf, fmt.Errorf("--latents %s: %w", path, err)
	}
	if len(lf.ZI) == 0 || len(lf.ZO) == 0 {
		return lf, fmt.Errorf("--latents %s: want non-empty zi and zo lists", path)
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

// readRawCodes reads raw little-endian float32 codes of d values each.
func readRawCodes(path, flagName string, d int) ([][]float32, error) {
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
