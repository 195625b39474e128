package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sdgan/data"
	"sdgan/internal/pngbomb"
	"sdgan/model"
	"sdgan/picture"
	"sdgan/project"
	"sdgan/verify"
)

// projectGreyPNGs writes n random grey images of w×h and returns their paths.
func projectGreyPNGs(t *testing.T, n, w, h int) []string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(4, 4))
	var paths []string
	for i := range n {
		path := filepath.Join(dir, string(rune('a'+i))+".png")
		writeGreyPNG(t, rng, path, w, h)
		paths = append(paths, path)
	}
	return paths
}

// Bad inputs give clear errors (usage errors exit 2) and write nothing.
func TestProjectBadInput(t *testing.T) {
	grey := model.DefaultConfig(model.DCGAN, 32, 1)
	ckpt := testCheckpoint(t, grey)
	imgs := projectGreyPNGs(t, 9, 40, 30)
	dir := t.TempDir()
	colour := evalWritePNG(t, dir, "colour.png", func() image.Image {
		m := image.NewNRGBA(image.Rect(0, 0, 8, 8))
		for i := range 64 {
			m.Set(i%8, i/8, color.NRGBA{200, 10, 10, 255})
		}
		return m
	}())
	broken := filepath.Join(dir, "broken.png")
	if err := os.WriteFile(broken, []byte("\x89PNG not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	bomb := filepath.Join(dir, "bomb.png")
	if err := pngbomb.WriteFile(bomb, 20000, 20000); err != nil {
		t.Fatal(err)
	}
	// A checkpoint without a generator (only a discriminator's tensors), and an AC-DCGAN.
	d, err := model.NewDiscriminator(grey, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	noG := filepath.Join(dir, "d-only.safetensors")
	if err := model.SaveCheckpoint(noG, grey, 1, d.Params(), nil); err != nil {
		t.Fatal(err)
	}
	ac := model.DefaultConfig(model.ACGAN, 32, 1)
	ac.Classes = 3
	acCkpt := testCheckpoint(t, ac)
	vnet, err := verify.NewNet(verify.DefaultConfig(32, 3), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	colourVerifier := filepath.Join(dir, "v.safetensors")
	if err := verify.Save(colourVerifier, &verify.Verifier{Net: vnet, Threshold: 0.5}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no images", []string{"--model", ckpt, "--out", out}, 2, "no images"},
		{"no model", []string{"--out", out, imgs[0]}, 2, "--model is required"},
		{"too many images", append([]string{"--model", ckpt, "--out", out}, imgs...), 2, "9 images: this model (k = 2) takes 1 to 8"},
		{"missing file", []string{"--model", ckpt, "--out", out, filepath.Join(dir, "nope.png")}, 1, "nope.png"},
		{"unreadable file", []string{"--model", ckpt, "--out", out, imgs[0], broken}, 1, "broken.png"},
		{"over the pixel limit", []string{"--model", ckpt, "--out", out, bomb}, 1, "20000×20000"},
		{"colour for a grey model", []string{"--model", ckpt, "--out", out, colour}, 1, "channel mismatch"},
		{"a model without a generator", []string{"--model", noG, "--out", out, imgs[0]}, 1, "holds no generator"},
		{"a verifier as the model", []string{"--model", colourVerifier, "--out", out, imgs[0]}, 1, "not an sdgan checkpoint"},
		{"AC-DCGAN", []string{"--model", acCkpt, "--out", out, imgs[0]}, 1, "AC-DCGAN"},
		{"D features without D", []string{"--model", ckpt, "--loss", "d", "--out", out, imgs[0]}, 1, "holds no discriminator"},
		{"verifier of other images", []string{"--model", ckpt, "--loss", "l2+verifier", "--verifier", colourVerifier, "--out", out, imgs[0]}, 1, "channel"},
		{"verifier loss without one", []string{"--model", ckpt, "--loss", "verifier", "--out", out, imgs[0]}, 2, "needs --verifier"},
		{"a bad loss", []string{"--model", ckpt, "--loss", "lpips", "--out", out, imgs[0]}, 2, `unknown term "lpips"`},
		{"flags after images", []string{"--model", ckpt, "--out", out, imgs[0], "--steps", "3"}, 2, "flags go before"},
		{"steps", []string{"--model", ckpt, "--steps", "0", "--out", out, imgs[0]}, 2, "--steps 0"},
		{"pick without a verifier", []string{"--model", ckpt, "--pick", "4", "--out", out, imgs[0]}, 2, "--pick 4 needs --verifier"},
		{"pick out of range", []string{"--model", ckpt, "--pick", "65", "--out", out, imgs[0]}, 2, "--pick 65: want 1"},
		{"too many candidates", []string{"--model", ckpt, "--pick", "64", "--observations", "33", "--out", out, imgs[0]}, 2, "at most 2048 candidates"},
		{"pick by a verifier of other images", []string{"--model", ckpt, "--pick", "2", "--verifier", colourVerifier, "--out", out, imgs[0]}, 1, "channel"},
	} {
		code, _, stderr := sdgan(append([]string{"project"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d saying %q", tc.name, code, stderr, tc.code, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed projection left its --out folder")
	}
	// --convert takes the colour image, converted as the data loader converts it.
	if code, _, stderr := sdgan("project", "--model", ckpt, "--steps", "2", "--starts", "1", "--convert", "--out", out, colour); code != 0 || !strings.Contains(stderr, "converted") {
		t.Errorf("--convert: exit %d, stderr %q", code, stderr)
	}
	// Interrupted: exit 130, nothing written.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var so, se bytes.Buffer
	if code := run(ctx, []string{"project", "--model", ckpt, "--out", filepath.Join(dir, "cut"), imgs[0]}, &so, &se); code != 130 {
		t.Errorf("interrupted: exit %d, want 130; stderr %q", code, se.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "cut")); err == nil {
		t.Error("an interrupted projection left its --out folder")
	}
}

// decodePNGFile decodes the PNG at path.
func decodePNGFile(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// project writes its four files; latents.json redraws new-views.png exactly, and generate --identity draws the
// projected identity as a row (the first, before random ones).
func TestProjectWritesOutputs(t *testing.T) {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	ckpt := testCheckpoint(t, cfg)
	imgs := projectGreyPNGs(t, 2, 50, 32)
	out := filepath.Join(t.TempDir(), "me")
	code, stdout, stderr := sdgan("project", "--model", ckpt, "--steps", "20", "--starts", "2", "--observations", "5", "--out", out, imgs[0], imgs[1])
	if code != 0 {
		t.Fatalf("project: exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "MS-SSIM") || !strings.Contains(stderr, "project") {
		t.Errorf("project says nothing of the fit (stdout %q) or shows no progress (stderr %q)", stdout, stderr)
	}
	if b := decodePNGFile(t, filepath.Join(out, "reconstruction.png")).Bounds(); b.Dx() != 2*32+3*2 || b.Dy() != 2*32+3*2 {
		t.Errorf("reconstruction.png is %v; want 2 rows (inputs, projections) × 2 columns of 32 pixels, padding 2", b)
	}
	views := decodePNGFile(t, filepath.Join(out, "new-views.png"))
	if b := views.Bounds(); b.Dx() != 5*32+6*2 || b.Dy() != 32+2*2 {
		t.Errorf("new-views.png is %v; want 1 row × 5 views", b)
	}
	var idf identityFile
	if err := json.Unmarshal(readBytes(t, filepath.Join(out, "zi.json")), &idf); err != nil {
		t.Fatal(err)
	}
	if len(idf.ZI) != cfg.DI || len(idf.ZO) != 2 || len(idf.Fit) != 2 || !slices.Equal(idf.Inputs, imgs) || idf.Steps != 20 {
		t.Errorf("zi.json: %d zi values, %d zo, %d fits, inputs %v, steps %d", len(idf.ZI), len(idf.ZO), len(idf.Fit), idf.Inputs, idf.Steps)
	}
	// The recorded fit is the fit of G(zi, zo) to the inputs.
	g, _, err := model.LoadGenerator(ckpt, model.WeightsAuto)
	if err != nil {
		t.Fatal(err)
	}
	recon := model.GenerateGrid(g, cfg, [][]float32{idf.ZI}, idf.ZO)
	grid := picture.Grid(recon, 1, 2, 32, 32, 1, 2)
	rec := decodePNGFile(t, filepath.Join(out, "reconstruction.png"))
	for x := range grid.Bounds().Dx() {
		for y := range 32 + 2 {
			if rec.At(x, 32+2+y) != grid.At(x, y) {
				t.Fatalf("reconstruction.png's second row differs from G(zi, zo) at (%d, %d)", x, y)
			}
		}
	}
	regen := filepath.Join(t.TempDir(), "regen.png")
	if code, _, stderr := sdgan("generate", "--model", ckpt, "--latents", filepath.Join(out, "latents.json"), "--out", regen); code != 0 {
		t.Fatalf("generate --latents: exit %d, %q", code, stderr)
	}
	if !bytes.Equal(readBytes(t, regen), readBytes(t, filepath.Join(out, "new-views.png"))) {
		t.Error("generate --latents latents.json does not redraw new-views.png")
	}
	// --pick: the views kept are those the verifier scores as most like the images; latents.json still redraws them.
	vnet, err := verify.NewNet(verify.DefaultConfig(32, 1), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	ver := filepath.Join(t.TempDir(), "v.safetensors")
	if err := verify.Save(ver, &verify.Verifier{Net: vnet, Threshold: 0.5}); err != nil {
		t.Fatal(err)
	}
	picked := filepath.Join(t.TempDir(), "picked")
	if code, _, stderr := sdgan("project", "--model", ckpt, "--steps", "5", "--starts", "1", "--observations", "3", "--pick", "4",
		"--verifier", ver, "--out", picked, imgs[0], imgs[1]); code != 0 {
		t.Fatalf("project --pick: exit %d, stderr %q", code, stderr)
	}
	var plf latentsFile
	if err := json.Unmarshal(readBytes(t, filepath.Join(picked, "latents.json")), &plf); err != nil {
		t.Fatal(err)
	}
	var pidf identityFile
	if err := json.Unmarshal(readBytes(t, filepath.Join(picked, "zi.json")), &pidf); err != nil {
		t.Fatal(err)
	}
	targets := make([][]float32, 2)
	for i := range targets {
		img, err := data.LoadImage(context.Background(), imgs[i], 32, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		targets[i] = img.Pixels
	}
	wantZO, _, err := project.Pick(g, cfg, pidf.ZI, targets, vnet.Embed, 3, 4, rand.New(rand.NewPCG(0, 0x9e0d)))
	if err != nil {
		t.Fatal(err)
	}
	if len(plf.ZO) != 3 || !slices.EqualFunc(plf.ZO, wantZO, slices.Equal) {
		t.Errorf("project --pick 4 kept %d codes, not the 3 that project.Pick keeps", len(plf.ZO))
	}
	regen = filepath.Join(t.TempDir(), "regen.png")
	if code, _, stderr := sdgan("generate", "--model", ckpt, "--latents", filepath.Join(picked, "latents.json"), "--out", regen); code != 0 {
		t.Fatalf("generate --latents (picked): exit %d, %q", code, stderr)
	}
	if !bytes.Equal(readBytes(t, regen), readBytes(t, filepath.Join(picked, "new-views.png"))) {
		t.Error("generate --latents latents.json does not redraw the picked new-views.png")
	}
	rows := filepath.Join(t.TempDir(), "rows.png")
	if code, _, stderr := sdgan("generate", "--model", ckpt, "--identity", filepath.Join(out, "zi.json"), "--identities", "2",
		"--observations", "3", "--padding", "0", "--out", rows); code != 0 {
		t.Fatalf("generate --identity: exit %d, %q", code, stderr)
	}
	var lf latentsFile
	if err := json.Unmarshal(readBytes(t, strings.TrimSuffix(rows, ".png")+".json"), &lf); err != nil {
		t.Fatal(err)
	}
	if len(lf.ZI) != 3 || !slices.Equal(lf.ZI[0], idf.ZI) || slices.Equal(lf.ZI[1], idf.ZI) {
		t.Errorf("generate --identity --identities 2: rows %d, the first the projected identity %v", len(lf.ZI), len(lf.ZI) > 0 && slices.Equal(lf.ZI[0], idf.ZI))
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--identity", filepath.Join(out, "latents.json")}, "zi.json"},
		{[]string{"--identity", filepath.Join(out, "zi.json"), "--latents", filepath.Join(out, "latents.json")}, "--identity conflicts"},
		{[]string{"--identity", filepath.Join(out, "zi.json"), "--identity", filepath.Join(out, "zi.json"), "--same-identity", "3"}, "one identity"},
	} {
		code, _, stderr := sdgan(append([]string{"generate", "--model", ckpt, "--out", filepath.Join(t.TempDir(), "x.png")}, tc.args...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("generate %v: exit %d, stderr %q; want it to say %q", tc.args, code, stderr, tc.want)
		}
	}
}

// With the authors' faces model: projecting one of its own images recovers it (MS-SSIM ≥ 0.95).
func TestProjectRecoversOfficialFace(t *testing.T) {
	if _, err := os.Stat(filepath.Join(importOfficialDir, model.OfficialManifest)); err != nil {
		t.Skipf("the authors' SD-BEGAN weights are absent (%s: %v); get them from chrisdonahue/sdgan, gh-pages, ckpts/sdbegan_548235_small", importOfficialDir, err)
	}
	if testing.Short() {
		t.Skip("projects a 64×64 face for a minute of CPU")
	}
	work := t.TempDir()
	ckpt := filepath.Join(work, "faces.safetensors")
	if code, _, stderr := sdgan("import-official", importOfficialDir, "--out", ckpt); code != 0 {
		t.Fatalf("import-official: exit %d, %q", code, stderr)
	}
	g, c, err := model.LoadGenerator(ckpt, model.WeightsAuto)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2018, 1))
	face := model.GenerateGrid(g, c.Config, model.Uniform(rng, 1, c.Config.DI), model.Uniform(rng, 1, c.Config.DO))[0]
	path := filepath.Join(work, "face.png")
	if err := picture.SavePNG(path, picture.ToImage(face, 64, 64, 3)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(work, "out")
	code, stdout, stderr := sdgan("project", "--model", ckpt, "--steps", "250", "--starts", "1", "--out", out, path)
	if code != 0 {
		t.Fatalf("project: exit %d, stderr %q", code, stderr)
	}
	var idf identityFile
	if err := json.Unmarshal(readBytes(t, filepath.Join(out, "zi.json")), &idf); err != nil {
		t.Fatal(err)
	}
	// Against the face itself (not its 8-bit PNG): the projection's image of the found codes.
	recon := model.GenerateGrid(g, c.Config, [][]float32{idf.ZI}, idf.ZO)[0]
	ms, psnr, err := project.Quality(face, recon, c.Config)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%sMS-SSIM %.4f, PSNR %.1f dB against the generated face", stdout, ms, psnr)
	if ms < 0.95 || idf.Fit[0].MSSSIM < 0.95 {
		t.Errorf("MS-SSIM %.4f against the face, %.4f against its PNG; want ≥ 0.95", ms, idf.Fit[0].MSSSIM)
	}
}

// eval project scores the identities a run held out (or, for a model that held none out, the verifier's, with a
// warning), for each K, and writes its report.
func TestEvalProject(t *testing.T) {
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	g, err := model.NewGenerator(cfg, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	rng := rand.New(rand.NewPCG(6, 6))
	for _, id := range []string{"a", "b", "c", "d"} {
		for j := range 5 {
			writeGreyPNG(t, rng, filepath.Join(data, id, string(rune('0'+j))+".png"), 32, 32)
		}
	}
	vnet, err := verify.NewNet(verify.DefaultConfig(32, 1), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	ver := filepath.Join(dir, "v.safetensors")
	if err := verify.Save(ver, &verify.Verifier{Net: vnet, Threshold: 0.5, HeldOut: []string{"a", "b", "c"}, Facts: verify.Facts{Data: data}}); err != nil {
		t.Fatal(err)
	}
	plain, heldOut := filepath.Join(dir, "plain.safetensors"), filepath.Join(dir, "held.safetensors")
	ts := append(g.Params(), g.Buffers()...)
	if err := model.SaveCheckpoint(plain, cfg, 1, ts, nil); err != nil {
		t.Fatal(err)
	}
	if err := model.SaveCheckpoint(heldOut, cfg, 1, ts, map[string]string{"sdgan.train.options": `{"hold_out": ["c", "d"]}`}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		model     string
		ids, warn string
	}{
		{plain, `"identities": [
    "a",
    "b",
    "c"
  ]`, "no held-out identities"},
		{heldOut, `"identities": [
    "c",
    "d"
  ]`, "the verifier trained on 1 of these"},
	} {
		out := filepath.Join(t.TempDir(), "report")
		code, stdout, stderr := sdgan("eval", "project", "--model", tc.model, "--verifier", ver, "--out", out, "--k", "1,3",
			"--steps", "3", "--starts", "1", "--views", "2", "--others", "2", "--examples", "1")
		if code != 0 {
			t.Fatalf("eval project: exit %d, stderr %q", code, stderr)
		}
		if !strings.Contains(stderr, tc.warn) || !strings.Contains(stdout, "| 3 |") || !strings.Contains(stdout, "real inputs") {
			t.Errorf("eval project: stdout %q, stderr %q; want the table and a warning saying %q", stdout, stderr, tc.warn)
		}
		js := string(readBytes(t, filepath.Join(out, "report.json")))
		if !strings.Contains(js, tc.ids) || !strings.Contains(js, `"k": 3`) || !strings.Contains(js, `"per_identity"`) || !strings.Contains(js, `"views_msssim"`) || !strings.Contains(js, `"input_msssim"`) {
			t.Errorf("report.json does not evaluate on %s:\n%s", tc.ids, js)
		}
		for _, f := range []string{"report.html", "report.md", "example-k1-1.png", "example-k3-1.png"} {
			if _, err := os.Stat(filepath.Join(out, f)); err != nil {
				t.Errorf("eval project wrote no %s", f)
			}
		}
		if b := decodePNGFile(t, filepath.Join(out, "example-k3-1.png")).Bounds(); b.Dx() != 3*32+4*2 || b.Dy() != 4*32+5*2 {
			t.Errorf("example-k3-1.png is %v; want 4 rows (inputs, projections, new views, real) of max(K, views) = 3", b)
		}
	}
	// A verifier term steered by another verifier: named in the facts; a warning when that verifier trained on
	// judged identities (this one held out only "a", so it knows c and d); and the circular case said so.
	ver2 := filepath.Join(dir, "v2.safetensors")
	if err := verify.Save(ver2, &verify.Verifier{Net: vnet, Threshold: 0.5, HeldOut: []string{"a"}, Facts: verify.Facts{Data: data}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		extra      []string
		fact, warn string
	}{
		{[]string{"--loss-verifier", ver2}, "steers by --loss-verifier " + ver2, "--loss-verifier " + ver2 + " trained on 2 of the judged identities"},
		{nil, "the judge itself (circular)", ""},
		// --pick: the new views picked by the steering verifier, with a pixel loss too; by the judge, circular.
		{[]string{"--loss", "l2", "--pick", "3", "--loss-verifier", ver2}, "picked: the 2 of 3·2 candidates that --loss-verifier " + ver2 + " scores", "--loss-verifier " + ver2 + " trained on 2"},
		{[]string{"--loss", "l2", "--pick", "3"}, "picked: the 2 of 3·2 candidates that --verifier " + ver + ", the judge itself (circular)", ""},
	} {
		out := filepath.Join(t.TempDir(), "report")
		args := append([]string{"eval", "project", "--model", heldOut, "--verifier", ver, "--out", out, "--k", "1",
			"--steps", "2", "--starts", "1", "--views", "2", "--others", "2", "--examples", "1", "--loss", "l2+1*verifier"}, tc.extra...)
		code, _, stderr := sdgan(args...)
		if code != 0 {
			t.Fatalf("eval project %v: exit %d, stderr %q", tc.extra, code, stderr)
		}
		js := string(readBytes(t, filepath.Join(out, "report.json")))
		if !strings.Contains(js, tc.fact) || !strings.Contains(stderr, tc.warn) {
			t.Errorf("eval project %v: report.json lacks %q or stderr %q lacks %q", tc.extra, tc.fact, stderr, tc.warn)
		}
	}
	// --pick reaches the evaluation: the same job with and without it keeps other new views.
	var picked [2]string
	for i, pick := range []string{"1", "4"} {
		out := filepath.Join(t.TempDir(), "report")
		if code, _, stderr := sdgan("eval", "project", "--model", heldOut, "--verifier", ver, "--out", out, "--k", "1", "--steps", "2",
			"--starts", "1", "--views", "2", "--others", "2", "--examples", "0", "--pick", pick); code != 0 {
			t.Fatalf("eval project --pick %s: exit %d, stderr %q", pick, code, stderr)
		}
		var rep struct {
			Rows []struct {
				InputMSSSIM float64 `json:"input_msssim"`
			} `json:"rows"`
		}
		if err := json.Unmarshal(readBytes(t, filepath.Join(out, "report.json")), &rep); err != nil || len(rep.Rows) != 1 {
			t.Fatalf("report.json of --pick %s: %v, %d rows", pick, err, len(rep.Rows))
		}
		picked[i] = fmt.Sprint(rep.Rows[0].InputMSSSIM)
	}
	if picked[0] == picked[1] {
		t.Errorf("--pick 4 scored the same new views as --pick 1 (MS-SSIM to the nearest input %s both)", picked[0])
	}
	if code, _, stderr := sdgan("eval", "project", "--model", heldOut, "--verifier", ver, "--out", filepath.Join(dir, "r"), "--pick", "65"); code != 2 || !strings.Contains(stderr, "--pick 65: want 1") {
		t.Errorf("--pick 65: exit %d, stderr %q; want a usage error", code, stderr)
	}
	// --loss-verifier with a loss that has no verifier term and no --pick: refused, as sdgan project refuses --verifier.
	if code, _, stderr := sdgan("eval", "project", "--model", heldOut, "--verifier", ver, "--out", filepath.Join(dir, "r"), "--loss-verifier", ver2); code != 2 || !strings.Contains(stderr, "--loss-verifier is used only by a --loss with a verifier term") {
		t.Errorf("--loss-verifier with --loss l2: exit %d, stderr %q; want a usage error", code, stderr)
	}
	// Images too few for the largest K: every identity skipped, a clear error.
	code, _, stderr := sdgan("eval", "project", "--model", plain, "--verifier", ver, "--out", filepath.Join(dir, "r"), "--k", "5", "--steps", "1")
	if code != 1 || !strings.Contains(stderr, "more than 5 images") {
		t.Errorf("--k 5 with 5 images per identity: exit %d, stderr %q", code, stderr)
	}
}

// writeGreyPNG writes a w×h grey image of random pixels.
func writeGreyPNG(t *testing.T, rng *rand.Rand, path string, w, h int) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
