package data

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"sync"
)

// DefaultMaxPixels is the most pixels (width × height) an image file may declare when Options.MaxPixels is 0:
// 8192×8192, above any photo data set. A PNG of zeros compresses about 1000:1, so a file of a few hundred KB can
// declare a billion pixels; such a file is refused from its header, before anything is decoded.
const DefaultMaxPixels int64 = 8192 * 8192

// MaxPixelsFlag is the command-line flag that raises the pixel limit; errors name it.
const MaxPixelsFlag = "--max-pixels"

// TooLargeError reports an image file whose header declares more pixels than the limit. The file was not decoded.
type TooLargeError struct {
	Path          string
	Width, Height int
	Max           int64 // the limit it exceeds
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("decode %s: %d×%d = %d pixels, more than the limit of %d; not decoded (raise the limit with %s if you trust the file)",
		e.Path, e.Width, e.Height, int64(e.Width)*int64(e.Height), e.Max, MaxPixelsFlag)
}

// imageHeader opens the image file at path and reads its header: the file (rewound to its start, for the caller
// to decode and close) and its configuration. It fails, closing the file, when the header is unreadable, declares
// no pixels, or declares more than maxPixels (0 = DefaultMaxPixels): then the error is a *TooLargeError.
func imageHeader(path string, maxPixels int64) (*os.File, image.Config, error) {
	if maxPixels == 0 {
		maxPixels = DefaultMaxPixels
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, image.Config{}, err
	}
	cfg, _, err := image.DecodeConfig(f)
	switch {
	case err != nil:
		err = fmt.Errorf("decode %s: %w", path, err)
	case cfg.Width <= 0 || cfg.Height <= 0:
		err = fmt.Errorf("decode %s: image has no pixels", path)
	case int64(cfg.Width)*int64(cfg.Height) > maxPixels:
		err = &TooLargeError{Path: path, Width: cfg.Width, Height: cfg.Height, Max: maxPixels}
	}
	if err == nil {
		if _, err = f.Seek(0, io.SeekStart); err != nil {
			err = fmt.Errorf("decode %s: %w", path, err)
		}
	}
	if err != nil {
		f.Close()
		return nil, image.Config{}, err
	}
	return f, cfg, nil
}

// DecodeImage decodes the PNG, JPEG or GIF file at path after reading its header: a file that declares more than
// maxPixels pixels (0 = DefaultMaxPixels) is refused with a *TooLargeError without being decoded. Decoding waits
// for its pixels to fit the budget shared by every decode of the process (see decodeGate).
func DecodeImage(path string, maxPixels int64) (image.Image, error) {
	if maxPixels < 0 {
		return nil, fmt.Errorf("decode %s: pixel limit %d; expected 0 (default) or more", path, maxPixels)
	}
	f, cfg, err := imageHeader(path, maxPixels)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer decodeGate.release(decodeGate.acquire(int64(cfg.Width) * int64(cfg.Height)))
	m, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return m, nil
}

// headerChannels classifies a header's colour model for the statistics: 1 (grey) or 3 (colour); transparency is
// not detected without decoding the pixels.
func headerChannels(cfg image.Config) int {
	if cfg.ColorModel == color.GrayModel || cfg.ColorModel == color.Gray16Model {
		return 1
	}
	return 3
}

// decodeGate bounds the pixels being decoded at once by the whole process, so that parallel decode workers
// cannot each hold a large image: with the default limit, all of them together hold at most as many pixels as
// one image at the limit (about 24 bytes a pixel while decoding and preprocessing, 1.5 GiB).
var decodeGate = newPixelGate(DefaultMaxPixels)

// pixelGate is a counting semaphore over pixels.
type pixelGate struct {
	mu       sync.Mutex
	cond     *sync.Cond
	capacity int64
	used     int64
	peak     int64 // the most pixels held at once, for tests
}

func newPixelGate(capacity int64) *pixelGate {
	g := &pixelGate{capacity: capacity}
	g.cond = sync.NewCond(&g.mu)
	return g
}

// acquire waits until n pixels fit and takes them. A request above the capacity takes the whole capacity: it
// waits for every other decode to finish and runs alone. It returns what was taken, to pass to release.
func (g *pixelGate) acquire(n int64) int64 {
	n = min(max(n, 1), g.capacity)
	g.mu.Lock()
	defer g.mu.Unlock()
	for g.used+n > g.capacity {
		g.cond.Wait()
	}
	g.used += n
	g.peak = max(g.peak, g.used)
	return n
}

// release returns n pixels taken by acquire.
func (g *pixelGate) release(n int64) {
	g.mu.Lock()
	g.used -= n
	g.mu.Unlock()
	g.cond.Broadcast()
}
