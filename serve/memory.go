package serve

import (
	"fmt"
	"net/http"
	"runtime"
	"runtime/debug"
)

// maxBatch bounds the images of one model call: larger batches gain little (model.Generate itself works in
// batches of 64), and smaller ones let an abandoned request stop sooner.
const maxBatch = 64

// requestOverhead is the memory a request needs whatever its size: its decoded body, its PNG encoder's state
// (about 1 MiB), the HTTP machinery. A generous round figure.
const requestOverhead = 4 << 20

// plan is how one request is rendered: the model's batch size and the memory estimated for it.
type plan struct {
	batch int   // images per model call
	bytes int64 // estimated peak memory of the request
}

// planRequest estimates the memory a rows×cols grid request needs and picks the largest batch (at most
// maxBatch) that keeps it within opt.MaxRequestMemory; a request that would exceed the budget even one image
// at a time is refused with a 400 that says what it needs.
func planRequest(opt Options, info Info, rows, cols, pad int, asJSON bool) (plan, error) {
	n := rows * cols
	out := outputBytes(info, rows, cols, pad, asJSON)
	cost := opt.ModelMemory
	avail := opt.MaxRequestMemory - requestOverhead - out - cost.Fixed
	batch := min(maxBatch, n)
	if cost.PerImage > 0 {
		batch = int(min(int64(batch), max(avail/cost.PerImage, 0)))
	}
	p := plan{batch: batch, bytes: requestOverhead + out + cost.Fixed + int64(max(batch, 1))*cost.PerImage}
	if batch < 1 || avail < 0 {
		form, advice := "PNG", "ask for fewer images"
		if asJSON {
			form, advice = "JSON", "ask for fewer images, or for PNG rather than JSON"
		}
		return p, &apiError{status: http.StatusBadRequest, kind: "over_memory_budget",
			msg: fmt.Sprintf("request: %d images of %d×%d×%d as %s need about %s of memory (%s for the answer, %s "+
				"for the model working on one image); expected at most %s per request (--max-request-memory): %s",
				n, info.Res, info.Res, info.Channels, form, mib(p.bytes), mib(out), mib(cost.Fixed+cost.PerImage),
				mib(opt.MaxRequestMemory), advice)}
	}
	return p, nil
}

// outputBytes estimates, generously, the memory a request allocates for its answer beyond the model's working
// memory: the float32 images (kept until the grid is drawn), the grid picture and its PNG, and for JSON each
// cell's picture and PNG and the answer's text. PNG buffers are allocated at pngBound's size.
func outputBytes(info Info, rows, cols, pad int, asJSON bool) int64 {
	n, res, ch, p := int64(rows*cols), int64(info.Res), int64(info.Channels), int64(pad)
	bpp := int64(4) // picture.Grid makes NRGBA for RGB, Gray for grey
	if ch == 1 {
		bpp = 1
	}
	w, h := int64(cols)*res+int64(cols+1)*p, int64(rows)*res+int64(rows+1)*p
	gridPNG := pngBound(w, h, ch)
	total := n*res*res*ch*4 + w*h*bpp + gridPNG
	if asJSON {
		cellPNG := pngBound(res, res, ch)
		codes := 2 * int64(rows*info.DI+cols*info.DO) * 16 // float32 values as JSON text, and a copy
		answer := n*(base64Len(cellPNG)+3) + base64Len(gridPNG) + codes
		total += n*(res*res*bpp+cellPNG) + answer
	}
	return total
}

// pngBound bounds the size of a w×h PNG with ch colour channels, as image/png writes it: the filtered rows,
// deflate's stored blocks for incompressible data (5 bytes per 64 KiB), the IDAT chunks' headers (12 bytes per
// 32 KiB) and the rest of the file.
func pngBound(w, h, ch int64) int64 {
	raw := h * (1 + w*ch)
	return raw + raw/2048 + 1024
}

func base64Len(n int64) int64 { return 4 * ((n + 2) / 3) }

// mib formats a byte count in MiB.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// MeasureModelMemory measures the working memory of m.Generate: the bytes allocated by a call on one image and
// by one on four (each after clearing the caches of scratch buffers) give the cost per image and per call, as
// a straight line. Everything a call allocates counts, so the figure bounds its peak. Call it once, at
// start-up, while nothing else runs: it counts every allocation in the process.
func MeasureModelMemory(m Model) (ModelMemory, error) {
	info := m.Info()
	if err := info.Validate(); err != nil {
		return ModelMemory{}, err
	}
	alloc := func(n int) (uint64, error) {
		zi, zo := SampleGrid(1, n, 1, info.DI, info.DO)
		pi, po := zi, make([][]float32, n)
		for i := range po {
			po[i] = zo[0]
		}
		runtime.GC() // twice: sync.Pool caches survive one collection
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res := callModel(m, pi, po)
		runtime.ReadMemStats(&after)
		if err := checkImages(info, res, 0, n); err != nil {
			return 0, fmt.Errorf("measure the model's memory: %w", err)
		}
		return after.TotalAlloc - before.TotalAlloc, nil
	}
	defer debug.FreeOSMemory()
	one, err := alloc(1)
	if err != nil {
		return ModelMemory{}, err
	}
	four, err := alloc(4)
	if err != nil {
		return ModelMemory{}, err
	}
	if four <= one { // scratch buffers reused more than they grew: count every call as one image's
		return ModelMemory{PerImage: int64(one)}, nil
	}
	per := int64(four-one+2) / 3
	return ModelMemory{PerImage: per, Fixed: max(int64(one)-per, 0)}, nil
}
