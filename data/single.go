package data

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
)

// Image is one image file read for a model, outside any data set (the inputs of `sdgan project`, an upload to
// the explorer): its pixels preprocessed as the data loader preprocesses a data set's images, and what the source
// was like.
type Image struct {
	Pixels []float32   // Res·Res·Channels values, NHWC, in [−1, 1]
	Source image.Point // the decoded file's width and height
	// Colour reports whether the source has colour: some pixel whose red, green and blue differ (after
	// compositing transparency over black). A grey photo saved as RGB has none.
	Colour bool
}

// LoadImage reads the PNG, JPEG or GIF file at path and preprocesses it as Open preprocesses a data set's images
// (centre square, colour conversion, resize to res×res, [−1, 1]): its header first, refusing a file that declares
// more than maxPixels pixels (0 = DefaultMaxPixels) with a *TooLargeError, undecoded; decoding shares the
// process's pixel budget and stops soon after ctx is done. Errors name the file.
func LoadImage(ctx context.Context, path string, res, channels int, maxPixels int64) (*Image, error) {
	if err := checkSingle(path, res, channels, maxPixels); err != nil {
		return nil, err
	}
	f, cfg, err := imageHeader(path, maxPixels)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decodeSingle(ctx, path, f, cfg, res, channels)
}

// DecodeImageBytes is LoadImage for an image held in memory (an upload), named name in errors.
func DecodeImageBytes(ctx context.Context, name string, b []byte, res, channels int, maxPixels int64) (*Image, error) {
	if err := checkSingle(name, res, channels, maxPixels); err != nil {
		return nil, err
	}
	if maxPixels == 0 {
		maxPixels = DefaultMaxPixels
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	switch {
	case err != nil:
		return nil, fmt.Errorf("decode %s: %w", name, err)
	case cfg.Width <= 0 || cfg.Height <= 0:
		return nil, fmt.Errorf("decode %s: image has no pixels", name)
	case int64(cfg.Width)*int64(cfg.Height) > maxPixels:
		return nil, &TooLargeError{Path: name, Width: cfg.Width, Height: cfg.Height, Max: maxPixels}
	}
	return decodeSingle(ctx, name, bytes.NewReader(b), cfg, res, channels)
}

// checkSingle checks LoadImage's sizes.
func checkSingle(name string, res, channels int, maxPixels int64) error {
	switch {
	case res < 8 || res > 4096:
		return fmt.Errorf("decode %s: resolution %d; expected 8 to 4096", name, res)
	case channels != 1 && channels != 3:
		return fmt.Errorf("decode %s: %d channels; expected 1 or 3", name, channels)
	case maxPixels < 0:
		return fmt.Errorf("decode %s: pixel limit %d; expected 0 (default) or more", name, maxPixels)
	}
	return nil
}

// decodeSingle decodes r, whose header cfg was read and checked, within the pixel budget, and preprocesses it.
func decodeSingle(ctx context.Context, name string, r io.Reader, cfg image.Config, res, channels int) (*Image, error) {
	defer decodeGate.release(decodeGate.acquire(int64(cfg.Width) * int64(cfg.Height)))
	m, _, err := image.Decode(ctxReader{ctx, r})
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	if m.Bounds().Empty() {
		return nil, fmt.Errorf("decode %s: image has no pixels", name)
	}
	return &Image{Pixels: preprocess(m, res, channels), Source: m.Bounds().Size(), Colour: hasColour(m)}, nil
}

// hasColour reports whether some pixel of m has red, green and blue values that differ, once composited over
// black as preprocess composites it (8-bit values).
func hasColour(m image.Image) bool {
	if sourceChannels(m) == 1 {
		return false
	}
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := m.At(x, y).RGBA() // premultiplied: composited over black
			if r>>8 != g>>8 || g>>8 != bl>>8 {
				return true
			}
		}
	}
	return false
}
