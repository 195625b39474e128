package main

import "sdgan/model"

// weightsFlag is --weights: which generator of a checkpoint a command loads (model.Weights).
type weightsFlag struct{ w model.Weights }

const weightsUsage = "which generator of the checkpoint: auto (its moving average G_ema when it has one, else the trained weights), ema or raw"

func (f *weightsFlag) String() string {
	if f == nil || f.w == model.WeightsAuto {
		return "auto"
	}
	return string(f.w)
}

func (f *weightsFlag) Set(s string) error {
	w, err := model.ParseWeights(s)
	if err != nil {
		return err
	}
	f.w = w
	return nil
}
