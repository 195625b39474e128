package safetensors

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"sdgan/internal/atomicfile"
)

// Write stores tensors (as F32) and meta in a safetensors file at path, atomically: the previous file, if any,
// stays in place until the new one is complete. See Encode for the layout.
func Write(path string, tensors map[string]Tensor, meta map[string]string) error {
	err := atomicfile.Write(path, func(w io.Writer) error { return encode(w, tensors, meta) })
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// Encode writes tensors (as F32) and meta in the safetensors format, byte for byte as the reference
// implementation does: compact JSON header with "__metadata__" first (left out when meta is empty) and its keys
// sorted, then the tensors sorted by name, header padded with spaces to a multiple of 8, data in name order.
// The same input always gives the same bytes.
//
// It checks everything before writing anything: names must be valid UTF-8 and not "__metadata__", shapes must
// have no negative dimension and match len(Data), meta must be valid UTF-8.
func Encode(w io.Writer, tensors map[string]Tensor, meta map[string]string) error {
	if err := encode(w, tensors, meta); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// encode is Encode with errors that do not repeat the package name.
func encode(w io.Writer, tensors map[string]Tensor, meta map[string]string) error {
	names, err := checkTensors(tensors)
	if err != nil {
		return err
	}
	header, err := encodeHeader(names, tensors, meta)
	if err != nil {
		return err
	}

	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	if _, err := w.Write(n[:]); err != nil {
		return fmt.Errorf("write header length: %w", err)
	}
	if _, err := w.Write(header); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	buf := make([]byte, 0, 1<<15)
	for _, name := range names {
		for _, v := range tensors[name].Data {
			if len(buf) == cap(buf) {
				if _, err := w.Write(buf); err != nil {
					return fmt.Errorf("write tensor %q: %w", name, err)
				}
				buf = buf[:0]
			}
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("write tensor data: %w", err)
	}
	return nil
}

// checkTensors validates the tensors to write and returns their names, sorted.
func checkTensors(tensors map[string]Tensor) ([]string, error) {
	names := make([]string, 0, len(tensors))
	for name, t := range tensors {
		if name == metadataKey {
			return nil, fmt.Errorf("tensor name %q is reserved for the metadata", name)
		}
		if !utf8.ValidString(name) {
			return nil, fmt.Errorf("tensor name %q is not valid UTF-8", name)
		}
		count := 1
		for _, d := range t.Shape {
			if d < 0 {
				return nil, fmt.Errorf("tensor %q: shape %v has a negative dimension", name, t.Shape)
			}
			if d != 0 && count > math.MaxInt/4/d {
				return nil, fmt.Errorf("tensor %q: shape %v is too large", name, t.Shape)
			}
			count *= d
		}
		if count != len(t.Data) {
			return nil, fmt.Errorf("tensor %q: shape %v holds %d values, but Data has %d",
				name, t.Shape, count, len(t.Data))
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

// encodeHeader builds the padded JSON header for the tensors, laid out one after the other in names' order.
func encodeHeader(names []string, tensors map[string]Tensor, meta map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(meta) > 0 {
		keys := make([]string, 0, len(meta))
		for k, v := range meta {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, fmt.Errorf("metadata %q: %q is not valid UTF-8", k, v)
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		writeString(&b, metadataKey)
		b.WriteString(":{")
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(&b, k)
			b.WriteByte(':')
			writeString(&b, meta[k])
		}
		b.WriteByte('}')
	}
	offset := 0
	for i, name := range names {
		if i > 0 || len(meta) > 0 {
			b.WriteByte(',')
		}
		t := tensors[name]
		end := offset + 4*len(t.Data)
		writeString(&b, name)
		b.WriteString(`:{"dtype":"F32","shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
		}
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}

// writeString writes s as a JSON string the way serde_json (the reference implementation) does:
// only '"', '\\' and control characters are escaped.
func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
