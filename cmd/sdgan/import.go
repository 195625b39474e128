package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"sdgan/internal/interrupt"
	"sdgan/model"
	"sdgan/nn"
)

// importOptions are the inputs of `sdgan import-official DIR --out FILE`.
type importOptions struct {
	dir   string // the authors' folder: manifest.json and raw float32 tensor files
	out   string // the sdgan checkpoint to write
	force bool   // replace an existing out
}

func importCmd() *command {
	return &command{
		name:    "import-official",
		summary: "convert the authors' pretrained SD-BEGAN faces generator into an sdgan checkpoint",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			var o importOptions
			fs := newFlagSet("import-official", "DIR --out FILE.safetensors [--force]\n\n"+
				"DIR is the authors' pretrained SD-BEGAN faces generator as they published it: the folder\n"+
				"ckpts/sdbegan_548235_small of their repository github.com/chrisdonahue/sdgan, branch gh-pages (MIT licence),\n"+
				"with its manifest.json and raw little-endian float32 files, as downloaded. For example:\n\n"+
				"  git clone --depth 1 --branch gh-pages https://github.com/chrisdonahue/sdgan sdgan-authors\n"+
				"  sdgan import-official sdgan-authors/ckpts/sdbegan_548235_small --out faces.safetensors\n\n"+
				"The clone's top folder or the manifest.json file itself work as DIR too. The checkpoint holds the generator\n"+
				"only; use it with sdgan generate, serve and eval.", stderr)
			fs.StringVar(&o.out, "out", "", "the sdgan checkpoint to write (required)")
			fs.BoolVar(&o.force, "force", false, "replace --out if it exists")
			pos, err := parseInterspersed(fs, args)
			if err != nil {
				return err
			}
			if len(pos) != 1 {
				return usagef("want one folder of the authors' weights, got %d arguments", len(pos))
			}
			o.dir = pos[0]
			return runImport(ctx, o, stdout)
		},
	}
}

// parseInterspersed parses flags that may come before, between or after the positional arguments
// ("DIR --out FILE" as well as "--out FILE DIR") and returns the positional ones; after "--" all are positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// officialSubdir is where the authors' generator lies in a clone of their repository's gh-pages branch.
var officialSubdir = filepath.Join("ckpts", "sdbegan_548235_small")

// officialDir finds the authors' folder from what the user gave: the folder itself, its manifest.json, or the top
// of a clone of their repository (which holds it under ckpts/sdbegan_548235_small).
func officialDir(arg string) (string, error) {
	st, err := os.Stat(arg)
	if err != nil {
		return "", fmt.Errorf("%w: want the authors' folder ckpts/sdbegan_548235_small (github.com/chrisdonahue/sdgan, branch gh-pages), as downloaded", err)
	}
	if !st.IsDir() {
		if filepath.Base(arg) == model.OfficialManifest {
			return filepath.Dir(arg), nil
		}
		return "", fmt.Errorf("%s is a file; want the authors' folder ckpts/sdbegan_548235_small (github.com/chrisdonahue/sdgan, branch gh-pages) that holds %s", arg, model.OfficialManifest)
	}
	if _, err := os.Stat(filepath.Join(arg, model.OfficialManifest)); err == nil {
		return arg, nil
	}
	if sub := filepath.Join(arg, officialSubdir); isFile(filepath.Join(sub, model.OfficialManifest)) {
		return sub, nil
	}
	return "", fmt.Errorf("%s has no %s: want the authors' folder ckpts/sdbegan_548235_small as downloaded from github.com/chrisdonahue/sdgan (branch gh-pages), which holds %s and the raw float32 files it lists",
		arg, model.OfficialManifest, model.OfficialManifest)
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

func runImport(ctx context.Context, o importOptions, stdout io.Writer) error {
	if o.out == "" {
		return usagef("--out is required: the sdgan checkpoint to write")
	}
	if !o.force {
		if _, err := os.Lstat(o.out); err == nil {
			return fmt.Errorf("--out %s exists; pass --force to replace it", o.out)
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("--out %s: %w", o.out, err)
		}
	}
	dir, err := officialDir(o.dir)
	if err != nil {
		return err
	}
	type imported struct {
		cfg    model.Config
		params []*nn.Tensor
	}
	im, err := interrupt.Wait(ctx, func() (imported, error) {
		cfg, params, err := model.ImportOfficial(dir)
		return imported{cfg, params}, err
	})
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("while reading %s; nothing written", dir)
		}
		return err
	}
	meta := map[string]string{"sdgan.source": model.OfficialSource}
	if err := model.SaveCheckpoint(o.out, im.cfg, model.OfficialStep, im.params, meta); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: SD-BEGAN %d×%d generator, %d tensors (%d parameters), step %d, from %s\n",
		o.out, im.cfg.Res, im.cfg.Res, len(im.params), model.Count(im.params), model.OfficialStep, model.OfficialSource)
	return nil
}
