package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"sdgan/verify"
)

// verifierFlags are the flags of `sdgan verifier train`, bound to verify.Options.
type verifierFlags struct {
	o           verify.Options
	out         string
	resume      string
	holdOutFrom string
	dryRun      bool
}

func (f *verifierFlags) addFlags(fs *flag.FlagSet) {
	d := verify.DefaultOptions()
	f.o = d
	fs.StringVar(&f.o.Data, "data", d.Data, "training data: builtin:fonts, a folder with one sub-folder per identity, or a flat folder of <ID>_<OBS>_*.png")
	fs.StringVar(&f.out, "out", "", "verifier folder to write (verifier.safetensors, checkpoint.safetensors, report.json, roc.png); required")
	fs.StringVar(&f.resume, "resume", "", "continue the training in this verifier folder from its checkpoint (only --steps may change)")
	fs.IntVar(&f.o.Res, "res", d.Res, "image resolution (a multiple of 16; match the generator you will evaluate)")
	fs.IntVar(&f.o.Channels, "channels", d.Channels, "1 (grey) or 3 (RGB); 0 = as the data (builtin:fonts is grey)")
	fs.Int64Var(&f.o.Steps, "steps", d.Steps, "optimiser steps")
	fs.Uint64Var(&f.o.Seed, "seed", d.Seed, "random seed: same seed, data and flags give the same verifier")
	fs.IntVar(&f.o.HeldOut, "held-out", d.HeldOut, "identities never trained on, used to score the verifier and by sdgan eval as real pairs (≥ 2)")
	fs.StringVar(&f.holdOutFrom, "hold-out-from", "", "hold out the identities another verifier held out (instead of --held-out drawn by --seed), so that\nthe two never saw the same identities: one can steer sdgan eval project (--loss-verifier), the other judge it")
	fs.IntVar(&f.o.IDs, "ids", d.IDs, "identities per batch")
	fs.IntVar(&f.o.PerID, "per-id", d.PerID, "images per identity per batch (identities with fewer are dropped)")
	fs.StringVar(&f.o.Loss, "loss", d.Loss, "triplet loss: batch-all (every triplet, averaged over the active ones) or batch-hard")
	fs.Float64Var(&f.o.LR, "lr", d.LR, "Adam learning rate")
	fs.Float64Var(&f.o.Margin, "margin", d.Margin, "triplet margin on squared embedding distances (0 to 4)")
	fs.IntVar(&f.o.Pairs, "pairs", d.Pairs, "same-identity (and different-identity) held-out pairs scored at the end")
	fs.Int64Var(&f.o.CheckpointEvery, "checkpoint-every", d.CheckpointEvery, "steps between checkpoints")
	addMaxPixelsFlag(fs, &f.o.MaxPixels)
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the resolved options and exit")
}

// options resolves the flags: for --resume, the run's options with --steps applied.
func (f *verifierFlags) options(set map[string]bool) (verify.Options, string, error) {
	if f.resume == "" {
		if f.out == "" {
			return f.o, "", usagef("--out: missing; want the verifier folder to write")
		}
		if f.holdOutFrom != "" {
			if set["held-out"] {
				return f.o, "", usagef("--hold-out-from %s and --held-out %d: give one way of holding identities out", f.holdOutFrom, f.o.HeldOut)
			}
			names, err := verify.HeldOutFrom(f.holdOutFrom)
			if err != nil {
				return f.o, "", err
			}
			f.o.HeldOutNames, f.o.HeldOut = names, len(names) // Validate wants at least 2
		}
		if err := f.o.Validate(); err != nil {
			return f.o, "", usagef("%v", err)
		}
		if !strings.HasPrefix(f.o.Data, "builtin:") { // the verifier records its data: from anywhere, the same folder
			abs, err := filepath.Abs(f.o.Data)
			if err != nil {
				return f.o, "", fmt.Errorf("--data %s: %w", f.o.Data, err)
			}
			f.o.Data = abs
		}
		return f.o, f.out, nil
	}
	o, err := verify.ResumeOptions(f.resume)
	if err != nil {
		return o, "", err
	}
	for name := range set {
		if name != "resume" && name != "steps" && name != "dry-run" {
			return o, "", usagef("--%s cannot change when resuming (only --steps may change)", name)
		}
	}
	if set["steps"] {
		o.Steps = f.o.Steps
	}
	return o, f.resume, nil
}

func verifierCmd() *command {
	return &command{
		name:    "verifier",
		summary: "train the identity verifier that sdgan eval uses (verifier train --data D --out V)",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			if len(args) == 0 || args[0] != "train" {
				if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
					fmt.Fprintf(stderr, "Usage: sdgan verifier train --data D --out V [flags]\n\nRun 'sdgan verifier train -h' for the flags.\n")
					return flag.ErrHelp
				}
				return usagef("want the verb train: sdgan verifier train --data D --out V [flags]")
			}
			fs := newFlagSet("verifier train", "--data D --out V [flags]\n\n"+
				"Trains a Siamese embedding network (a triplet loss: batch-all by default, or batch-hard; see --loss) on the\n"+
				"identities of D minus --held-out of them, scores it on those (ROC AUC, EER, accuracy) and writes it to the\n"+
				"folder V.", stderr)
			var f verifierFlags
			f.addFlags(fs)
			if err := parseFlags(fs, args[1:]); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q (flags only)", fs.Arg(0))
			}
			set := map[string]bool{}
			fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
			o, dir, err := f.options(set)
			if err != nil {
				return err
			}
			if f.dryRun {
				js, _ := json.MarshalIndent(o, "", "  ")
				fmt.Fprintf(stdout, "verifier folder: %s\n%s\n", dir, js)
				return nil
			}
			if err := checkOutDir(dir); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			_, err = verify.Train(ctx, verify.Job{Options: o, Dir: dir, Resume: f.resume != "", Stdout: stdout, Stderr: stderr})
			return err
		},
	}
}
