package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sdgan/model"
	"sdgan/serve"
)

// AC-DCGAN through every command: train it, then generate, serve and eval treat its identity labels as the rows
// and say it cannot sample new identities; a constant generator's report warns of collapse; eval compare puts
// the reports in one table.
func TestACGANCommands(t *testing.T) {
	dataDir := writeIdentityFolder(t, "id", 10, 5, 1)
	tmp := t.TempDir()
	v := filepath.Join(tmp, "v")
	if code, out, errOut := runCmd("verifier", "train", "--data", dataDir, "--out", v, "--steps", "6", "--held-out", "3", "--ids", "4", "--pairs", "30"); code != 0 {
		t.Fatalf("verifier train: exit %d\n%s\n%s", code, out, errOut)
	}
	runDir := filepath.Join(tmp, "ac")
	code, out, errOut := runCmd("train", "--arch", "acgan", "--data", dataDir, "--out", runDir, "--steps", "2", "--batch", "2", "--d-i", "6", "--d-o", "5")
	if code != 0 {
		t.Fatalf("train --arch acgan: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "AC-DCGAN 32×32×3") || !strings.Contains(out, "10 identity labels") {
		t.Errorf("train --arch acgan describes the run as:\n%s", out)
	}
	g, ckpt, err := model.LoadGenerator(runDir, model.WeightsAuto)
	if err != nil {
		t.Fatal(err)
	}
	table := g.(model.Conditional).LabelTable()
	rows := table.ToHost()
	rowOf := func(code []float32) int { // the label whose table row code is, or -1
		for l := range table.Dim(0) {
			if slices.Equal(code, rows[l*table.Dim(1):(l+1)*table.Dim(1)]) {
				return l
			}
		}
		return -1
	}

	t.Run("generate", func(t *testing.T) {
		grid := filepath.Join(tmp, "grid.png")
		code, out, errOut := runCmd("generate", "--model", runDir, "--out", grid, "--identities", "4", "--observations", "3")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		var lf latentsFile
		if err := json.Unmarshal(readBytes(t, filepath.Join(tmp, "grid.json")), &lf); err != nil {
			t.Fatal(err)
		}
		if len(lf.Labels) != 4 || len(lf.Identities) != 4 {
			t.Fatalf("latents: labels %v, identities %v; want 4 of each", lf.Labels, lf.Identities)
		}
		for i, zi := range lf.ZI {
			if l := rowOf(zi); l != lf.Labels[i] || lf.Identities[i] != ckpt.Identities[l] {
				t.Errorf("row %d: code of label %d, recorded as %d (%s)", i, l, lf.Labels[i], lf.Identities[i])
			}
		}
		if !strings.Contains(out, "AC-DCGAN rows") || !strings.Contains(out, lf.Identities[0]) || !strings.Contains(out, "cannot sample new ones") {
			t.Errorf("generate says:\n%s", out)
		}
		code, out, _ = runCmd("generate", "--model", runDir, "--out", filepath.Join(tmp, "interp.png"), "--interpolate", "--identities", "3", "--observations", "3")
		if code != 0 || !strings.Contains(out, "blends of two codes") {
			t.Errorf("generate --interpolate: exit %d, says:\n%s", code, out)
		}
		if code, _, stderr := runCmd("generate", "-h"); code != 0 || !strings.Contains(stderr, "cannot draw new ones") {
			t.Errorf("generate -h lacks the AC-DCGAN note:\n%s", stderr)
		}
	})

	t.Run("serve", func(t *testing.T) {
		m, err := loadServeModel(runDir, model.WeightsAuto, serveProjection{1, 1})
		if err != nil {
			t.Fatal(err)
		}
		h := serve.New(m, serve.Options{})
		get := httptest.NewRecorder()
		h.ServeHTTP(get, httptest.NewRequest("GET", "http://localhost/api/info", nil))
		var info struct {
			Arch       string
			Identities struct {
				Count int
				Names []string
				Note  string
			}
		}
		if err := json.Unmarshal(get.Body.Bytes(), &info); err != nil || info.Arch != "acgan" || info.Identities.Count != 10 ||
			!slices.Equal(info.Identities.Names, ckpt.Identities) || !strings.Contains(info.Identities.Note, "cannot sample new identities") {
			t.Errorf("/api/info: %v\n%s", err, get.Body)
		}
		post := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "http://localhost/api/sample", strings.NewReader(`{"seed": 3, "identities": 5, "observations": 2}`))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(post, req)
		var sample struct {
			ZI         [][]float32
			Identities []string
		}
		if err := json.Unmarshal(post.Body.Bytes(), &sample); err != nil || post.Code != http.StatusOK || len(sample.ZI) != 5 || len(sample.Identities) != 5 {
			t.Fatalf("/api/sample: %d %v\n%s", post.Code, err, post.Body)
		}
		seen := map[int]bool{}
		for i, zi := range sample.ZI {
			l := rowOf(zi)
			if l < 0 || seen[l] || sample.Identities[i] != ckpt.Identities[l] {
				t.Errorf("/api/sample row %d: label %d (%q), repeated %v", i, l, sample.Identities[i], seen[l])
			}
			seen[l] = true
		}
		if code, _, stderr := runCmd("serve", "-h"); code != 0 || !strings.Contains(stderr, "cannot sample new identities") {
			t.Errorf("serve -h lacks the AC-DCGAN note:\n%s", stderr)
		}
	})

	// eval: the AC-DCGAN's report, and a constant generator's, which warns of collapse.
	acRep := filepath.Join(tmp, "rep-ac")
	code, out, errOut = runCmd("eval", "--model", runDir, "--verifier", v, "--out", acRep, "--pairs", "20")
	if code != 0 {
		t.Fatalf("eval of the AC-DCGAN: exit %d\n%s\n%s", code, out, errOut)
	}
	if html := string(readBytes(t, filepath.Join(acRep, "report.html"))); !strings.Contains(html, "an AC-GAN cannot sample new identities") {
		t.Error("the AC-DCGAN's report.html does not say what its identity codes are")
	}
	cfg := model.DefaultConfig(model.DCGAN, 32, 3)
	cg, _ := model.NewGenerator(cfg, rand.New(rand.NewPCG(1, 1)))
	for _, p := range cg.Params() { // every weight 0: the image is tanh of the last bias, whatever z is
		values := make([]float32, p.Size())
		if strings.HasSuffix(p.Name, "up2/biases") {
			for i := range values {
				values[i] = 0.3 * float32(i+1)
			}
		}
		p.CopyFromHost(values)
	}
	constant := filepath.Join(tmp, "constant.safetensors")
	if err := model.SaveCheckpoint(constant, cfg, 1, append(cg.Params(), cg.Buffers()...), nil); err != nil {
		t.Fatal(err)
	}
	constRep := filepath.Join(tmp, "rep-const")
	code, out, errOut = runCmd("eval", "--model", constant, "--verifier", v, "--out", constRep, "--pairs", "20")
	if code != 0 {
		t.Fatalf("eval of a constant generator: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "WARNING: possible collapse: the verifier accepts 100% of generated different-z_I pairs") ||
		!strings.Contains(out, "MS-SSIM across identities 1.000") {
		t.Errorf("eval of a constant generator says:\n%s", out)
	}
	var rep struct{ Warnings []string }
	if err := json.Unmarshal(readBytes(t, filepath.Join(constRep, "report.json")), &rep); err != nil || len(rep.Warnings) != 3 {
		t.Errorf("report.json warnings %q (%v); want 3 (different pairs accepted, alike across and within identities)", rep.Warnings, err)
	}
	if html := string(readBytes(t, filepath.Join(constRep, "report.html"))); !strings.Contains(html, "these figures may mislead") {
		t.Error("report.html of a constant generator has no warning")
	}

	t.Run("compare", func(t *testing.T) {
		cmpDir := filepath.Join(tmp, "cmp")
		code, out, errOut := runCmd("eval", "compare", "--out", cmpDir, "--names", "AC-DCGAN,constant", acRep, constRep)
		if code != 0 {
			t.Fatalf("eval compare: exit %d\n%s\n%s", code, out, errOut)
		}
		if strings.Contains(out, "other real pairs") {
			t.Errorf("two reports with the same verifier, data, --pairs and --seed measured different real pairs:\n%s", out)
		}
		for _, want := range []string{"| real data |", "| AC-DCGAN", "| constant ⚠ |", "- constant: possible collapse", "MS-SSIM within identity"} {
			if !strings.Contains(out, want) {
				t.Errorf("compare's markdown lacks %q:\n%s", want, out)
			}
		}
		if md := string(readBytes(t, filepath.Join(cmpDir, "compare.md"))); !strings.HasPrefix(out, md) {
			t.Errorf("compare.md is not the table printed:\n%s", md)
		}
		var cmp comparison
		if err := json.Unmarshal(readBytes(t, filepath.Join(cmpDir, "compare.json")), &cmp); err != nil {
			t.Fatal(err)
		}
		if cmp.Real == nil || len(cmp.Models) != 2 || cmp.Models[0].Arch != "acgan" || *cmp.Models[1].Figures["verifier_accept_different"] != 1 ||
			len(cmp.Models[1].Warnings) != 3 {
			t.Errorf("compare.json: %+v", cmp)
		}
		html := string(readBytes(t, filepath.Join(cmpDir, "compare.html")))
		srcs := regexp.MustCompile(`src="([^"]+)"`).FindAllStringSubmatch(html, -1)
		if len(srcs) != 3 {
			t.Errorf("compare.html shows %d grids, want 3 (real data and 2 models)", len(srcs))
		}
		for _, m := range srcs {
			if _, err := os.Stat(filepath.Join(cmpDir, m[1])); err != nil {
				t.Errorf("compare.html shows %s: %v", m[1], err)
			}
		}
		// Default names: the architecture and the folder.
		if code, out, _ := runCmd("eval", "compare", "--out", filepath.Join(tmp, "cmp2"), acRep); code != 0 || !strings.Contains(out, "| AC-DCGAN (rep-ac)") {
			t.Errorf("default row name: exit %d\n%s", code, out)
		}
		bad := filepath.Join(tmp, "bad")
		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"eval", "compare", acRep}, 2, "--out: missing"},
			{[]string{"eval", "compare", "--out", bad}, 2, "no report folders"},
			{[]string{"eval", "compare", "--out", bad, "--names", "a", acRep, constRep}, 2, "--names gives 1 names for 2 report folders"},
			{[]string{"eval", "compare", "--out", bad, acRep, "--names", "a"}, 2, "flags go before the report folders"},
			{[]string{"eval", "compare", "--out", bad, acRep, tmp}, 1, "report.json"},
		} {
			code, _, errOut := runCmd(tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut, tc.code, tc.want)
			}
		}
		if _, err := os.Stat(bad); !os.IsNotExist(err) {
			t.Errorf("a failed comparison left %s", bad)
		}
	})
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
