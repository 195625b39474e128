package serve

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// dropImages makes the named images in the page (w×h canvases of one colour each, as PNG files) and drops them on
// the page, as a user dragging files from their desktop would.
const dropImages = `async (specs) => {
  const dt = new DataTransfer();
  for (const [name, colour] of specs) {
    const c = document.createElement("canvas");
    c.width = 30; c.height = 20;
    const g = c.getContext("2d");
    g.fillStyle = colour; g.fillRect(0, 0, 30, 20);
    const blob = await new Promise((r) => c.toBlob(r, "image/png"));
    dt.items.add(new File([blob], name, { type: "image/png" }));
  }
  document.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
}`

// Dropping images on the page projects them on the server, with a progress indicator, and adds the identity as
// a row that interpolates, reloads from the link and can be removed; too many images are refused on the page.
func TestBrowserProjectDrop(t *testing.T) {
	path := findChromium()
	if path == "" {
		t.Skip("browser test skipped: no chromium, chromium-browser or google-chrome on PATH (apt-get install chromium)")
	}
	m := newFakeProjector()
	m.delay = 20 * time.Millisecond
	res := m.fakeModel.info.Res
	srv := startServer(t, m, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	b := &browser{t: t, ctx: bctx}
	b.watchCSP()
	b.do("load page", chromedp.Navigate(srv.URL+"/"))
	b.settle(0)
	if max := get(b, "read the limit", chromedp.Text(`#project-max`)); max != "4" {
		t.Errorf("the page offers to project up to %q images; the model takes 4", max)
	}
	before := b.checkShown("#grid img", 4, 4, res)
	b.do("watch the status", chromedp.Evaluate[chromedp.Void](`window.__statuses = [];
new MutationObserver(() => window.__statuses.push(document.getElementById("status").textContent))
  .observe(document.getElementById("status"), { childList: true, characterData: true, subtree: true });`))

	v := b.version()
	b.do("drop two images", chromedp.Evaluate[chromedp.Void](`(`+dropImages+`)([["red.png", "#c83232"], ["blue.jpg", "#3264c8"]])`, chromedp.EvalAwaitPromise))
	b.settle(v)
	grid := b.checkShown("#grid img", 5, 4, res)
	for c := range 4 {
		if grid[[2]int{4, c}].Digest == before[[2]int{0, c}].Digest {
			t.Errorf("projected row cell (4, %d) equals row 0's", c)
		}
		if grid[[2]int{0, c}].Src != before[[2]int{0, c}].Src {
			t.Errorf("adding a projected row changed cell (0, %d)", c)
		}
	}
	statuses := get(b, "read statuses", chromedp.Evaluate[[]string](`window.__statuses`))
	if !strings.Contains(strings.Join(statuses, "\n"), " of 20.") {
		t.Errorf("no progress was shown while projecting; statuses %q", statuses)
	}
	if hidden := get(b, "read the bar", chromedp.Evaluate[bool](`document.getElementById("project-progress").hidden`)); !hidden {
		t.Error("the progress bar is still shown after the projection")
	}
	shown := get(b, "read the projection panel", chromedp.Evaluate[[]int](`[...document.querySelectorAll("#projection img")].map((i) => i.naturalWidth)`))
	if len(shown) != 4 || shown[0] != res || shown[3] != res {
		t.Errorf("the projection panel shows images of widths %v; want 2 inputs and 2 projections of %d pixels", shown, res)
	}
	if m.projects.Load() != 1 {
		t.Errorf("%d projections ran; want 1", m.projects.Load())
	}
	url := get(b, "read URL", chromedp.Location())
	if !strings.Contains(url, "p=") {
		t.Fatalf("the link %s does not keep the projected row", url)
	}

	// Interpolate from the projected identity to a seeded one: corner A is the projected cell.
	b.click("cell-4-0", false)
	b.click("cell-1-2", true)
	interp := b.checkShown("#interp img", 4, 4, res)
	if interp[[2]int{0, 0}].Src != grid[[2]int{4, 0}].Src || interp[[2]int{3, 3}].Src != grid[[2]int{1, 2}].Src {
		t.Error("the interpolation's corners are not the projected cell and the seeded one")
	}

	// ψ_I 0.5 truncates the seeded rows' identity codes, never the projected one: rows 0-3 change, row 4 and the
	// interpolation's projected corner A stay; corner B follows its seeded cell.
	b.setSelect("psi-i", "0.5")
	trunc := b.checkShown("#grid img", 5, 4, res)
	for k, im := range trunc {
		if changed := im.Src != grid[k].Src; changed != (k[0] < 4) {
			t.Errorf("ψ_I 0.5: cell %v changed = %v; want only the seeded rows changed", k, changed)
		}
	}
	interp = b.checkShown("#interp img", 4, 4, res)
	if interp[[2]int{0, 0}].Src != trunc[[2]int{4, 0}].Src || interp[[2]int{3, 3}].Src != trunc[[2]int{1, 2}].Src {
		t.Error("ψ_I 0.5: the interpolation's corners are not the projected cell and the truncated seeded one")
	}
	// ψ_O 0.3 truncates the columns' codes, the projected row's too, and the interpolation's ends alike.
	b.setSelect("psi-o", "0.3")
	grid = b.checkShown("#grid img", 5, 4, res)
	for k, im := range grid {
		if im.Src == trunc[k].Src {
			t.Errorf("ψ_O 0.3: cell %v did not change", k)
		}
	}
	interp = b.checkShown("#interp img", 4, 4, res)
	if interp[[2]int{0, 0}].Src != grid[[2]int{4, 0}].Src || interp[[2]int{3, 3}].Src != grid[[2]int{1, 2}].Src {
		t.Error("ψ_O 0.3: the interpolation's corners are not the projected cell and the seeded one")
	}

	// The link reloads the projected row, ψ and the interpolation in a new tab.
	url = get(b, "read URL", chromedp.Location())
	if !strings.Contains(url, "pi=0.5") || !strings.Contains(url, "po=0.3") {
		t.Errorf("the link %s does not keep ψ_I 0.5 and ψ_O 0.3", url)
	}
	tab, closeTab := chromedp.NewContext(bctx)
	defer closeTab()
	nb := &browser{t: t, ctx: tab}
	nb.do("open the link", chromedp.Navigate(url))
	nb.settle(0)
	again := nb.checkShown("#grid img", 5, 4, res)
	for k, im := range grid {
		if again[k].Src != im.Src {
			t.Fatalf("reloaded link: cell %v differs", k)
		}
	}
	if re := nb.checkShown("#interp img", 4, 4, res); re[[2]int{0, 0}].Src != interp[[2]int{0, 0}].Src {
		t.Error("reloaded link: the interpolation differs")
	}

	// Removing the row removes it, its interpolation and its part of the link.
	b.click("remove-projected-0", true)
	b.checkShown("#grid img", 4, 4, res)
	if n := len(b.images("#interp img")); n != 0 {
		t.Errorf("after removing the projected row its interpolation stays (%d images)", n)
	}
	if url := get(b, "read URL", chromedp.Location()); strings.Contains(url, "p=") || strings.Contains(url, "a=") {
		t.Errorf("after removing the projected row the link %s still holds it", url)
	}

	// Five images for a model that takes four: refused on the page, nothing sent.
	b.do("drop five images", chromedp.Evaluate[chromedp.Void](`(`+dropImages+`)([["1.png", "#111"], ["2.png", "#222"], ["3.png", "#333"], ["4.png", "#444"], ["5.png", "#555"]])`, chromedp.EvalAwaitPromise))
	b.do("wait for the refusal", chromedp.Poll[chromedp.Void](`document.getElementById("status").classList.contains("error")`, chromedp.WithPollingTimeout(5*time.Second)))
	if status := get(b, "read status", chromedp.Text(byTestID("status"))); !strings.Contains(status, "1 to 4") {
		t.Errorf("five images: status %q; want it to say 1 to 4", status)
	}
	if m.projects.Load() != 1 {
		t.Errorf("five images were sent to the server")
	}
	if v := b.cspViolations(); len(v) != 0 {
		t.Errorf("CSP violations: %q", v)
	}
}
