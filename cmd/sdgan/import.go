package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"sdgan/model"
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
				"DIR is the authors' ckpts/sdbegan_548235_small folder (chrisdonahue/sdgan, branch gh-pages): manifest.json\n"+
				"and raw little-endian float32 files. The checkpoint holds the generator only; use it with sdgan generate.", stderr)
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
			return runImport(o, stdout)
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

func runImport(o importOptions, stdout io.Writer) error {
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
	cfg, params, err := model.ImportOfficial(o.dir)
	if err != nil {
		return err
	}
	meta := map[string]string{"sdgan.source": model.OfficialSource}
	if err := model.SaveCheckpoint(o.out, cfg, model.OfficialStep, params, meta); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: SD-BEGAN %d×%d generator, %d tensors (%d parameters), step %d, from %s\n",
		o.out, cfg.Res, cfg.Res, len(params), model.Count(params), model.OfficialStep, model.OfficialSource)
	return nil
}
