package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"

	"sdgan/data"
	"sdgan/internal/atomicfile"
	"sdgan/internal/interrupt"
	"sdgan/internal/progress"
	"sdgan/model"
	"sdgan/picture"
	"sdgan/project"
	"sdgan/verify"
)

// projectOptions are the inputs of `sdgan project`.
type projectOptions struct {
	model, out, verifier, loss string
	weights                    weightsFlag
	observations, steps, pick  int
	starts                     int
	seed                       uint64
	noClamp                    bool // let the codes leave [−1, 1]
	convert                    bool // accept colour images for a grey model (and say so)
	maxPixels                  int64
	device                     deviceFlag
	inputs                     []string
}

// Limits of project.
const (
	maxNewViews      = 256 // --observations
	projectPerTupleK = 4   // at most k·4 images of one identity: four of the tuples the model was trained on
)

func (o *projectOptions) addFlags(fs *flag.FlagSet) {
	d := project.Defaults()
	fs.StringVar(&o.model, "model", "", "the generator: a checkpoint file or a run folder (its latest checkpoint); required")
	fs.Var(&o.weights, "weights", weightsUsage)
	fs.StringVar(&o.out, "out", "", "output folder: reconstruction.png, new-views.png, zi.json, latents.json; required")
	fs.IntVar(&o.observations, "observations", 8, fmt.Sprintf("new observations (z_O) of the projected identity in new-views.png, 1 to %d", maxNewViews))
	fs.StringVar(&o.loss, "loss", project.DefaultLoss, "what the projection minimises: l2, l1 (pixels), d (the discriminator's features, from a training checkpoint),\n"+
		"verifier (the --verifier's features), pair (the SD-DCGAN discriminator's judgement that new views of the projected\n"+
		"identity show the images' identity, from a training checkpoint), spread (with pair: keeps those new views as varied as a\n"+
		"random identity's), or a weighted sum such as l2+0.1*verifier or l2+0.1*pair+spread")
	fs.StringVar(&o.verifier, "verifier", "", "identity verifier (from sdgan verifier train) for --loss verifier and --pick")
	fs.IntVar(&o.pick, "pick", 1, fmt.Sprintf("draw this many candidates per new observation and keep the ones the --verifier scores as most like\nthe images (1 = plain draws; up to %d): new views that keep the identity better, and vary less", project.MaxPick))
	fs.IntVar(&o.steps, "steps", d.Steps, fmt.Sprintf("optimiser steps, 1 to %d", project.MaxSteps))
	fs.IntVar(&o.starts, "starts", d.Starts, fmt.Sprintf("random starts optimised side by side, the best kept, 1 to %d", project.MaxStarts))
	fs.Uint64Var(&o.seed, "seed", 0, "random seed: the starts, the noise and the new observations")
	fs.BoolVar(&o.noClamp, "no-clamp", false, "let the codes leave [−1, 1], the support of the prior the generator was trained on")
	fs.BoolVar(&o.convert, "convert", false, "accept colour images for a grey model (converted as the data loader converts them: 0.299R + 0.587G + 0.114B)")
	addMaxPixelsFlag(fs, &o.maxPixels)
	addDeviceFlag(fs, &o.device)
}

func projectCmd() *command {
	return &command{
		name:    "project",
		summary: "find the identity of a few real images (z_I) and show it in new observations",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			var o projectOptions
			fs := newFlagSet("project", "--model M --out DIR IMAGE… [flags]\n\n"+
				"Projects 1 to k·4 images of one identity (a face, a typeface's glyphs; any size: centre-cropped and resized as\n"+
				"the data loader does) into an SD-GAN generator: one identity code z_I shared by all of them and one observation\n"+
				"code z_O each, found by Adam through the generator (StyleGAN2-ADA's projector). Writes reconstruction.png\n"+
				"(the inputs above their projections), new-views.png (the identity under --observations new z_O), zi.json\n"+
				"(for generate --identity and serve --identity) and latents.json (generate --latents redraws new-views.png).\n"+
				"An AC-DCGAN is refused: its identities are the labels of its training data.", stderr)
			o.addFlags(fs)
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			o.inputs = fs.Args()
			return runProject(ctx, o, stdout, stderr)
		},
	}
}

// check reports the first flag that is missing or out of range, before anything is loaded.
func (o projectOptions) check() error {
	switch {
	case o.model == "":
		return usagef("--model is required: a run folder or a checkpoint file")
	case o.out == "":
		return usagef("--out is required: the folder to write into")
	case len(o.inputs) == 0:
		return usagef("no images: give 1 to k·4 image files of one identity after the flags (k is the model's tuple size)")
	case o.observations < 1 || o.observations > maxNewViews:
		return usagef("--observations %d: want 1 to %d", o.observations, maxNewViews)
	case o.steps < 1 || o.steps > project.MaxSteps:
		return usagef("--steps %d: want 1 to %d", o.steps, project.MaxSteps)
	case o.starts < 1 || o.starts > project.MaxStarts:
		return usagef("--starts %d: want 1 to %d", o.starts, project.MaxStarts)
	case o.pick < 1 || o.pick > project.MaxPick:
		return usagef("--pick %d: want 1 (no picking) to %d candidates per new observation", o.pick, project.MaxPick)
	case o.pick*o.observations > project.MaxCandidates:
		return usagef("--pick %d × --observations %d: want at most %d candidates in all", o.pick, o.observations, project.MaxCandidates)
	case o.pick > 1 && o.verifier == "":
		return usagef("--pick %d needs --verifier (a verifier from sdgan verifier train) to score the candidates", o.pick)
	}
	for _, in := range o.inputs {
		if strings.HasPrefix(in, "-") {
			return usagef("%q after the images: flags go before the image files", in)
		}
	}
	spec, err := project.ParseLoss(o.loss)
	if err != nil {
		return usagef("--loss: %v", err)
	}
	if spec.Features == project.FeaturesVerifier && o.verifier == "" {
		return usagef("--loss %s needs --verifier (a verifier from sdgan verifier train)", o.loss)
	}
	if spec.Features != project.FeaturesVerifier && o.verifier != "" && o.pick == 1 {
		return usagef("--verifier is used only by a --loss with a verifier term (such as verifier or l2+0.1*verifier) or by --pick; the loss is %s", o.loss)
	}
	return nil
}

// projection is a loaded projection job: the generator, its checkpoint, the loss and the images.
type projection struct {
	g      model.Generator
	ckpt   *model.Checkpoint
	loss   project.Loss
	images []*data.Image
	v      *verify.Verifier // --verifier, or nil
}

// loadProjection loads the generator (and the discriminator or verifier the loss needs) and the images, and checks
// that they fit together.
func loadProjection(ctx context.Context, o projectOptions, stderr io.Writer) (*projection, error) {
	spec, err := project.ParseLoss(o.loss)
	if err != nil {
		return nil, usagef("--loss: %v", err)
	}
	p := &projection{}
	if p.g, p.ckpt, err = model.LoadGenerator(o.model, o.weights.w); err != nil {
		return nil, fmt.Errorf("--model: %w", err)
	}
	cfg := p.ckpt.Config
	if cfg.Arch == model.ACGAN {
		return nil, fmt.Errorf("--model %s: %w", p.ckpt.Path, project.ErrConditional)
	}
	if most := projectPerTupleK * cfg.K; len(o.inputs) > most {
		return nil, usagef("%d images: this model (k = %d) takes 1 to %d images of one identity (k·4)", len(o.inputs), cfg.K, most)
	}
	var d model.Discriminator
	if spec.NeedsDiscriminator() {
		if d, err = model.LoadDiscriminator(p.ckpt); err != nil {
			return nil, fmt.Errorf("--loss %s: %w (an imported generator has none: use --loss l2 or a verifier)", o.loss, err)
		}
	}
	if o.verifier != "" {
		if p.v, err = verify.Load(o.verifier); err != nil {
			return nil, fmt.Errorf("--verifier: %w", err)
		}
		if err := project.CheckVerifier(p.v, cfg); err != nil {
			return nil, fmt.Errorf("--verifier %s: %w", o.verifier, err)
		}
	}
	if p.loss, err = spec.Build(cfg, d, p.v); err != nil {
		return nil, fmt.Errorf("--verifier %s: %w", o.verifier, err)
	}
	p.images, err = loadProjectImages(ctx, o.inputs, cfg, o.maxPixels, o.convert, stderr)
	return p, err
}

// loadProjectImages reads the images for a model of cfg, through the data loader's decoding and pixel limit.
// Colour images for a grey model are refused unless convert; grey images for a colour model are used as they
// are (their channels replicated), with a note on stderr.
func loadProjectImages(ctx context.Context, paths []string, cfg model.Config, maxPixels int64, convert bool, stderr io.Writer) ([]*data.Image, error) {
	var imgs []*data.Image
	grey := 0
	for _, path := range paths {
		img, err := data.LoadImage(ctx, path, cfg.Res, cfg.Channels, maxPixels)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var tooLarge *data.TooLargeError
			if errors.As(err, &tooLarge) {
				return nil, err
			}
			return nil, fmt.Errorf("%w (want a PNG, JPEG or GIF file)", err)
		}
		switch {
		case img.Colour && cfg.Channels == 1 && !convert:
			return nil, fmt.Errorf("%s is a colour image but the model draws grey images (a channel mismatch): give grey images, "+
				"or --convert to convert them as the data loader does", path)
		case img.Colour && cfg.Channels == 1:
			fmt.Fprintf(stderr, "project: %s converted from colour to grey\n", path)
		case !img.Colour && cfg.Channels == 3:
			grey++
		}
		imgs = append(imgs, img)
	}
	if grey > 0 {
		fmt.Fprintf(stderr, "project: %d of the images are grey and the model draws colour: their projections will be coloured by the model\n", grey)
	}
	return imgs, nil
}

// runProject loads the model and images, projects them and writes the outputs. A failed or interrupted run
// leaves nothing behind.
func runProject(ctx context.Context, o projectOptions, stdout, stderr io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	if err := o.device.use(); err != nil {
		return err
	}
	p, err := interrupt.Wait(ctx, func() (*projection, error) { return loadProjection(ctx, o, stderr) })
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("while loading the model and the images; nothing written")
		}
		return err
	}
	cfg := p.ckpt.Config
	if err := checkOutDir(o.out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	targets := make([][]float32, len(p.images))
	for i, img := range p.images {
		targets[i] = img.Pixels
	}
	po := project.Defaults()
	po.Steps, po.Starts, po.Seed, po.Clamp = o.steps, o.starts, o.seed, !o.noClamp
	bar := progress.New(stderr, o.steps, "project", progress.Unit("step"))
	po.Progress = func(step, _ int, loss float64) { bar.Set(step, fmt.Sprintf("loss %.5f", loss)) }
	fmt.Fprintf(stdout, "projecting %s into %s (%s %d×%d×%d, %s weights): loss %s, %d steps, %d starts\n",
		plural(len(targets), "image", "images"), p.ckpt.Path, model.ArchName(cfg.Arch), cfg.Res, cfg.Res, cfg.Channels,
		p.ckpt.Generator, o.loss, o.steps, o.starts)
	r, err := interrupt.Wait(ctx, func() (*project.Result, error) { return project.Project(ctx, p.g, cfg, targets, p.loss, po) })
	bar.Finish()
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("while projecting; nothing written")
		}
		return err
	}
	rng := rand.New(rand.NewPCG(o.seed, 0x9e0d))
	var embed func([][]float32) [][]float32 // only --pick > 1 scores candidates
	if p.v != nil {
		embed = p.v.Net.Embed
	}
	type drawn struct{ zo, views [][]float32 }
	got, err := interrupt.Wait(ctx, func() (drawn, error) {
		zo, v, err := project.Pick(p.g, cfg, r.ZI, targets, embed, o.observations, o.pick, rng)
		return drawn{zo, v}, err
	})
	if err != nil {
		if ctx.Err() != nil {
			return interrupted("while drawing the new views; nothing written")
		}
		return err
	}
	newZO, views := got.zo, got.views
	idf := identityFile{Model: p.ckpt.Path, Weights: string(p.ckpt.Generator), Name: filepath.Base(o.inputs[0]), ZI: r.ZI,
		Inputs: o.inputs, ZO: r.ZO, Loss: o.loss, Steps: o.steps, Starts: o.starts, Seed: o.seed}
	for i := range targets {
		ms, psnr, err := project.Quality(targets[i], r.Images[i], cfg)
		if err != nil {
			return fmt.Errorf("measure the reconstruction of %s: %w", o.inputs[i], err)
		}
		idf.Fit = append(idf.Fit, projectedFit{MSSSIM: ms, PSNR: psnr})
	}
	lf := latentsFile{Model: p.ckpt.Path, Weights: string(p.ckpt.Generator), Mode: "grid", Seed: o.seed, Padding: 2,
		ZI: [][]float32{r.ZI}, ZO: newZO}
	var made outputs
	if err := writeProjection(&made, o.out, cfg, targets, r.Images, views, idf, lf); err != nil {
		made.removeAll()
		return err
	}
	if ctx.Err() != nil { // interrupted while writing: take it all back
		made.removeAll()
		return interrupted("while writing; nothing kept")
	}
	for i, f := range idf.Fit {
		fmt.Fprintf(stdout, "  %-40s MS-SSIM %.4f  PSNR %.2f dB\n", o.inputs[i], f.MSSSIM, f.PSNR)
	}
	fmt.Fprintf(stdout, "loss %.5f (start %d of %d); wrote %s: reconstruction.png, new-views.png (%s), zi.json, latents.json\n",
		r.Loss, r.Start+1, len(r.Losses), o.out, plural(o.observations, "new observation", "new observations"))
	return nil
}

// writeProjection writes the projection's files into dir, recording in made what it creates.
func writeProjection(made *outputs, dir string, cfg model.Config, targets, recon, views [][]float32, idf identityFile, lf latentsFile) error {
	if err := made.mkdirAll(dir); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	n := len(targets)
	cells := append(append([][]float32(nil), targets...), recon...)
	pictures := []struct {
		name string
		img  func() error
	}{
		{"reconstruction.png", func() error {
			return picture.SavePNG(filepath.Join(dir, "reconstruction.png"), picture.Grid(cells, 2, n, cfg.Res, cfg.Res, cfg.Channels, 2))
		}},
		{"new-views.png", func() error {
			return picture.SavePNG(filepath.Join(dir, "new-views.png"), picture.Grid(views, 1, len(views), cfg.Res, cfg.Res, cfg.Channels, 2))
		}},
	}
	for _, pic := range pictures {
		made.willWrite(filepath.Join(dir, pic.name))
		if err := pic.img(); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name string
		v    any
	}{{"zi.json", idf}, {"latents.json", lf}} {
		js, err := json.MarshalIndent(f.v, "", " ")
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		path := filepath.Join(dir, f.name)
		made.willWrite(path)
		if err := atomicfile.WriteFile(path, append(js, '\n')); err != nil {
			return err
		}
	}
	return nil
}
