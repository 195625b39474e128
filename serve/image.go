package serve

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"sync"
)

// pngEncoder encodes with fast compression (grids are encoded on every request, and speed matters more than
// a few percent of size) and reuses its buffers through a sync.Pool, which png.Encoder documents as safe for
// concurrent use.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers{}}

// pngBuffers is a png.EncoderBufferPool backed by a sync.Pool: a cache of encoder buffers, not state.
type pngBuffers struct{ pool sync.Pool }

func (p *pngBuffers) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngBuffers) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

// encodePNG encodes img, an opaque picture with the given colour channels (1 or 3), as PNG, into a buffer
// allocated once at pngBound's size.
func encodePNG(img image.Image, channels int) ([]byte, error) {
	size := img.Bounds().Size()
	buf := bytes.NewBuffer(make([]byte, 0, pngBound(int64(size.X), int64(size.Y), int64(channels))))
	if err := pngEncoder.Encode(buf, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}
