// Package pngbomb writes decompression bombs for tests: valid PNGs whose pixels are all zero, a few MB on disk
// however many pixels they declare (a 30000×30000 one is 5.6 MB and would take 900 MB decoded as grey, several
// GB as the RGBA a loader converts it to).
//
// The pixel data is one deflate block with the fixed Huffman codes of RFC 1951: a literal zero, then matches of
// 258 bytes at distance 1 (13 bits each, 1:159), then the few zeros left as literals. Nothing is compressed, so
// writing one takes milliseconds.
package pngbomb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"os"
)

// Write writes an 8-bit grey PNG of width×height zero pixels to w.
func Write(w io.Writer, width, height int) error {
	if width < 1 || height < 1 || width >= 1<<31 || height >= 1<<31 {
		return fmt.Errorf("pngbomb: %d×%d; want each side 1 to 2³¹−1", width, height)
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13) // width, height, bit depth 8, colour type 0 (grey), deflate, filter 0, no interlace
	binary.BigEndian.PutUint32(ihdr, uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8] = 8
	chunk(&out, "IHDR", ihdr)
	chunk(&out, "IDAT", zlibZeros(int64(height)*int64(width+1))) // each row: filter byte 0, then the pixels
	chunk(&out, "IEND", nil)
	_, err := w.Write(out.Bytes())
	return err
}

// WriteFile writes the PNG of Write to path.
func WriteFile(path string, width, height int) error {
	var b bytes.Buffer
	if err := Write(&b, width, height); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// chunk appends a PNG chunk: length, type, data, CRC of type and data.
func chunk(b *bytes.Buffer, typ string, data []byte) {
	binary.Write(b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	binary.Write(b, binary.BigEndian, crc.Sum32())
}

// zlibZeros returns a zlib stream (RFC 1950) that inflates to n ≥ 1 zero bytes.
func zlibZeros(n int64) []byte {
	bw := bitWriter{buf: []byte{0x78, 0x01}} // deflate, 32 KiB window; (0x78·256 + 0x01) % 31 == 0
	bw.bits(1, 1)                            // BFINAL: the last block
	bw.bits(1, 2)                            // BTYPE 01: fixed Huffman codes
	bw.code(0x30, 8)                         // literal 0
	for range (n - 1) / 258 {
		bw.code(0xc5, 8) // length code 285: 258 bytes
		bw.code(0, 5)    // distance code 0: distance 1
	}
	for range (n - 1) % 258 {
		bw.code(0x30, 8)
	}
	bw.code(0, 7) // end of block (256)
	bw.flush()
	adler := uint32(n%65521)<<16 | 1 // Adler-32 of zeros: a stays 1, b grows by 1 a byte
	return binary.BigEndian.AppendUint32(bw.buf, adler)
}

// bitWriter packs bits least significant first, as deflate does.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint
}

// bits writes the n low bits of v, least significant first.
func (b *bitWriter) bits(v uint64, n uint) {
	b.acc |= v << b.n
	for b.n += n; b.n >= 8; b.n -= 8 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc >>= 8
	}
}

// code writes an n-bit Huffman code, whose most significant bit goes first.
func (b *bitWriter) code(c uint64, n uint) { b.bits(bits.Reverse64(c)>>(64-n), n) }

// flush writes the last partial byte, padded with zeros.
func (b *bitWriter) flush() {
	if b.n > 0 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc, b.n = 0, 0
	}
}
