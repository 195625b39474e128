package train

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"sdgan/model"
	"sdgan/nn"
	"sdgan/nn/backendtest"
)

// Training steps of each kind, their previews, checkpoints and a generation from the checkpoint, through the
// checking backend (so through package nn's seam alone: no tensor memory is read any other way): the same
// checkpoint bytes and images as on the CPU.
func TestTrainingThroughTheSeam(t *testing.T) {
	data := fixture(t, 4, 2)
	aug := smallOptions(data, model.DCGAN)
	aug.EMAKimg, aug.Augment, aug.AugmentP, aug.AugmentTarget, aug.AugmentKimg = 1, "translation,cutout,color", 0.5, 0.6, 1
	aug.Loss = LossHinge
	aug.Model.SpectralNorm, aug.Model.DNorm = true, model.NormNone
	wgan := smallOptions(data, model.DCGAN)
	wgan.Loss = LossWGAN
	gp := smallOptions(data, model.DCGAN)
	gp.Loss = LossWGANGP
	r1 := smallOptions(data, model.DCGAN) // batch norm in D: its double backward
	r1.R1Gamma, r1.R1Every = 10, 1
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"dcgan", smallOptions(data, model.DCGAN)},
		{"began", smallOptions(data, model.BEGAN)},
		{"augment, spectral norm, G_ema, hinge", aug},
		{"wgan", wgan},
		{"wgan-gp", gp},
		{"dcgan+r1", r1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			o.Steps, o.CheckpointEvery, o.PreviewEvery = 2, 2, 2
			dirs := map[string]string{"cpu": t.TempDir(), "checked": t.TempDir()}
			images := map[string][][]float32{}
			chk := backendtest.New()
			for _, be := range []nn.Backend{nn.CPU(), chk} {
				func() {
					defer nn.SetDefaultBackend(nn.SetDefaultBackend(be))
					dir := dirs[be.Name()]
					run(t, o, dir, false)
					g, c, err := model.LoadGenerator(dir, model.WeightsAuto)
					if err != nil {
						t.Fatal(err)
					}
					z := make([]float32, 3*c.Config.K*c.Config.Z())
					model.TupleZ(rand.New(rand.NewPCG(4, 4)), c.Config, 3, z)
					images[be.Name()] = model.Generate(g, c.Config, z)
				}()
			}
			for _, name := range []string{filepath.Join(model.CheckpointDir, model.CheckpointName(2)), "preview.png"} {
				a, b := readFile(t, filepath.Join(dirs["cpu"], name)), readFile(t, filepath.Join(dirs["checked"], name))
				if !bytes.Equal(a, b) {
					t.Errorf("%s differs between the CPU and the checking backend", name)
				}
			}
			for i, img := range images["cpu"] {
				for j, v := range img {
					if math.Float32bits(v) != math.Float32bits(images["checked"][i][j]) {
						t.Fatalf("generated image %d[%d] = %v through the checking backend, %v on the CPU", i, j,
							images["checked"][i][j], v)
					}
				}
			}
			if _, err := os.Stat(filepath.Join(dirs["checked"], "preview.png")); err != nil {
				t.Fatal(err)
			}
			c := backendtest.CountsOf(chk)
			t.Logf("through the seam: %d copies to the host (%d values), %d from it; %d buffers, %d freed",
				c.ToHost, c.ToHostValues, c.FromHost, c.Allocs, c.Frees)
		})
	}
}
