// Package train runs SD-GAN training: the step for each architecture and loss, the loop with progress,
// previews, logs and plots, and checkpoints that resume exactly.
package train

import (
	"fmt"

	"sdgan/model"
)

// Losses for SD-DCGAN (SPEC's table; the optimiser goes with the loss). SD-BEGAN has its own loss.
const (
	LossDCGAN = "dcgan" // non-saturating cross-entropy, Adam 2e-4 β1 0.5
	LossLSGAN = "lsgan" // least squares, RMSProp 1e-4
	LossWGAN  = "wgan"  // Wasserstein with weight clipping ±0.01, RMSProp 5e-5
	LossBEGAN = "began" // BEGAN's autoencoder losses with k_t control, Adam 8e-5 β1 0.5
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

	Model model.Config `json:"model"`

	Loss       string  `json:"loss"`        // LossDCGAN, LossLSGAN, LossWGAN (dcgan arch) or LossBEGAN (began arch)
	Tuples     int     `json:"tuples"`      // k-tuples per batch (SPEC: 16, i.e. 32 images at k = 2)
	Steps      int64   `json:"steps"`       // generator updates in total
	DPerG      int     `json:"d_per_g"`     // discriminator updates per generator update (DCGAN losses)
	LRG        float64 `json:"lr_g"`        // learning rates; 0 = the loss's default
	LRD        float64 `json:"lr_d"`        //
	Clip       float64 `json:"clip"`        // WGAN weight clipping bound (SPEC: 0.01)
	Gamma      float64 `json:"gamma"`       // BEGAN diversity ratio γ (SPEC: 0.5)
	LambdaK    float64 `json:"lambda_k"`    // BEGAN k_t learning rate λ_k (SPEC: 0.001)
	LRHalve    int64   `json:"lr_halve"`    // BEGAN: halve the learning rates every this many steps (SPEC: 100000)
	LRMin      float64 `json:"lr_min"`      // BEGAN: down to this (SPEC: 2e-5)
	Seed       uint64  `json:"seed"`        // everything random derives from it
	PreviewIDs int     `json:"preview_ids"` // preview grid rows (identities), SPEC: 6
	PreviewObs int     `json:"preview_obs"` // preview grid columns (observations), SPEC: 8

	PreviewEvery    int64 `json:"preview_every"`    // steps between preview grids (and plot refreshes)
	CheckpointEvery int64 `json:"checkpoint_every"` // steps between checkpoints
	LogEvery        int64 `json:"log_every"`        // steps between stats.jsonl lines
	Keep            int   `json:"keep"`             // checkpoints kept (the newest)
}

// Defaults returns the options of `sdgan train` with no flags: the 32×32 SD-DCGAN on builtin:fonts.
func Defaults() Options {
	return Options{
		Data: "builtin:fonts", Model: model.DefaultConfig(model.DCGAN, 32, 1), Loss: LossDCGAN, Tuples: 16,
		Steps: 5000, DPerG: 1, Clip: 0.01, Gamma: 0.5, LambdaK: 0.001, LRHalve: 100000, LRMin: 2e-5,
		PreviewIDs: 6, PreviewObs: 8, PreviewEvery: 250, CheckpointEvery: 500, LogEvery: 10, Keep: 3,
	}
}

// Validate reports the first option out of range, naming its flag.
func (o Options) Validate() error {
	if err := o.Model.Validate(); err != nil {
		return err
	}
	arch := o.Model.Arch
	switch {
	case arch == model.DCGAN && o.Loss != LossDCGAN && o.Loss != LossLSGAN && o.Loss != LossWGAN:
		return fmt.Errorf("--loss %q: want %s, %s or %s for --arch %s", o.Loss, LossDCGAN, LossLSGAN, LossWGAN, arch)
	case arch == model.BEGAN && o.Loss != LossBEGAN:
		return fmt.Errorf("--loss %q: --arch began trains with its own loss %q", o.Loss, LossBEGAN)
	case o.Tuples < 2:
		return fmt.Errorf("--batch %d: want at least 2 tuples (batch norm needs a batch)", o.Tuples)
	case o.Steps < 1:
		return fmt.Errorf("--steps %d: want at least 1", o.Steps)
	case o.DPerG < 1:
		return fmt.Errorf("--d-per-g %d: want at least 1", o.DPerG)
	case o.LRG < 0 || o.LRD < 0:
		return fmt.Errorf("--lr-g %g / --lr-d %g: want ≥ 0 (0 = the loss's default)", o.LRG, o.LRD)
	case o.Loss == LossWGAN && o.Clip <= 0:
		return fmt.Errorf("--clip %g: want a positive bound", o.Clip)
	case o.Gamma <= 0 || o.Gamma > 1:
		return fmt.Errorf("--gamma %g: want in (0, 1]", o.Gamma)
	case o.LambdaK < 0:
		return fmt.Errorf("--lambda-k %g: want ≥ 0", o.LambdaK)
	case o.PreviewIDs < 1 || o.PreviewObs < 1:
		return fmt.Errorf("preview grid %d×%d: want at least 1×1", o.PreviewIDs, o.PreviewObs)
	case o.PreviewEvery < 1 || o.CheckpointEvery < 1 || o.LogEvery < 1:
		return fmt.Errorf("--preview-every %d, --checkpoint-every %d, --log-every %d: want each ≥ 1", o.PreviewEvery, o.CheckpointEvery, o.LogEvery)
	case o.Keep < 1:
		return fmt.Errorf("--keep %d: want at least 1 checkpoint kept", o.Keep)
	}
	return nil
}

// learningRates returns the generator's and discriminator's learning rates at a step: the loss's defaults (or the
// options'), halved every LRHalve steps for BEGAN down to LRMin.
func (o Options) learningRates(step int64) (g, d float64) {
	def := map[string]float64{LossDCGAN: 2e-4, LossLSGAN: 1e-4, LossWGAN: 5e-5, LossBEGAN: 8e-5}[o.Loss]
	g, d = def, def
	if o.LRG > 0 {
		g = o.LRG
	}
	if o.LRD > 0 {
		d = o.LRD
	}
	if o.Loss == LossBEGAN && o.LRHalve > 0 {
		for range step / o.LRHalve {
			g, d = max(g/2, min(g, o.LRMin)), max(d/2, min(d, o.LRMin))
		}
	}
	return g, d
}
