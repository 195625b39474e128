package verify

import "fmt"

// Limits that keep a run's memory bounded, whatever the flags: a batch's activations take about 600 bytes per
// input pixel (four convolutions with batch norm, their gradients and im2col buffers), and the scoring pairs keep
// every image they use as float32.
const (
	MaxBatchPixels = 1 << 21 // images per batch × Res²: 2048 images at 32×32, 512 at 64×64 (about 1.2 GB)
	MaxPairs       = 100000  // held-out pairs scored at the end
	MaxPairBytes   = 1 << 30 // their images: 4 per pair, float32
)

// Options is everything that defines a verifier training run; the checkpoint stores them so that a resumed run
// continues with the same ones.
type Options struct {
	Data            string  `json:"data"`             // builtin:fonts or a folder (see data.Open)
	Res             int     `json:"res"`              // image size (a multiple of 16)
	Channels        int     `json:"channels"`         // 1 or 3; 0 = as the data
	Steps           int64   `json:"steps"`            // optimiser steps in total
	Seed            uint64  `json:"seed"`             // initial weights, the held-out split, batches, scoring pairs
	HeldOut         int     `json:"held_out"`         // identities kept out of training and scored on (≥ 2)
	IDs             int     `json:"ids"`              // identities per batch (P of the P×K batch)
	PerID           int     `json:"per_id"`           // images per identity in a batch (K); sparser identities are dropped
	Loss            string  `json:"loss"`             // LossBatchAll or LossBatchHard
	LR              float64 `json:"lr"`               // Adam learning rate (β 0.9, 0.999)
	Margin          float64 `json:"margin"`           // triplet margin on squared distances (they lie in [0, 4])
	Pairs           int     `json:"pairs"`            // positive (and negative) pairs scored on the held-out identities
	CheckpointEvery int64   `json:"checkpoint_every"` // steps between checkpoints (each also prints the held-out AUC)
	// HeldOutNames, when set, are the identities held out instead of HeldOut drawn by Seed: `--hold-out-from V`
	// copies another verifier's, so that two verifiers that never saw the same identities can steer and judge
	// (sdgan eval project --loss-verifier). HeldOut is then their number.
	HeldOutNames []string `json:"held_out_names,omitempty"`

	// MaxPixels: image files that declare more pixels are refused undecoded (0 = data.DefaultMaxPixels).
	MaxPixels int64 `json:"max_pixels,omitempty"`
}

// Triplet losses.
const (
	LossBatchAll  = "batch-all"  // every valid triplet, averaged over the active ones (BatchAllTriplet)
	LossBatchHard = "batch-hard" // the hardest positive and negative per anchor (BatchHardTriplet)
)

// DefaultOptions returns the options of `sdgan verifier train` with no flags but --data and --out.
func DefaultOptions() Options {
	return Options{Data: "builtin:fonts", Res: 32, Steps: 2000, HeldOut: 25, IDs: 16, PerID: 4, Loss: LossBatchAll, LR: 1e-3,
		Margin: 0.2, Pairs: 2000, CheckpointEvery: 500}
}

// Validate reports the first option out of range, naming its flag.
func (o Options) Validate() error {
	switch {
	case o.Data == "":
		return fmt.Errorf("--data: missing; want builtin:fonts or a folder of identities")
	case o.Res < 16 || o.Res > 256 || o.Res%16 != 0:
		return fmt.Errorf("--res %d: want a multiple of 16 from 16 to 256", o.Res)
	case o.Channels != 0 && o.Channels != 1 && o.Channels != 3:
		return fmt.Errorf("--channels %d: want 0 (as the data), 1 or 3", o.Channels)
	case o.Steps < 1:
		return fmt.Errorf("--steps %d: want at least 1", o.Steps)
	case o.HeldOutNames != nil && len(o.HeldOutNames) != o.HeldOut:
		return fmt.Errorf("held_out_names: %d names for --held-out %d", len(o.HeldOutNames), o.HeldOut)
	case o.HeldOut < 2:
		return fmt.Errorf("--held-out %d: want at least 2 identities (different-identity pairs need 2)", o.HeldOut)
	case o.IDs < 2:
		return fmt.Errorf("--ids %d: want at least 2 identities per batch", o.IDs)
	case o.PerID < 2:
		return fmt.Errorf("--per-id %d: want at least 2 images per identity", o.PerID)
	case o.IDs > MaxBatchPixels || o.PerID > MaxBatchPixels:
		return fmt.Errorf("--ids %d --per-id %d: want at most %d images per batch", o.IDs, o.PerID, MaxBatchPixels/(o.Res*o.Res))
	case o.IDs*o.PerID*o.Res*o.Res > MaxBatchPixels:
		return fmt.Errorf("--ids %d × --per-id %d = %d images of %d×%d per batch: want at most %d at this --res (%d pixels a batch, about 1.2 GB)",
			o.IDs, o.PerID, o.IDs*o.PerID, o.Res, o.Res, MaxBatchPixels/(o.Res*o.Res), MaxBatchPixels)
	case o.Loss != LossBatchAll && o.Loss != LossBatchHard:
		return fmt.Errorf("--loss %q: want %s or %s", o.Loss, LossBatchAll, LossBatchHard)
	case !(o.LR > 0) || o.LR > 1:
		return fmt.Errorf("--lr %g: want a number above 0 and at most 1", o.LR)
	case !(o.Margin > 0) || o.Margin > 4:
		return fmt.Errorf("--margin %g: want a number above 0 and at most 4 (squared distances of unit vectors lie in [0, 4])", o.Margin)
	case o.Pairs < 1 || o.Pairs > MaxPairs:
		return fmt.Errorf("--pairs %d: want 1 to %d", o.Pairs, MaxPairs)
	case int64(o.Pairs)*o.pairBytes() > MaxPairBytes:
		return fmt.Errorf("--pairs %d: at %d×%d×%d their images take %d MiB; want at most %d pairs (%d MiB)",
			o.Pairs, o.Res, o.Res, o.maxChannels(), int64(o.Pairs)*o.pairBytes()>>20, MaxPairBytes/o.pairBytes(), MaxPairBytes>>20)
	case o.CheckpointEvery < 1:
		return fmt.Errorf("--checkpoint-every %d: want at least 1", o.CheckpointEvery)
	}
	return nil
}

// maxChannels is the most channels the images can have: Channels, or 3 when the data decides (0).
func (o Options) maxChannels() int {
	if o.Channels == 0 {
		return 3
	}
	return o.Channels
}

// pairBytes is the most memory one scoring pair's images take: 4 images (a same and a different pair), float32.
func (o Options) pairBytes() int64 { return int64(4 * 4 * o.Res * o.Res * o.maxChannels()) }
