package serve

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
)

// newPNGEncoder returns an encoder with fast compression (grids are encoded on every request, and speed
// matters more than a few percent of size) that reuses one set of buffers across its calls. Each request makes
// its own, so that what a request allocates does not depend on when the garbage collector empties a shared
// pool; it is not safe for concurrent use.
func newPNGEncoder() *png.Encoder {
	return &png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &oneBuffer{}}
}

// oneBuffer is a png.EncoderBufferPool that holds one buffer, for one goroutine.
type oneBuffer struct{ b *png.EncoderBuffer }

func (o *oneBuffer) Get() *png.EncoderBuffer {
	b := o.b
	o.b = nil
	return b
}

func (o *oneBuffer) Put(b *png.EncoderBuffer) { o.b = b }

// encodePNG encodes img, an opaque picture with the given colour channels (1 or 3), as PNG with enc, into a
// buffer allocated once at pngBound's size.
func encodePNG(enc *png.Encoder, img image.Image, channels int) ([]byte, error) {
	size := img.Bounds().Size()
	buf := bytes.NewBuffer(make([]byte, 0, pngBound(int64(size.X), int64(size.Y), int64(channels))))
	if err := enc.Encode(buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}
