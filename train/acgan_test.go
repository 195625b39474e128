package train

import (
	"context"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sdgan/model"
	"sdgan/nn"
)

// The identity cross-entropy on numbers worked out by hand: logits [[1, 2, 3], [0, 0, 0]] with labels [2, 0] give
// ½[log(1 + e⁻¹ + e⁻²) + log 3] = 0.7531091, and the gradient (softmax − onehot)/2 row by row.
func TestClassCrossEntropy(t *testing.T) {
	tp := nn.NewTape()
	logits := tp.Input([]float32{1, 2, 3, 0, 0, 0}, 2, 3)
	logits.SetRequiresGrad(true)
	ce := classCE(logits, []int{2, 0})
	tp.Backward(ce)
	near := func(what string, got float32, want float64) {
		t.Helper()
		if math.Abs(float64(got)-want) > 1e-6 {
			t.Errorf("%s = %.7f, want %.7f", what, got, want)
		}
	}
	near("CE", ce.Item(), 0.7531091)
	grad := logits.GradToHost()
	for i, want := range []float64{0.0450153, 0.1223642, -0.1673795, -1.0 / 3, 1.0 / 6, 1.0 / 6} {
		near("∂CE/∂logits", grad[i], want)
	}
	if acc := classAccuracy(logits, []int{2, 0}); acc != 1 {
		t.Errorf("accuracy %g, want 1 (row 0's top is 2; row 1 ties, first index 0)", acc)
	}

	// Finite differences on random logits, large ones included (the maximum is subtracted).
	rng := rand.New(rand.NewPCG(3, 4))
	n, c := 4, 7
	data := make([]float32, n*c)
	for i := range data {
		data[i] = float32(6*rng.Float64() - 3)
	}
	data[5] = 80
	labels := []int{5, 0, 6, 3}
	tp = nn.NewTape()
	x := tp.Input(data, n, c)
	x.SetRequiresGrad(true)
	tp.Backward(classCE(x, labels))
	value := func() float64 { return float64(classCE(nn.FromData(data, n, c), labels).Item()) }
	grad = x.GradToHost()
	const eps = 1e-2
	for i := range data {
		old := data[i]
		data[i] = old + eps
		up := value()
		data[i] = old - eps
		down := value()
		data[i] = old
		if num := (up - down) / (2 * eps); math.Abs(num-float64(grad[i])) > 1e-3+1e-2*math.Abs(num) {
			t.Errorf("∂CE/∂logits[%d]: backward %g, finite differences %g", i, grad[i], num)
		}
	}
}

// The AC-GAN losses on discriminator outputs [n, 1 + 3], worked out by hand: the real/fake column is
// TestLossValuesAndGradients' (real [1.5, −2], fake [0.5, 3], whose dcgan losses are 1.5877514 and 0.2613322), the
// class logits real [[1, 2, 3], [0, 0, 0]] with labels [2, 0] (CE 0.7531091) and fake [[0, 0, 0], [1, 2, 3]] with
// labels [1, 0] (CE log 3 and 3 + log(1 + e⁻¹ + e⁻²) − 1 = 2.4076060: mean 1.7531091).
//
//	D = 1.5877514 + ½(0.7531091 + 1.7531091) = 2.8408605      G = 0.2613322 + 1.7531091 = 2.0144413
func TestACGANLossValuesAndGradients(t *testing.T) {
	spec := losses[LossDCGAN]
	tp := nn.NewTape()
	real := tp.Input([]float32{1.5, 1, 2, 3, -2, 0, 0, 0}, 2, 4)
	fake := tp.Input([]float32{0.5, 0, 0, 0, 3, 1, 2, 3}, 2, 4)
	real.SetRequiresGrad(true)
	fake.SetRequiresGrad(true)
	near := func(what string, got float32, want float64) {
		t.Helper()
		if math.Abs(float64(got)-want) > 1e-5 {
			t.Errorf("%s = %.7f, want %.7f", what, got, want)
		}
	}
	ld, parts := spec.acD(real, fake, []int{2, 0}, []int{1, 0})
	tp.Backward(ld)
	near("D loss", ld.Item(), 2.8408605)
	near("CE real", float32(parts.CEReal), 0.7531091)
	near("CE fake", float32(parts.CEFake), 1.7531091)
	near("class accuracy", float32(parts.AccReal), 1)
	// ∂D/∂real: the dcgan column, then ½ of the cross-entropy's gradient; the same for fake.
	wantReal := []float64{-0.0456064, 0.0225076, 0.0611821, -0.0836898, -0.2201993, -1.0 / 6, 1.0 / 12, 1.0 / 12}
	wantFake := []float64{0.1556148, 1.0 / 12, -1.0 / 6, 1.0 / 12, 0.2381435, -0.2274924, 0.0611821, 0.1663102}
	dReal, dFake := real.GradToHost(), fake.GradToHost()
	for i := range wantReal {
		near("∂D/∂real", dReal[i], wantReal[i])
		near("∂D/∂fake", dFake[i], wantFake[i])
	}
	fake.ZeroGrad()
	lg, parts := spec.acG(fake, []int{1, 0})
	tp.Backward(lg)
	near("G loss", lg.Item(), 2.0144413)
	near("G's CE fake", float32(parts.CEFake), 1.7531091)
	wantG := []float64{-0.1887703, 1.0 / 6, -1.0 / 3, 1.0 / 6, -0.0237129, -0.4549847, 0.1223642, 0.3326205}
	for i, g := range fake.GradToHost() {
		near("∂G/∂fake", g, wantG[i])
	}
}

// AC-DCGAN's options: the options that cannot apply are refused naming the flag and why; the others pass.
func TestACGANOptions(t *testing.T) {
	o := smallOptions("builtin:fonts", model.ACGAN)
	if err := o.Validate(); err != nil {
		t.Fatalf("AC-DCGAN defaults (classes left to the data): %v", err)
	}
	for _, tc := range []struct {
		mutate func(*Options)
		want   string
	}{
		{func(o *Options) { o.Mismatch = true }, "--mismatch"},
		{func(o *Options) { o.Augment, o.AugmentP, o.AugmentPerTuple = "translation", 1, true }, "--augment-per tuple"},
		{func(o *Options) { o.Loss = LossBEGAN }, "--loss"},
		{func(o *Options) { o.Model.Siamese = true }, "siamese"},
	} {
		o := smallOptions("builtin:fonts", model.ACGAN)
		tc.mutate(&o)
		if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: want an error naming %q", err, tc.want)
		}
	}
	for _, mutate := range []func(*Options){
		func(o *Options) { o.Loss = LossHinge },
		func(o *Options) { o.Augment, o.AugmentP = "translation,cutout", 0.5 },
		func(o *Options) { o.EMAKimg = 1 },
		func(o *Options) { o.Model.SpectralNorm, o.Model.DNorm = true, model.NormNone },
	} {
		o := smallOptions("builtin:fonts", model.ACGAN)
		mutate(&o)
		if err := o.Validate(); err != nil {
			t.Errorf("an option that applies to AC-DCGAN: %v", err)
		}
	}
}

// An AC-DCGAN run learns which identity is which: resuming it on data whose identities differ (same count, other
// names) is refused, since the labels would mean other identities; its previews show real.png's identities.
func TestACGANRunKeepsItsIdentities(t *testing.T) {
	ds := fixture(t, 4, 3)
	o := smallOptions(ds, model.ACGAN)
	o.Steps = 2
	dir := t.TempDir()
	run(t, o, dir, false)
	other := t.TempDir()
	for i, name := range []string{"a", "b", "c", "z"} { // identity "d" renamed "z": it now sorts elsewhere
		if err := os.CopyFS(filepath.Join(other, name), os.DirFS(filepath.Join(ds, string(rune('a'+i))))); err != nil {
			t.Fatal(err)
		}
	}
	resumed, _, err := ResumeOptions(dir)
	if err != nil {
		t.Fatal(err)
	}
	resumed.Data, resumed.Steps = other, 4
	err = Run(context.Background(), Job{Options: resumed, Dir: dir, Resume: true, Stdout: io.Discard, Stderr: io.Discard})
	if err == nil || !strings.Contains(err.Error(), `identity label 3 is "d"`) {
		t.Errorf("resume on renamed identities: %v", err)
	}
	c, err := model.ReadCheckpoint(filepath.Join(dir, model.CheckpointDir, model.CheckpointName(2)))
	if err != nil {
		t.Fatal(err)
	}
	if got := realGridIdentities(o, c.Config.Classes); len(got) != o.PreviewIDs || got[0] != 0 || got[1] != 2 {
		t.Errorf("preview rows %v, want real.png's identities [0 2]", got)
	}
}
