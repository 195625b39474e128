// Package train runs SD-GAN training: the step for each architecture and loss, the loop with progress,
// previews, logs and plots, and checkpoints that resume exactly.
package train

import (
	"errors"
	"fmt"

	"sdgan/augment"
	"sdgan/data"
	"sdgan/model"
	"sdgan/nn/kernels"
)

// Options is everything that defines a training run. A run folder stores them (config.json and every
// checkpoint), so that a resumed run continues with exactly the same ones.
type Options struct {
	Data     string   `json:"data"`      // "builtin:fonts" or a folder
	FontDirs []string `json:"font_dirs"` // builtin:fonts: extra font folders
	Strict   bool     `json:"strict"`    // unreadable images are errors
	// MemoryMiB bounds the decoded images kept in memory (0 = data.DefaultMemoryBudget); a folder data set
	// above it is decoded on the fly by a prefetching loader, giving the same batches.
	MemoryMiB int64 `json:"memory_mib,omitempty"`
	MaxPixels int64 `json:"max_pixels,omitempty"` // image files declaring more pixels are refused undecoded (0 = data.DefaultMaxPixels)

	// Identities kept out of training (see holdout.go): the held-out identities of the verifier HoldOutFrom, or
	// HoldOutCount identities drawn with the run's seed; HoldOut is their names, resolved when the run starts and
	// stored, so that a resumed run holds out the same ones. All empty: every identity is trained on.
	HoldOutFrom  string   `json:"hold_out_from,omitempty"`
	HoldOutCount int      `json:"hold_out_count,omitempty"`
	HoldOut      []string `json:"hold_out,omitempty"`

	Model model.Config `json:"model"`

	// LossDCGAN, LossLSGAN, LossWGAN, LossHinge (dcgan and acgan archs; for acgan the identity cross-entropy is
	// added), LossWGANGP (dcgan arch) or LossBEGAN (began arch)
	Loss   string  `json:"loss"`
	Tuples int     `json:"tuples"`  // k-tuples per batch (SPEC: 16, i.e. 32 images at k = 2); acgan: tuples × k single images
	Steps  int64   `json:"steps"`   // generator updates in total
	DPerG  int     `json:"d_per_g"` // discriminator updates per generator update (DCGAN losses)
	LRG    float64 `json:"lr_g"`    // learning rates; 0 = the loss's default
	LRD    float64 `json:"lr_d"`    //
	// Mismatch also shows the discriminator real tuples made of different identities, as fakes (a
	// matching-aware discriminator, as GAN-CLS's; Reed et al. 2016): it must then judge whether a tuple keeps one
	// identity, not only whether its images look real. SD-DCGAN only.
	Mismatch bool `json:"mismatch,omitempty"`
	// MismatchWeight is the mismatched tuples' share of the discriminator's fake term, as a weight against the
	// generator's fakes: the fake term is (fakes + w·mismatched)/(1 + w). 0 (the default) concatenates the two
	// sides into one mean, which is the same value as w = 1 (the two sides are equally many) in other bits.
	MismatchWeight float64 `json:"mismatch_weight,omitempty"`
	// MismatchHard makes the mismatched tuples hard: each pairs a tuple's identity with the batch's identities
	// that look most like it (by their mean images, see identityLooks) instead of its neighbours in the batch.
	MismatchHard bool `json:"mismatch_hard,omitempty"`
	// Info weighs an InfoGAN loss on the identity code (0 = none): the discriminator's identity head
	// (Config.InfoHead, which Resolve sets from Info) estimates each generated image's z_I from that image alone, and
	// both networks minimise Info × the mean squared error of the estimate, so that every image carries its
	// identity whatever its z_O. Siamese SD-DCGAN only.
	Info float64 `json:"info,omitempty"`
	// IDTriplet weighs a triplet loss on the discriminator's identity head (0 = none): the head (Config.InfoHead)
	// embeds each image from its own tower output; the discriminator learns it on the real images, their
	// identities the labels (the verifier's batch-all loss, margin IDTripletMargin, on unit embeddings), and the
	// generator minimises the same loss on its fakes with their z_I as the labels, so that images that share z_I
	// embed as one identity and images that do not embed apart. Siamese SD-DCGAN only; not with Info.
	IDTriplet float64 `json:"id_triplet,omitempty"`
	// Precision of the GEMMs, and so of every convolution and dense layer: "" (fp32) or "bf16" (both operands
	// rounded to bfloat16, fp32 accumulation, as PyTorch's bf16 autocast; weights, optimiser state and
	// activations stay fp32). bf16 needs a CPU with AVX512_BF16. Run switches the kernels for the whole process
	// (kernels.UseBF16): one precision per process.
	Precision string `json:"precision,omitempty"`
	// AdamBetas overrides the loss's Adam β1, β2 (nil: the loss's; SAGAN's TTUR uses 0 and 0.9).
	AdamBetas  []float64 `json:"adam_betas,omitempty"`
	Clip       float64   `json:"clip"`        // WGAN weight clipping bound (SPEC: 0.01)
	Gamma      float64   `json:"gamma"`       // BEGAN diversity ratio γ (SPEC: 0.5)
	LambdaK    float64   `json:"lambda_k"`    // BEGAN k_t learning rate λ_k (SPEC: 0.001)
	LRHalve    int64     `json:"lr_halve"`    // BEGAN: halve the learning rates every this many steps (SPEC: 100000)
	LRMin      float64   `json:"lr_min"`      // BEGAN: down to this (SPEC: 2e-5)
	Seed       uint64    `json:"seed"`        // everything random derives from it
	PreviewIDs int       `json:"preview_ids"` // preview grid rows (identities), SPEC: 6
	PreviewObs int       `json:"preview_obs"` // preview grid columns (observations), SPEC: 8

	// Gradient penalties (loss.go): WGAN-GP's λ (--loss wgan-gp only; 0 = 10, the paper's), and R1's γ on the
	// real tuples (0 = none; --loss dcgan and hinge) added every R1Every discriminator updates, multiplied by
	// R1Every (StyleGAN2's lazy regularisation; 0 = 16).
	GPLambda float64 `json:"gp_lambda,omitempty"`
	R1Gamma  float64 `json:"r1_gamma,omitempty"`
	R1Every  int     `json:"r1_every,omitempty"`

	// The generator's exponential moving average (see ema): its half-life in thousands of images (0 = none),
	// and its ramp-up (the half-life is at most EMARampUp × the images seen; 0 = none).
	EMAKimg   float64 `json:"ema_kimg,omitempty"`
	EMARampUp float64 `json:"ema_rampup,omitempty"`
	// Differentiable augmentation of what the discriminator sees (package augment): the policy ("" = none), the
	// probability of each transform (with AugmentTarget > 0, its starting value: ADA's adaptive strength then
	// keeps the mean sign of the discriminator's real outputs at AugmentTarget, moving p by up to 1 per
	// AugmentKimg thousand images), and whether a tuple's images share their draws.
	Augment         string  `json:"augment,omitempty"`
	AugmentP        float64 `json:"augment_p,omitempty"`
	AugmentTarget   float64 `json:"augment_target,omitempty"`
	AugmentKimg     float64 `json:"augment_kimg,omitempty"`
	AugmentPerTuple bool    `json:"augment_per_tuple,omitempty"`

	// Evaluation during training (see evaluate.go): a verifier (folder or file; "" = none), the steps between
	// evaluations, the pairs of each kind, and the figure that picks best.safetensors.
	Verifier   string `json:"verifier,omitempty"`
	EvalEvery  int64  `json:"eval_every,omitempty"`
	EvalPairs  int    `json:"eval_pairs,omitempty"`
	BestMetric string `json:"best_metric,omitempty"`

	PreviewEvery    int64 `json:"preview_every"`    // steps between preview grids (and plot refreshes)
	CheckpointEvery int64 `json:"checkpoint_every"` // steps between checkpoints
	LogEvery        int64 `json:"log_every"`        // steps between stats.jsonl lines
	Keep            int   `json:"keep"`             // checkpoints kept (the newest)
}

// DefaultDO is SD-DCGAN's default observation code size d_O in `sdgan train`: 10, not SPEC's 50, chosen by
// measurement (QUALITY.md): with less room in z_O, the generator keeps more of an identity's look in z_I.
// SD-BEGAN and AC-DCGAN keep SPEC's 50 (model.DefaultConfig).
const DefaultDO = 10

// DefaultIDTriplet is SD-DCGAN's default --id-triplet weight in `sdgan train`, chosen by measurement (QUALITY.md):
// identity up on both seeds and on a second data set, at the same variety within an identity and a better Fréchet
// distance. It applies to the Siamese SD-DCGAN only; set Options.IDTriplet to 0 for any other discriminator.
const DefaultIDTriplet = 3

// The precisions of Options.Precision.
const (
	PrecisionFP32 = "fp32"
	PrecisionBF16 = "bf16"
)

// Defaults returns the options of `sdgan train` with no flags: the 32×32 SD-DCGAN on builtin:fonts, with the
// generator's moving average (10 kimg half-life, ramped up over the first 5% of images) and the matching-aware
// discriminator (Mismatch) and the identity triplet loss (IDTriplet), all chosen by measurement (QUALITY.md).
// Mismatch and IDTriplet apply to the Siamese SD-DCGAN only: set them to false and 0 when changing Model.Arch
// or Model.Siamese.
func Defaults() Options {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	cfg.DO = DefaultDO
	return Options{
		Data: "builtin:fonts", Model: cfg, Loss: LossDCGAN, Tuples: 16,
		Mismatch: true, IDTriplet: DefaultIDTriplet, EMAKimg: 10, EMARampUp: 0.05,
		Steps: 5000, DPerG: 1, Clip: 0.01, Gamma: 0.5, LambdaK: 0.001, LRHalve: 100000, LRMin: 2e-5,
		PreviewIDs: 6, PreviewObs: 8, PreviewEvery: 250, CheckpointEvery: 500, LogEvery: 10, Keep: 3,
		EvalPairs: 250, BestMetric: "frechet_embedding",
	}
}

// Limits on Options beyond the model's (model.Config.Validate). They are far above the paper's runs (16 tuples of
// k = 2; 100,000s of steps) and keep a run's memory and file names bounded whatever the flags or a checkpoint say.
const (
	MaxBatchImages = 2048          // tuples per batch × k: the images of a batch, whose activations dominate memory
	MaxSteps       = 1_000_000_000 // steps: the step count fits an int32 and preview names stay 9 digits
	MaxDPerG       = 100           // discriminator updates per generator update
	MaxPreview     = 64            // preview grid rows or columns
	MaxLR          = 1.0           // learning rates, and λ_k
	MaxMemoryMiB   = 1 << 30       // --memory-budget (a PiB; the budget in bytes fits an int64)
	MaxKimg        = 1e6           // --ema-kimg and --augment-kimg: a billion images
	MaxEvalPairs   = 10000         // --eval-pairs: pairs of each kind per evaluation
	MaxPenalty     = 1e4           // --gp-lambda and --r1: the weights of the gradient penalties
	MaxR1Every     = 1_000_000     // --r1-every: discriminator updates between R1 penalties
)

// flagOf names the flag of each model.Config field that one sets (fields that no flag sets keep their JSON name).
var flagOf = map[string]string{"arch": "--arch", "res": "--res", "channels": "--channels", "k": "--k", "d_i": "--d-i",
	"d_o": "--d-o", "filters": "--filters"}

// Resolve fills in what the options leave to a default, so that config.json and --dry-run show what the run uses:
// the architecture's loss ("" → dcgan or began), the loss's learning rates (0 → its default), the data's
// natural channel count for builtin:fonts (0 → 1; a folder's stays 0 until Run opens it, as data.Open decides),
// and for the gradient penalties λ = 10, R1 every 16 updates, and for WGAN-GP a discriminator without batch norm
// (d_norm "" → none: the penalty needs each tuple's own gradient, and batch norm couples the tuples), and the
// discriminator's identity head where --info weighs its loss.
// AC-DCGAN's number of identity labels stays 0 until Run opens the data: it is the data's number of identities.
func (o Options) Resolve() Options {
	if o.Precision == PrecisionFP32 {
		o.Precision = "" // fp32 is the default, as checkpoints from before the option store it
	}
	if o.Loss == "" {
		o.Loss = LossDCGAN
		if o.Model.Arch == model.BEGAN {
			o.Loss = LossBEGAN
		}
	}
	if o.LRG == 0 {
		o.LRG = losses[o.Loss].lrG
	}
	if o.LRD == 0 {
		o.LRD = losses[o.Loss].lrD
	}
	if o.Model.Channels == 0 && o.Data == data.BuiltinFonts {
		o.Model.Channels = 1 // a folder's stays 0 until Run opens it: 1 when every image is grey, else 3
	}
	if o.Loss == LossWGANGP {
		if o.GPLambda == 0 {
			o.GPLambda = 10
		}
		if o.Model.Arch == model.DCGAN && o.Model.DNorm == "" {
			o.Model.DNorm = model.NormNone
		}
	}
	if o.R1Gamma > 0 && o.R1Every == 0 {
		o.R1Every = 16
	}
	o.Model.InfoHead = o.Info > 0 || o.IDTriplet > 0 // the discriminator has the identity head exactly when a loss on it is weighed
	return o
}

// Validate reports the first option out of range, naming its flag and the limit. Comparisons are written so that
// NaN fails them. It is the one check of a run's options: the command line, Run and a resumed checkpoint's options
// all go through it.
func (o Options) Validate() error {
	m := o.Model
	if m.Channels == 0 { // as the data: 1 or 3, both valid; Run checks again once the data has decided
		m.Channels = 1
	}
	if m.Arch == model.ACGAN && m.Classes == 0 { // as the data's identities; Run checks again once it has them
		m.Classes = 2
	}
	if o.Info > 0 && (m.Arch != model.DCGAN || !m.Siamese) { // before the model's own check of the head Resolve adds
		return fmt.Errorf("--info %g: the identity head reads each image's own features, which only the Siamese SD-DCGAN discriminator has (--arch %s, siamese %v)",
			o.Info, m.Arch, m.Siamese)
	}
	if o.IDTriplet > 0 && (m.Arch != model.DCGAN || !m.Siamese) {
		return fmt.Errorf("--id-triplet %g: the identity head reads each image's own features, which only the Siamese SD-DCGAN discriminator has (--arch %s, siamese %v)",
			o.IDTriplet, m.Arch, m.Siamese)
	}
	if err := m.Validate(); err != nil {
		var ce *model.ConfigError
		if !errors.As(err, &ce) {
			return err
		}
		if ce.Field == "" {
			return fmt.Errorf("model too large: %v (lower --filters, --d-i, --d-o or --k)", ce.Value)
		}
		if f, ok := flagOf[ce.Field]; ok {
			return fmt.Errorf("%s %v: want %s", f, ce.Value, ce.Want)
		}
		return fmt.Errorf("model %w", err)
	}
	arch := o.Model.Arch
	rate := func(v float64) bool { return v >= 0 && v <= MaxLR }
	switch {
	case arch != model.BEGAN && (losses[o.Loss].d == nil):
		return fmt.Errorf("--loss %q: want %s, %s, %s, %s or %s for --arch %s", o.Loss, LossDCGAN, LossLSGAN, LossWGAN,
			LossWGANGP, LossHinge, arch)
	case arch == model.BEGAN && o.Loss != LossBEGAN:
		return fmt.Errorf("--loss %q: --arch began trains with its own loss %q", o.Loss, LossBEGAN)
	case o.Tuples < 2 || int64(o.Tuples)*int64(o.Model.K) > MaxBatchImages:
		return fmt.Errorf("--batch %d: want at least 2 tuples (batch norm needs a batch) and at most %d images per batch (--batch × --k %d)",
			o.Tuples, MaxBatchImages, o.Model.K)
	case o.Steps < 1 || o.Steps > MaxSteps:
		return fmt.Errorf("--steps %d: want 1 to %d", o.Steps, MaxSteps)
	case o.DPerG < 1 || o.DPerG > MaxDPerG:
		return fmt.Errorf("--d-per-g %d: want 1 to %d", o.DPerG, MaxDPerG)
	case !rate(o.LRG):
		return fmt.Errorf("--lr-g %g: want a number in [0, %g] (0 = the loss's default)", o.LRG, MaxLR)
	case !rate(o.LRD):
		return fmt.Errorf("--lr-d %g: want a number in [0, %g] (0 = the loss's default)", o.LRD, MaxLR)
	case o.Loss == LossWGAN && !(o.Clip > 0 && o.Clip <= 1):
		return fmt.Errorf("--clip %g: want a bound in (0, 1]", o.Clip)
	case o.Loss == LossWGANGP && arch != model.DCGAN:
		return fmt.Errorf("--loss %s applies to --arch %s (its penalty is per tuple); --arch %s has no penalised step", o.Loss, model.DCGAN, arch)
	case o.R1Gamma > 0 && arch != model.DCGAN:
		return fmt.Errorf("--r1 applies to --arch %s (its penalty is per tuple); --arch %s has no penalised step", model.DCGAN, arch)
	case o.Loss == LossWGANGP && o.Model.DNorm != model.NormNone:
		return fmt.Errorf("--loss %s: want --d-norm none (the default with this loss): the gradient penalty is per tuple, and batch norm makes each tuple's output depend on the others", o.Loss)
	case o.Loss == LossWGANGP && !(o.GPLambda > 0 && o.GPLambda <= MaxPenalty):
		return fmt.Errorf("--gp-lambda %g: want a number in (0, %g]", o.GPLambda, float64(MaxPenalty))
	case o.Loss != LossWGANGP && o.GPLambda != 0:
		return fmt.Errorf("--gp-lambda applies only to --loss %s (the loss is %s)", LossWGANGP, o.Loss)
	case !(o.R1Gamma >= 0 && o.R1Gamma <= MaxPenalty):
		return fmt.Errorf("--r1 %g: want γ in [0, %g] (0 = none)", o.R1Gamma, float64(MaxPenalty))
	case o.R1Gamma > 0 && o.Loss != LossDCGAN && o.Loss != LossHinge:
		return fmt.Errorf("--r1 applies to --loss %s and %s (the loss is %s)", LossDCGAN, LossHinge, o.Loss)
	case o.R1Gamma > 0 && (o.R1Every < 1 || o.R1Every > MaxR1Every):
		return fmt.Errorf("--r1-every %d: want 1 to %d discriminator updates", o.R1Every, MaxR1Every)
	case o.R1Gamma == 0 && o.R1Every != 0:
		return fmt.Errorf("--r1-every %d applies only with --r1", o.R1Every)
	case !(o.Gamma > 0 && o.Gamma <= 1):
		return fmt.Errorf("--gamma %g: want a number in (0, 1]", o.Gamma)
	case !rate(o.LambdaK):
		return fmt.Errorf("--lambda-k %g: want a number in [0, %g]", o.LambdaK, MaxLR)
	case o.LRHalve < 0:
		return fmt.Errorf("lr_halve %d: want ≥ 0 steps (0 = never)", o.LRHalve)
	case !rate(o.LRMin):
		return fmt.Errorf("lr_min %g: want a number in [0, %g]", o.LRMin, MaxLR)
	case o.PreviewIDs < 1 || o.PreviewObs < 1 || o.PreviewIDs > MaxPreview || o.PreviewObs > MaxPreview:
		return fmt.Errorf("preview grid %d×%d: want 1 to %d rows and columns", o.PreviewIDs, o.PreviewObs, MaxPreview)
	case o.PreviewEvery < 1 || o.CheckpointEvery < 1 || o.LogEvery < 1:
		return fmt.Errorf("--preview-every %d, --checkpoint-every %d, --log-every %d: want each ≥ 1", o.PreviewEvery, o.CheckpointEvery, o.LogEvery)
	case o.Keep < 1:
		return fmt.Errorf("--keep %d: want at least 1 checkpoint kept", o.Keep)
	case o.MemoryMiB < 0 || o.MemoryMiB > MaxMemoryMiB:
		return fmt.Errorf("--memory-budget %d: want 0 (the default) to %d MiB", o.MemoryMiB, int64(MaxMemoryMiB))
	case o.Precision != "" && o.Precision != PrecisionFP32 && o.Precision != PrecisionBF16:
		return fmt.Errorf("--precision %q: want %s or %s", o.Precision, PrecisionFP32, PrecisionBF16)
	case o.Precision == PrecisionBF16 && !kernels.BF16Available():
		return fmt.Errorf("--precision bf16: %w", kernels.BF16Unavailable())
	case !(o.Info >= 0 && o.Info <= MaxPenalty):
		return fmt.Errorf("--info %g: want a weight in [0, %g] (0 = none)", o.Info, float64(MaxPenalty))
	case !(o.IDTriplet >= 0 && o.IDTriplet <= MaxPenalty):
		return fmt.Errorf("--id-triplet %g: want a weight in [0, %g] (0 = none)", o.IDTriplet, float64(MaxPenalty))
	case o.IDTriplet > 0 && o.Info > 0:
		return fmt.Errorf("--id-triplet %g with --info %g: both train the discriminator's one identity head, for different ends; choose one", o.IDTriplet, o.Info)
	case !(o.MismatchWeight >= 0 && o.MismatchWeight <= MaxPenalty):
		return fmt.Errorf("--mismatch-weight %g: want a weight in [0, %g] (0 = the default, an equal share)", o.MismatchWeight, float64(MaxPenalty))
	case o.MismatchHard && !o.Mismatch:
		return fmt.Errorf("--mismatch-hard: it chooses the mismatched tuples, which --mismatch=false turns off")
	case o.MismatchWeight > 0 && !o.Mismatch:
		return fmt.Errorf("--mismatch-weight %g: it weighs the mismatched tuples, which --mismatch=false turns off", o.MismatchWeight)
	case o.Mismatch && o.Model.Arch == model.ACGAN:
		return fmt.Errorf("--mismatch: it shows the discriminator tuples of different identities; the AC-DCGAN discriminator judges single images (its class head judges identity)")
	case o.Mismatch && o.Model.Arch != model.DCGAN:
		return fmt.Errorf("--mismatch: it applies to the SD-DCGAN discriminator; --arch %s has none", o.Model.Arch)
	case o.AdamBetas != nil && (len(o.AdamBetas) != 2 || !(o.AdamBetas[0] >= 0 && o.AdamBetas[0] < 1) || !(o.AdamBetas[1] > 0 && o.AdamBetas[1] < 1)):
		return fmt.Errorf("--adam-betas %v: want β1,β2 with 0 ≤ β1 < 1 and 0 < β2 < 1", o.AdamBetas)
	case o.AdamBetas != nil && losses[o.Loss].opt != optAdam:
		return fmt.Errorf("--adam-betas: --loss %s trains with %s, not Adam", o.Loss, losses[o.Loss].opt)
	case !(o.EMAKimg >= 0 && o.EMAKimg <= MaxKimg):
		return fmt.Errorf("--ema-kimg %g: want 0 (none) to %g thousand images", o.EMAKimg, float64(MaxKimg))
	case !(o.EMARampUp >= 0 && o.EMARampUp <= 1):
		return fmt.Errorf("--ema-rampup %g: want a fraction in [0, 1] (0 = none)", o.EMARampUp)
	case o.HoldOutFrom != "" && o.HoldOutCount != 0:
		return fmt.Errorf("--hold-out-from %s and --hold-out %d: give one way of holding identities out", o.HoldOutFrom, o.HoldOutCount)
	case o.HoldOutCount < 0:
		return fmt.Errorf("--hold-out %d: want a number of identities ≥ 1 (0 = none)", o.HoldOutCount)
	case (o.Verifier == "") != (o.EvalEvery == 0):
		return fmt.Errorf("--verifier %q and --eval-every %d: give both (evaluation during training) or neither", o.Verifier, o.EvalEvery)
	case o.EvalEvery < 0:
		return fmt.Errorf("--eval-every %d: want ≥ 1 steps", o.EvalEvery)
	case o.Verifier != "" && (o.EvalPairs < 2 || o.EvalPairs > MaxEvalPairs):
		return fmt.Errorf("--eval-pairs %d: want 2 to %d", o.EvalPairs, MaxEvalPairs)
	case o.Verifier != "" && !isBestMetric(o.BestMetric):
		return fmt.Errorf("--best-metric %q: want one of %s", o.BestMetric, bestMetricNames())
	}
	return o.validateAugment()
}

// validateAugment checks the augmentation options.
func (o Options) validateAugment() error {
	policy, err := augment.ParsePolicy(o.Augment)
	switch {
	case err != nil:
		return fmt.Errorf("--augment: %w", err)
	case !policy.Empty() && o.Model.Arch == model.BEGAN:
		return fmt.Errorf("--augment %s: augmentation applies to the SD-DCGAN and AC-DCGAN discriminators; --arch %s has none", o.Augment, o.Model.Arch)
	case o.AugmentPerTuple && o.Model.Arch == model.ACGAN:
		return fmt.Errorf("--augment-per tuple: the AC-DCGAN discriminator judges single images, so there are no tuples to augment alike")
	case !(o.AugmentP >= 0 && o.AugmentP <= 1):
		return fmt.Errorf("--augment-p %g: want a probability in [0, 1], or auto", o.AugmentP)
	case !(o.AugmentTarget >= 0 && o.AugmentTarget < 1):
		return fmt.Errorf("--augment-target %g: want a number in (0, 1) (with --augment-p auto)", o.AugmentTarget)
	case o.AugmentTarget > 0 && !(o.AugmentKimg > 0 && o.AugmentKimg <= MaxKimg):
		return fmt.Errorf("--augment-kimg %g: want more than 0 and at most %g thousand images", o.AugmentKimg, float64(MaxKimg))
	}
	return nil
}

// learningRates returns the generator's and discriminator's learning rates at a step: the loss's defaults (or the
// options'), halved every LRHalve steps for BEGAN down to LRMin.
func (o Options) learningRates(step int64) (g, d float64) {
	spec := losses[o.Loss]
	g, d = spec.lrG, spec.lrD
	if o.LRG > 0 {
		g = o.LRG
	}
	if o.LRD > 0 {
		d = o.LRD
	}
	if o.Loss == LossBEGAN && o.LRHalve > 0 {
		for range min(step/o.LRHalve, 1100) { // 1100 halvings take any float64 to 0: stop there
			g, d = max(g/2, min(g, o.LRMin)), max(d/2, min(d, o.LRMin))
		}
	}
	return g, d
}
