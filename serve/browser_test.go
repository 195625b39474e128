package serve

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// findChromium returns the first Chromium-like browser on PATH, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// shownImage is what the page shows in one <img>: its place, its data URL and a digest of its pixels.
type shownImage struct {
	Row, Col int
	Src      string
	W, H     int
	Min, Max int    // darkest and brightest channel value: equal means blank
	Digest   string // FNV-1a of the decoded RGBA pixels
}

// readImages returns the decoded images matching selector, read back from a canvas.
const readImages = `(sel) => [...document.querySelectorAll(sel)].map((img) => {
  const c = document.createElement("canvas");
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext("2d");
  g.drawImage(img, 0, 0);
  const d = c.width ? g.getImageData(0, 0, c.width, c.height).data : [];
  let min = 255, max = 0, h = 0x811c9dc5;
  for (let k = 0; k < d.length; k++) {
    if (k % 4 !== 3) { min = Math.min(min, d[k]); max = Math.max(max, d[k]); }
    h = Math.imul(h ^ d[k], 16777619) >>> 0;
  }
  return {Row: +img.dataset.row, Col: +img.dataset.col, Src: img.src, W: img.naturalWidth, H: img.naturalHeight,
    Min: min, Max: max, Digest: h.toString(16)};
})`

// browser drives one headless Chromium tab for a test.
type browser struct {
	t   *testing.T
	ctx context.Context
}

// get runs one action that returns a value, failing the test on error.
func get[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
	return v
}

// do runs actions that return no value, failing the test on error.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %s: %v", what, err)
	}
}

// byTestID selects the element with the given data-testid.
func byTestID(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

// version is the page's count of finished actions.
func (b *browser) version() int {
	return get(b, "read version", chromedp.Evaluate[int](`+document.body.dataset.version`))
}

// settle waits until the page is idle with more than after actions finished, and fails on a reported error.
func (b *browser) settle(after int) {
	b.t.Helper()
	b.do("wait for the page", chromedp.WaitReady(chromedp.CSS("body")))
	get(b, fmt.Sprintf("wait for action %d", after+1), chromedp.Poll[chromedp.Void](
		fmt.Sprintf(`document.body.dataset.busy === "0" && +document.body.dataset.version > %d`, after),
		chromedp.WithPollingTimeout(15*time.Second)))
	status := get(b, "read status", chromedp.Evaluate[string](`document.getElementById("status").textContent`))
	if get(b, "read status class", chromedp.Evaluate[bool](`document.getElementById("status").classList.contains("error")`)) {
		b.t.Fatalf("page reports an error: %s", status)
	}
}

// click clicks the element with the given data-testid and, when waits, waits for what the click started.
func (b *browser) click(testid string, waits bool) {
	b.t.Helper()
	v := b.version()
	b.do("click "+testid, chromedp.Click(byTestID(testid)))
	if waits {
		b.settle(v)
	}
}

// images returns the images of the main grid (sel "#grid img") or the interpolation ("#interp img"), by place.
func (b *browser) images(sel string) map[[2]int]shownImage {
	b.t.Helper()
	list := get(b, "read images "+sel, chromedp.Evaluate[[]shownImage](`(`+readImages+`)(`+fmt.Sprintf("%q", sel)+`)`))
	out := map[[2]int]shownImage{}
	for _, im := range list {
		out[[2]int{im.Row, im.Col}] = im
	}
	return out
}

// checkShown checks that sel holds rows×cols decoded, non-blank res×res images.
func (b *browser) checkShown(sel string, rows, cols, res int) map[[2]int]shownImage {
	b.t.Helper()
	ims := b.images(sel)
	if len(ims) != rows*cols {
		b.t.Fatalf("%s: %d images, want %d", sel, len(ims), rows*cols)
	}
	for r := range rows {
		for c := range cols {
			im, ok := ims[[2]int{r, c}]
			if !ok || im.W != res || im.H != res || im.Max-im.Min < 20 || !strings.HasPrefix(im.Src, "data:image/png;base64,") {
				b.t.Fatalf("%s (%d,%d): %+v; want a decoded, non-blank %d×%d PNG", sel, r, c, im, res, res)
			}
		}
	}
	return ims
}

// watchCSP makes every page the tab loads record its Content-Security-Policy violations in window.__csp,
// starting before the page's own scripts.
func (b *browser) watchCSP() {
	b.t.Helper()
	b.do("watch CSP violations", func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = []; document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`})
		return chromedp.Void{}, err
	})
}

// cspViolations returns the violations recorded since the page loaded.
func (b *browser) cspViolations() []string {
	b.t.Helper()
	return get(b, "read CSP violations", chromedp.Evaluate[[]string](`window.__csp || ["no CSP watch"]`))
}

// lineBreaks returns, for the model panel's value equal to text, the characters either side of each place the
// browser wrapped it (as "a|b"), read from the characters' boxes.
const lineBreaks = `(text) => {
  const dd = [...document.querySelectorAll("#info dd")].find((d) => d.textContent === text);
  if (!dd) return ["no value " + text];
  const chars = [];
  const walk = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    for (let i = 0; i < n.length; i++) {
      const r = document.createRange();
      r.setStart(n, i);
      r.setEnd(n, i + 1);
      chars.push({ ch: n.data[i], top: r.getBoundingClientRect().top });
    }
  }
  const out = [];
  for (let i = 1; i < chars.length; i++) if (chars[i].top > chars[i - 1].top + 2) out.push(chars[i - 1].ch + "|" + chars[i].ch);
  return out;
}`

// setSelect chooses value in the <select> (or sets the slider) with the given data-testid, as a user would, and
// waits for the action.
func (b *browser) setSelect(testid, value string) {
	b.t.Helper()
	v := b.version()
	b.do("choose "+value+" in "+testid, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`(() => { const s = document.querySelector('[data-testid=%q]'); s.value = %q; s.dispatchEvent(new Event("change")); })()`,
		testid, value)))
	b.settle(v)
}

func TestBrowser(t *testing.T) {
	path := findChromium()
	if path == "" {
		t.Skip("browser test skipped: no chromium, chromium-browser or google-chrome on PATH (apt-get install chromium)")
	}
	m := newFakeModel()
	res := m.info.Res
	// A long file name, which must wrap between its parts, not mid-word.
	const longPath = "/home/someone/experiments/sdgan/runs/2026-01-01T12-00-00/checkpoints/checkpoint-000012345.safetensors"
	m.info.Facts["checkpoint"] = longPath
	srv := startServer(t, m, Options{})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 1000),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	var mu sync.Mutex
	var jsErrors []string
	err := chromedp.Listen(bctx, func(ev any) { // starts the browser
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			mu.Lock()
			jsErrors = append(jsErrors, msg)
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	b := &browser{t: t, ctx: bctx}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		if len(jsErrors) > 0 {
			t.Errorf("JavaScript exceptions: %v", jsErrors)
		}
	}()

	// The page loads, shows the model facts and a 4×4 grid of decoded images; rows and columns differ.
	b.watchCSP()
	b.do("load page", chromedp.Navigate(srv.URL+"/"))
	b.settle(0)
	breaks := get(b, "read line breaks", chromedp.Evaluate[[]string](`(`+lineBreaks+`)(`+fmt.Sprintf("%q", longPath)+`)`))
	if len(breaks) == 0 {
		t.Errorf("model panel: %s fits on one line; the test needs it to wrap", longPath)
	}
	for _, br := range breaks {
		if !strings.ContainsAny(br[:1], "/._-") {
			t.Errorf("model panel: %s wraps mid-word at %q (all breaks: %q); want breaks after / . _ or -", longPath, br, breaks)
		}
	}
	steps := get(b, "read steps menu", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#steps option")].map((o) => o.value)`))
	if got := strings.Join(steps, ","); got != "2,3,4,5,6,7,8" {
		t.Errorf("steps menu offers %s; want 2 to 8", got)
	}
	facts := get(b, "read facts", chromedp.Text(byTestID("info")))
	for _, want := range []string{"fake-stripes", "13 × 13 × 3", "synthetic stripes", "12,345"} {
		if !strings.Contains(facts, want) {
			t.Errorf("model panel %q lacks %q", facts, want)
		}
	}
	before := b.checkShown("#grid img", 4, 4, res)
	for r := range 4 {
		for c := range 4 {
			if r > 0 && before[[2]int{r, c}].Digest == before[[2]int{0, c}].Digest {
				t.Fatalf("cells (0,%d) and (%d,%d) are equal: identities should differ", c, r, c)
			}
			if c > 0 && before[[2]int{r, c}].Digest == before[[2]int{r, 0}].Digest {
				t.Fatalf("cells (%d,0) and (%d,%d) are equal: observations should differ", r, r, c)
			}
		}
	}

	// "Change identity 1" redraws row 1 only.
	b.click("change-identity-1", true)
	after := b.checkShown("#grid img", 4, 4, res)
	for k, im := range after {
		changed := im.Src != before[k].Src || im.Digest != before[k].Digest
		if changed != (k[0] == 1) {
			t.Fatalf("after changing identity 1, cell %v changed = %v", k, changed)
		}
	}

	// Click A then B: the interpolation's corners are A, B and the two swaps, all of which are grid cells.
	b.click("cell-0-1", false)
	b.click("cell-2-3", true)
	interp := b.checkShown("#interp img", 4, 4, res)
	for _, c := range []struct {
		corner, cell [2]int
		what         string
	}{
		{[2]int{0, 0}, [2]int{0, 1}, "A"}, {[2]int{3, 3}, [2]int{2, 3}, "B"},
		{[2]int{0, 3}, [2]int{0, 3}, "A's identity with B's observation"},
		{[2]int{3, 0}, [2]int{2, 1}, "B's identity with A's observation"},
	} {
		if got, want := interp[c.corner], after[c.cell]; got.Src != want.Src || got.Digest != want.Digest {
			t.Fatalf("interpolation corner %v (%s) differs from grid cell %v", c.corner, c.what, c.cell)
		}
	}
	if interp[[2]int{1, 1}].Digest == interp[[2]int{0, 0}].Digest || interp[[2]int{1, 1}].Digest == interp[[2]int{3, 3}].Digest {
		t.Fatal("interpolation's inner cell equals a corner")
	}

	// Lock identity 0 and observation 2, then "change all": only cell (0, 2) keeps its image.
	b.click("lock-identity-0", false)
	b.click("lock-observation-2", false)
	// Cell A (0, 1) is now also locked: the two marks must differ in colour.
	colours := get(b, "read outline colours", chromedp.Evaluate[[]string](`[
  getComputedStyle(document.querySelector("#grid .cell.is-a")).borderTopColor,
  getComputedStyle(document.querySelector("#grid .cell.locked:not(.is-a) img")).boxShadow,
  getComputedStyle(document.querySelector("#grid .cell.is-a.locked img")).boxShadow,
  getComputedStyle(document.querySelector('[data-testid="lock-identity-0"]')).borderTopColor]`))
	if a := colours[0]; strings.Contains(colours[1], a) || strings.Contains(colours[2], a) || colours[3] == a {
		t.Errorf("cell A's outline %s reappears in the locked marks %q", a, colours[1:])
	}
	b.click("change-all", true)
	locked := b.checkShown("#grid img", 4, 4, res)
	for k, im := range locked {
		if same := im.Digest == after[k].Digest; same != (k == [2]int{0, 2}) {
			t.Fatalf("after change all with identity 0 and observation 2 locked, cell %v unchanged = %v", k, same)
		}
	}

	shot := get(b, "screenshot", chromedp.FullScreenshot(100))
	dir := os.Getenv("SDGAN_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	shotPath := filepath.Join(dir, "sdgan-serve-browser.png")
	if err := writeFileAtomic(shotPath, shot); err != nil {
		t.Errorf("screenshot: %v", err)
	} else {
		t.Logf("screenshot of the explorer: %s", shotPath)
	}

	// The URL hash reproduces the view exactly (grid, locks and interpolation), opened in a new tab.
	url := get(b, "read URL", chromedp.Location())
	b, closeTab := openTab(t, bctx, url)
	defer closeTab()
	reloaded := b.checkShown("#grid img", 4, 4, res)
	reInterp := b.checkShown("#interp img", 4, 4, res)
	for k := range locked {
		if reloaded[k].Src != locked[k].Src {
			t.Fatalf("reloaded link %s: grid cell %v differs", url, k)
		}
	}
	for k := range interp {
		if reInterp[k].Src != interp[k].Src {
			t.Fatalf("reloaded link %s: interpolation cell %v differs", url, k)
		}
	}
	if lock := get(b, "read lock", chromedp.AttributeValue(byTestID("lock-identity-0"), "aria-pressed")); lock.Value != "true" {
		t.Fatalf("reloaded link %s: identity 0 is not locked", url)
	}

	// Steps 7: a 7×7 interpolation between the same corners, kept in the link.
	b.setSelect("steps", "7")
	interp7 := b.checkShown("#interp img", 7, 7, res)
	if interp7[[2]int{0, 0}].Src != interp[[2]int{0, 0}].Src || interp7[[2]int{6, 6}].Src != interp[[2]int{3, 3}].Src {
		t.Fatal("7 steps: corners A and B differ from the 4-step interpolation's")
	}
	if url := get(b, "read URL", chromedp.Location()); !strings.Contains(url, "s=7") {
		t.Fatalf("7 steps: link %s lacks s=7", url)
	}

	// ψ_O 0.5 truncates every column's code: every grid image changes, and so does the interpolation (its ends'
	// observation codes are drawn from seeds too); the link keeps ψ_O and reloads the same images and slider.
	before7 := b.checkShown("#grid img", 4, 4, res)
	b.setSelect("psi-o", "0.5")
	trunc := b.checkShown("#grid img", 4, 4, res)
	for k, im := range trunc {
		if im.Src == before7[k].Src || im.Digest == before7[k].Digest {
			t.Fatalf("ψ_O 0.5: grid cell %v did not change", k)
		}
	}
	truncInterp := b.checkShown("#interp img", 7, 7, res)
	for k, im := range truncInterp {
		if im.Src == interp7[k].Src {
			t.Fatalf("ψ_O 0.5: interpolation cell %v did not change", k)
		}
	}
	url = get(b, "read URL", chromedp.Location())
	if !strings.Contains(url, "po=0.5") || strings.Contains(url, "pi=") {
		t.Fatalf("ψ_O 0.5: link %s; want po=0.5 and no pi (ψ_I is 1)", url)
	}
	if v := get(b, "read ψ_O", chromedp.Text(byTestID("psi-o-value"))); v != "0.50" {
		t.Errorf("ψ_O 0.5: the slider's label says %q", v)
	}
	b, closePsiTab := openTab(t, bctx, url)
	defer closePsiTab()
	for k, im := range b.checkShown("#grid img", 4, 4, res) {
		if im.Src != trunc[k].Src {
			t.Fatalf("reloaded link %s: grid cell %v differs from the truncated grid", url, k)
		}
	}
	for k, im := range b.checkShown("#interp img", 7, 7, res) {
		if im.Src != truncInterp[k].Src {
			t.Fatalf("reloaded link %s: interpolation cell %v differs", url, k)
		}
	}
	if v := get(b, "read ψ_O slider", chromedp.Value(byTestID("psi-o"))); v != "0.5" {
		t.Errorf("reloaded link %s: the ψ_O slider is at %q", url, v)
	}

	// "Clear" forgets A and B: no interpolation, no marks, nothing in the link.
	b.click("clear-interp", true)
	if n := len(b.images("#interp img")); n != 0 {
		t.Fatalf("after clearing: %d interpolation images remain", n)
	}
	if n := get(b, "count marks", chromedp.Evaluate[int](`document.querySelectorAll("#grid .is-a, #grid .is-b, #grid .is-pick").length`)); n != 0 {
		t.Fatalf("after clearing: %d cells still marked A, B or picked", n)
	}
	if url := get(b, "read URL", chromedp.Location()); strings.Contains(url, "a=") || strings.Contains(url, "b=") {
		t.Fatalf("after clearing: link %s still names A or B", url)
	}

	b.click("download", true) // the PNG comes through fetch and a blob: link, which the policy allows

	// The page ran without breaking its Content-Security-Policy, and the policy is in force: an inline script
	// injected now is blocked and reported.
	if v := b.cspViolations(); len(v) != 0 {
		t.Errorf("CSP violations: %q", v)
	}
	ran := get(b, "inject an inline script", chromedp.Evaluate[bool](`(() => {
  const s = document.createElement("script");
  s.textContent = "window.__inlineRan = true;";
  document.head.append(s);
  return window.__inlineRan === true;
})()`))
	if ran {
		t.Error("an inline script ran: the page has no Content-Security-Policy against it")
	}
	b.do("wait for the CSP report", chromedp.Poll[chromedp.Void](`window.__csp.length > 0`, chromedp.WithPollingTimeout(5*time.Second)))
}

// openTab opens url in a new tab of the browser bctx, watching its CSP violations, and waits for the page;
// closeTab closes the tab.
func openTab(t *testing.T, bctx context.Context, url string) (b *browser, closeTab context.CancelFunc) {
	t.Helper()
	tab, closeTab := chromedp.NewContext(bctx)
	b = &browser{t: t, ctx: tab}
	b.watchCSP()
	b.do("open "+url+" in a new tab", chromedp.Navigate(url))
	b.settle(0)
	return b, closeTab
}

// writeFileAtomic writes data to path through a temporary file in the same folder, synced, then renamed.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
