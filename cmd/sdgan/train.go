package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"sdgan/model"
	"sdgan/train"
)

// trainFlags are the flags of `sdgan train`, bound to a train.Options.
type trainFlags struct {
	o        train.Options
	arch     string
	res      int
	out      string
	resume   string
	fontDirs fontDirsFlag
	noSiam   bool
	filters  int
	dryRun   bool
	dNorm    string
	sn       bool
	compare  bool
	gStyle   bool
	gWidth   int
	dWidth   int
	augP     string // a probability, or "auto"
	augPer   string // "image" or "tuple"
	betas    string // --adam-betas "β1,β2"
	device   deviceFlag
}

func (f *trainFlags) addFlags(fs *flag.FlagSet) {
	d := train.Defaults()
	f.o = d
	fs.StringVar(&f.o.Data, "data", d.Data, "training data: builtin:fonts, a folder with one sub-folder per identity, or a flat folder of <ID>_<OBS>_*.png")
	fs.Var(&f.fontDirs, "font-dir", fontDirsUsage)
	addMaxPixelsFlag(fs, &f.o.MaxPixels)
	fs.BoolVar(&f.o.Strict, "strict", false, "fail on an unreadable image instead of skipping it with a warning")
	fs.Int64Var(&f.o.MemoryMiB, "memory-budget", 0, "MiB of decoded images kept in memory (0 = 4096); a larger folder is decoded on the fly")
	fs.StringVar(&f.out, "out", "", "run folder (default runs/<date-time>)")
	fs.StringVar(&f.resume, "resume", "", "continue the run in this folder from its latest checkpoint (only --steps may change)")
	fs.StringVar(&f.arch, "arch", model.DCGAN, "architecture: dcgan (SD-DCGAN), began (SD-BEGAN), or acgan (AC-DCGAN, the paper's conditional baseline: a label per\nidentity of the data, a learned z_I per label, a discriminator with an identity head; it cannot draw new identities)")
	fs.IntVar(&f.res, "res", 32, "image resolution: 32 or 64")
	fs.IntVar(&f.o.Model.Channels, "channels", 0, "1 (grey) or 3 (RGB); 0 = as the data: 1 for builtin:fonts, for a folder 1 when every image is greyscale, else 3")
	fs.IntVar(&f.o.Model.K, "k", 2, "images per tuple (≥ 2)")
	fs.IntVar(&f.o.Model.DI, "d-i", 50, "identity latent size d_I")
	fs.IntVar(&f.o.Model.DO, "d-o", d.Model.DO, "observation latent size d_O (dcgan; began and acgan default to SPEC's 50)")
	fs.BoolVar(&f.noSiam, "non-siamese", false, "dcgan: stack the k images on the channel axis instead of a shared tower")
	fs.IntVar(&f.filters, "filters", 128, "began: convolution width n")
	fs.StringVar(&f.o.Precision, "precision", train.PrecisionFP32, "precision of the convolutions' and dense layers' products: fp32, or bf16 (operands rounded to bfloat16,\nfp32 accumulation, as PyTorch's bf16 autocast; needs AVX512_BF16; faster only where the CPU's bf16 dot product outruns its FMAs: BENCHMARKS.md)")
	fs.StringVar(&f.o.Loss, "loss", "", "dcgan, acgan: dcgan (default), lsgan, wgan, wgan-gp or hinge (acgan adds the identity cross-entropy; wgan-gp: dcgan only); began: began")
	fs.StringVar(&f.dNorm, "d-norm", model.NormBatch, "dcgan, acgan: the discriminator's normalisation: batch or none")
	fs.BoolVar(&f.compare, "d-compare", false, "dcgan: the Siamese discriminator's merge also sees how far a tuple's images are apart in each feature\n(the mean over the k of |f_i − mean f|): an explicit comparison for judging identity")
	fs.BoolVar(&f.gStyle, "g-style", false, "dcgan, acgan: z_I modulates every batch norm of the generator, a scale and a shift per channel from a dense\nlayer on z_I (class-conditional batch norm, as BigGAN's, with the identity code as the condition)")
	fs.IntVar(&f.gWidth, "g-width", 1, "dcgan, acgan: multiply the generator's channel counts by this (2: 512, 256, 128 at 32×32 instead of SPEC's\n256, 128, 64)")
	fs.IntVar(&f.dWidth, "d-width", 1, "dcgan, acgan: multiply the discriminator's channel counts by this (2: 128, 256, 512 at 32×32 instead of\nSPEC's 64, 128, 256)")
	fs.BoolVar(&f.sn, "spectral-norm", false, "dcgan, acgan: spectral normalisation of every discriminator weight")
	fs.BoolVar(&f.o.Mismatch, "mismatch", d.Mismatch, "dcgan: also show the discriminator real tuples of different identities, as fakes, so that it must judge identity (a matching-aware discriminator; on by default for --arch dcgan, --mismatch=false turns it off)")
	fs.Float64Var(&f.o.MismatchWeight, "mismatch-weight", 0, "dcgan: weight of the mismatched tuples against the generator's fakes in the discriminator's fake term,\n(fakes + w·mismatched)/(1 + w); 0 = an equal share by count (the default; the same value as 1)")
	fs.BoolVar(&f.o.MismatchHard, "mismatch-hard", false, "dcgan: mismatched tuples pair each identity with the batch's look-alike identities (nearest mean image)\ninstead of its neighbours in the batch, so that the discriminator must tell similar identities apart")
	fs.Float64Var(&f.o.Info, "info", 0, "dcgan: weight of an InfoGAN loss on z_I: a head on the discriminator's tower estimates each fake image's z_I from that\nimage alone, and both networks minimise the weight × its squared error, so that every image shows its identity (0 = none)")
	fs.Float64Var(&f.o.IDTriplet, "id-triplet", d.IDTriplet, "dcgan: weight of a triplet loss on an identity embedding from the discriminator's tower: the discriminator\nlearns it on real images (identities as labels), the generator meets it with its fakes (z_I as labels); 0 = none\n(the default applies to the Siamese --arch dcgan without --info)")
	fs.Float64Var(&f.o.EMAKimg, "ema-kimg", d.EMAKimg, "half-life of the generator's moving average (G_ema), in thousands of images; 0 = none")
	fs.Float64Var(&f.o.EMARampUp, "ema-rampup", d.EMARampUp, "the moving average's half-life is at most this fraction of the images seen so far (0 = no ramp-up)")
	fs.StringVar(&f.o.Augment, "augment", d.Augment, "dcgan, acgan: differentiable augmentation of every image D sees: a comma-separated policy of translation, cutout, color, or none")
	fs.StringVar(&f.augP, "augment-p", "1", "probability of each augmentation per image, or auto (ADA: adapt it to keep --augment-target)")
	fs.Float64Var(&f.o.AugmentTarget, "augment-target", 0.6, "with --augment-p auto: the target of r_t = E[sign D(real)]")
	fs.Float64Var(&f.o.AugmentKimg, "augment-kimg", 100, "with --augment-p auto: thousands of images over which p can go from 0 to 1")
	fs.StringVar(&f.augPer, "augment-per", "image", "draw augmentations per image, or per tuple (a tuple's images move together)")
	fs.StringVar(&f.o.HoldOutFrom, "hold-out-from", "", "keep the held-out identities of this verifier (from sdgan verifier train) out of training, so that\nneither network saw them: sdgan eval project measures projection on them")
	fs.IntVar(&f.o.HoldOutCount, "hold-out", 0, "keep this many identities, drawn with --seed as the verifier draws its own, out of training")
	fs.StringVar(&f.o.Verifier, "verifier", "", "evaluate during training with this verifier (from 'sdgan verifier train'): figures in stats.jsonl and metrics.png, the best checkpoint in best.safetensors")
	fs.Int64Var(&f.o.EvalEvery, "eval-every", 0, "with --verifier: steps between evaluations")
	fs.IntVar(&f.o.EvalPairs, "eval-pairs", d.EvalPairs, "with --verifier: pairs of each kind per evaluation")
	fs.StringVar(&f.o.BestMetric, "best-metric", d.BestMetric, "with --verifier: the figure that picks best.safetensors: frechet_embedding (lower is better), verifier_auc, verifier_accept_same, verifier_accept_different or verifier_accuracy")
	fs.IntVar(&f.o.Tuples, "batch", d.Tuples, "tuples per batch (images per batch = batch·k; acgan: batch·k single images, as many as SD-DCGAN's)")
	fs.Int64Var(&f.o.Steps, "steps", d.Steps, "total generator updates")
	fs.IntVar(&f.o.DPerG, "d-per-g", d.DPerG, "discriminator updates per generator update (dcgan, acgan)")
	fs.Float64Var(&f.o.LRG, "lr-g", 0, "generator learning rate (0 = the loss's default)")
	fs.Float64Var(&f.o.LRD, "lr-d", 0, "discriminator learning rate (0 = the loss's default)")
	fs.StringVar(&f.betas, "adam-betas", "", "Adam's β1,β2 for both networks (default: the loss's, 0.5,0.999; SAGAN's TTUR: 0,0.9)")
	fs.Float64Var(&f.o.Clip, "clip", d.Clip, "wgan: weight clipping bound")
	fs.Float64Var(&f.o.GPLambda, "gp-lambda", 10, "wgan-gp: weight λ of the gradient penalty λ·(‖∇D(x̂)‖ − 1)², the norm over each tuple's pixels")
	fs.Float64Var(&f.o.R1Gamma, "r1", 0, "dcgan, hinge: weight γ of the R1 penalty (γ/2)·‖∇D(x)‖² on real tuples (0 = none; StyleGAN2 uses 0.01 to 10)")
	fs.IntVar(&f.o.R1Every, "r1-every", 16, "with --r1: add it every N discriminator updates, multiplied by N (lazy regularisation; 1 = every update)")
	fs.Float64Var(&f.o.Gamma, "gamma", d.Gamma, "began: diversity ratio γ")
	fs.Float64Var(&f.o.LambdaK, "lambda-k", d.LambdaK, "began: k_t learning rate λ_k")
	fs.Uint64Var(&f.o.Seed, "seed", 0, "random seed: same seed, data and flags give the same checkpoints")
	fs.Int64Var(&f.o.PreviewEvery, "preview-every", d.PreviewEvery, "steps between preview grids and plot updates")
	fs.Int64Var(&f.o.CheckpointEvery, "checkpoint-every", d.CheckpointEvery, "steps between checkpoints")
	fs.Int64Var(&f.o.LogEvery, "log-every", d.LogEvery, "steps between stats.jsonl lines")
	fs.IntVar(&f.o.Keep, "keep", d.Keep, "checkpoints kept (the newest)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "print the resolved options and exit")
	addDeviceFlag(fs, &f.device)
}

// archFlags lists the flags that apply to some architectures only, with what they are for.
var archFlags = map[string]struct {
	archs []string
	what  string
}{
	"non-siamese":     {dcgan, "SD-DCGAN's discriminator layout (the AC-DCGAN discriminator judges one image)"},
	"d-per-g":         {dcgans, "the DCGAN discriminator's updates"},
	"clip":            {dcgans, "--loss wgan's weight clipping"},
	"gp-lambda":       {dcgan, "--loss wgan-gp's gradient penalty on SD-DCGAN's tuples"},
	"r1":              {dcgan, "the R1 penalty of SD-DCGAN's discriminator"},
	"r1-every":        {dcgan, "the R1 penalty of SD-DCGAN's discriminator"},
	"filters":         {began, "SD-BEGAN's convolution width"},
	"gamma":           {began, "SD-BEGAN's diversity ratio"},
	"lambda-k":        {began, "SD-BEGAN's k_t learning rate"},
	"d-norm":          {dcgans, "the DCGAN discriminator's normalisation"},
	"spectral-norm":   {dcgans, "the DCGAN discriminator's normalisation"},
	"mismatch":        {dcgan, "SD-DCGAN's discriminator inputs (tuples; the AC-DCGAN discriminator judges single images)"},
	"mismatch-weight": {dcgan, "SD-DCGAN's discriminator inputs (tuples; the AC-DCGAN discriminator judges single images)"},
	"mismatch-hard":   {dcgan, "SD-DCGAN's discriminator inputs (tuples; the AC-DCGAN discriminator judges single images)"},
	"info":            {dcgan, "the identity head of SD-DCGAN's Siamese discriminator"},
	"id-triplet":      {dcgan, "the identity head of SD-DCGAN's Siamese discriminator"},
	"d-compare":       {dcgan, "the comparison map of SD-DCGAN's Siamese discriminator"},
	"g-style":         {dcgans, "the DCGAN generator's batch norms"},
	"g-width":         {dcgans, "the DCGAN generator's channel counts"},
	"d-width":         {dcgans, "the DCGAN discriminator's channel counts"},
	"augment":         {dcgans, "the augmentation of the DCGAN discriminator's inputs"},
	"augment-p":       {dcgans, "the augmentation of the DCGAN discriminator's inputs"},
	"augment-target":  {dcgans, "the augmentation of the DCGAN discriminator's inputs"},
	"augment-kimg":    {dcgans, "the augmentation of the DCGAN discriminator's inputs"},
	"augment-per":     {dcgans, "the augmentation of the DCGAN discriminator's inputs"},
}

// The architectures a flag of archFlags applies to.
var (
	dcgan  = []string{model.DCGAN}
	began  = []string{model.BEGAN}
	dcgans = []string{model.DCGAN, model.ACGAN} // SD-DCGAN's discriminator, and AC-DCGAN's built on it
)

// options resolves the flags into train options; for --resume, those of the run, with --steps applied. Flags that
// do not apply to the chosen architecture or loss are usage errors; the values are checked by Options.Validate.
func (f *trainFlags) options(set map[string]bool) (train.Options, error) {
	if f.resume != "" {
		o, _, err := train.ResumeOptions(f.resume)
		if err != nil {
			return o, err
		}
		for name := range set {
			if name != "resume" && name != "steps" && name != "dry-run" {
				return o, usagef("--%s cannot change when resuming: a resumed run keeps its options (only --steps may change)", name)
			}
		}
		if set["steps"] {
			o.Steps = f.o.Steps
		}
		if err := o.Validate(); err != nil {
			return o, usagef("%v", err)
		}
		return o, nil
	}
	if f.arch != model.DCGAN && f.arch != model.BEGAN && f.arch != model.ACGAN {
		return f.o, usagef("--arch %q: want %s, %s or %s", f.arch, model.DCGAN, model.BEGAN, model.ACGAN)
	}
	if !set["mismatch"] {
		f.o.Mismatch = f.arch == model.DCGAN // the default applies where it can: SD-DCGAN's discriminator
	}
	if !set["id-triplet"] && (f.arch != model.DCGAN || f.noSiam || f.o.Info > 0) {
		f.o.IDTriplet = 0 // the default needs the Siamese tower's identity head, which --info would train otherwise
	}
	if !set["d-o"] && f.arch != model.DCGAN {
		f.o.Model.DO = model.DefaultConfig(f.arch, f.res, 1).DO // SPEC's: train.DefaultDO was measured on SD-DCGAN
	}
	names := make([]string, 0, len(set))
	for name := range set {
		names = append(names, name)
	}
	sort.Strings(names) // the same error every time
	for _, name := range names {
		if a, ok := archFlags[name]; ok && !slices.Contains(a.archs, f.arch) {
			return f.o, usagef("--%s does not apply to --arch %s: it sets %s", name, f.arch, a.what)
		}
	}
	if set["clip"] && f.o.Loss != train.LossWGAN {
		return f.o, usagef("--clip applies only to --loss wgan (the loss is %s)", cmp.Or(f.o.Loss, train.LossDCGAN))
	}
	if err := f.penaltyOptions(set); err != nil {
		return f.o, err
	}
	if err := f.augmentOptions(set); err != nil {
		return f.o, err
	}
	if f.betas != "" {
		b1, b2, ok := strings.Cut(f.betas, ",")
		x, err1 := strconv.ParseFloat(strings.TrimSpace(b1), 64)
		y, err2 := strconv.ParseFloat(strings.TrimSpace(b2), 64)
		if !ok || err1 != nil || err2 != nil {
			return f.o, usagef("--adam-betas %q: want two numbers β1,β2, e.g. 0,0.9", f.betas)
		}
		f.o.AdamBetas = []float64{x, y}
	}
	if f.compare && f.noSiam {
		return f.o, usagef("--d-compare compares the per-image features of the Siamese discriminator's tower; --non-siamese stacks the images into one tower, which has none")
	}
	o := f.o
	cfg := model.DefaultConfig(f.arch, f.res, o.Model.Channels)
	cfg.K, cfg.DI, cfg.DO, cfg.Siamese = o.Model.K, o.Model.DI, o.Model.DO, cfg.Siamese && !f.noSiam
	if f.arch == model.BEGAN {
		cfg.Filters = f.filters
	} else {
		cfg.DNorm, cfg.SpectralNorm, cfg.Compare, cfg.GStyle = f.dNorm, f.sn, f.compare, f.gStyle
		if f.gWidth != 1 { // 1, SPEC's, is stored as 0, as checkpoints from before the option have it
			cfg.GWidth = f.gWidth
		}
		if f.dWidth != 1 {
			cfg.DWidth = f.dWidth
		}
		if cfg.DNorm == model.NormBatch {
			cfg.DNorm = "" // the default, as checkpoints from before the option store it
		}
	}
	o.Model = cfg
	o.FontDirs = f.fontDirs
	o = o.Resolve()
	if err := o.Validate(); err != nil {
		return o, usagef("%v", err)
	}
	return o, nil
}

// penaltyOptions clears the gradient penalties' flags that do not apply, refusing them when given: --gp-lambda
// without --loss wgan-gp, --r1-every without --r1, and --d-norm batch with wgan-gp (whose discriminator has none).
func (f *trainFlags) penaltyOptions(set map[string]bool) error {
	if f.o.Loss != train.LossWGANGP {
		if set["gp-lambda"] {
			return usagef("--gp-lambda applies only to --loss %s (the loss is %s)", train.LossWGANGP, cmp.Or(f.o.Loss, train.LossDCGAN))
		}
		f.o.GPLambda = 0
	} else if set["gp-lambda"] && !(f.o.GPLambda > 0) { // 0 would resolve to the default
		return usagef("--gp-lambda %g: want a number in (0, %g]", f.o.GPLambda, float64(train.MaxPenalty))
	} else if set["d-norm"] && f.dNorm == model.NormBatch {
		return usagef("--loss %s needs --d-norm none (its default): the gradient penalty is per tuple, and batch norm makes each tuple's output depend on the others", train.LossWGANGP)
	}
	switch {
	case f.o.R1Gamma == 0 && set["r1-every"]:
		return usagef("--r1-every needs --r1 (the R1 penalty's weight γ)")
	case f.o.R1Gamma == 0:
		f.o.R1Every = 0
	case f.o.R1Every < 1: // 0 would resolve to the default
		return usagef("--r1-every %d: want 1 to %d discriminator updates", f.o.R1Every, train.MaxR1Every)
	}
	return nil
}

// augmentOptions reads --augment-p (a probability or auto) and --augment-per into f.o. Without --augment, the
// augmentation flags are errors rather than silently unused.
func (f *trainFlags) augmentOptions(set map[string]bool) error {
	if f.o.Augment == "" || f.o.Augment == "none" {
		f.o.Augment = ""
		for _, name := range []string{"augment-p", "augment-target", "augment-kimg", "augment-per"} {
			if set[name] {
				return usagef("--%s needs --augment (a policy such as translation,cutout)", name)
			}
		}
		f.o.AugmentP, f.o.AugmentTarget, f.o.AugmentKimg = 0, 0, 0
		return nil
	}
	switch f.augPer {
	case "image":
	case "tuple":
		f.o.AugmentPerTuple = true
	default:
		return usagef("--augment-per %q: want image or tuple", f.augPer)
	}
	if f.augP == "auto" {
		f.o.AugmentP = 0 // ADA starts without augmentation
		return nil
	}
	for _, name := range []string{"augment-target", "augment-kimg"} {
		if set[name] {
			return usagef("--%s applies only with --augment-p auto", name)
		}
	}
	p, err := strconv.ParseFloat(f.augP, 64)
	if err != nil {
		return usagef("--augment-p %q: want a probability in [0, 1], or auto", f.augP)
	}
	f.o.AugmentP, f.o.AugmentTarget, f.o.AugmentKimg = p, 0, 0
	return nil
}

func trainCmd() *command {
	return &command{
		name:    "train",
		summary: "train SD-DCGAN, SD-BEGAN or the AC-DCGAN baseline (default: 32×32 SD-DCGAN on builtin:fonts)",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			fs := newFlagSet("train", "[flags]", stderr)
			var f trainFlags
			f.addFlags(fs)
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q (flags only; see sdgan train -h)", fs.Arg(0))
			}
			set := map[string]bool{}
			fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
			o, err := f.options(set)
			if err != nil {
				return err
			}
			dir := f.resume
			if dir == "" {
				dir = f.out
				if dir == "" {
					dir = filepath.Join("runs", time.Now().Format("20060102-150405"))
				}
				if err := train.CheckNewRun(dir); err != nil {
					return asUsage(err)
				}
			}
			if f.dryRun {
				js, _ := json.MarshalIndent(o, "", "  ")
				fmt.Fprintf(stdout, "run folder: %s\n%s\n", dir, js)
				if o.Model.Channels == 0 {
					fmt.Fprintf(stdout, "channels 0: as the data, decided when %s loads (1 when every image is greyscale, else 3)\n", o.Data)
				}
				if o.Model.Arch == model.ACGAN && o.Model.Classes == 0 {
					fmt.Fprintf(stdout, "classes 0: one identity label per identity of %s with at least k = %d images, counted when it loads\n", o.Data, o.Model.K)
				}
				return nil
			}
			if err := f.device.use(); err != nil {
				return err
			}
			err = train.Run(ctx, train.Job{Options: o, Dir: dir, Resume: f.resume != "", Stdout: stdout, Stderr: stderr})
			return asUsage(err)
		},
	}
}

// asUsage turns a *train.RunDirError (an --out that cannot take a new run) into a usage error.
func asUsage(err error) error {
	var rd *train.RunDirError
	if errors.As(err, &rd) {
		return usagef("%v", err)
	}
	return err
}

// checkWritable makes dir (and its parents) and checks that a file can be created in it, so that a bad --out fails
// before any work. (train no longer uses it: a run folder is made only once the data is checked; eval does.)
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("%s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
