package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"unicode/utf8"
)

// entry is one tensor as the header describes it.
type entry struct {
	name       string
	dtype      string
	shape      []int
	begin, end uint64 // data_offsets, relative to the buffer
}

// dtypeSizes gives the bytes per value of every dtype the format defines.
var dtypeSizes = map[string]uint64{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// readers convert one little-endian value of each dtype this package reads to float32.
var readers = map[string]func(b []byte) float32{
	"F32":  func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) },
	"F64":  func(b []byte) float32 { return float32(math.Float64frombits(binary.LittleEndian.Uint64(b))) },
	"F16":  func(b []byte) float32 { return float16ToFloat32(binary.LittleEndian.Uint16(b)) },
	"BF16": func(b []byte) float32 { return bfloat16ToFloat32(binary.LittleEndian.Uint16(b)) },
}

// decode parses and checks a whole file: header length, header JSON, each tensor's dtype, shape and offsets,
// and that the offsets tile the buffer exactly.
func decode(data []byte) (map[string]Tensor, map[string]string, error) {
	if len(data) < 8 {
		return nil, nil, fmt.Errorf("file is %d bytes, too short for the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeader {
		return nil, nil, fmt.Errorf("header length %d is over the %d-byte limit", n, maxHeader)
	}
	if n > uint64(len(data)-8) {
		return nil, nil, fmt.Errorf("header length %d is more than the %d bytes that follow it", n, len(data)-8)
	}
	header, buf := data[8:8+n], data[8+n:]
	entries, meta, err := parseHeader(header)
	if err != nil {
		return nil, nil, err
	}

	// The offsets must tile the buffer: sorted by position, each tensor starts where the previous one ended.
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), cmp.Compare(a.name, b.name))
	})
	var pos uint64
	prev := ""
	for _, e := range entries {
		switch {
		case e.begin < pos:
			return nil, nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q, which ends at %d",
				e.name, e.begin, e.end, prev, pos)
		case e.begin > pos:
			return nil, nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] leave bytes [%d, %d) unused",
				e.name, e.begin, e.end, pos, e.begin)
		case e.end > uint64(len(buf)):
			return nil, nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the %d-byte buffer",
				e.name, e.begin, e.end, len(buf))
		}
		pos, prev = e.end, e.name
	}
	if pos != uint64(len(buf)) {
		return nil, nil, fmt.Errorf("tensors cover %d bytes of the %d-byte buffer after the header", pos, len(buf))
	}

	tensors := make(map[string]Tensor, len(entries))
	for _, e := range entries {
		read, size := readers[e.dtype], dtypeSizes[e.dtype]
		raw := buf[e.begin:e.end]
		values := make([]float32, len(raw)/int(size))
		for i := range values {
			values[i] = read(raw[uint64(i)*size:])
		}
		tensors[e.name] = Tensor{Shape: e.shape, Data: values}
	}
	return tensors, meta, nil
}

// tensorInfo is a header entry as JSON; pointers tell a missing field from an empty one.
type tensorInfo struct {
	Dtype       *string   `json:"dtype"`
	Shape       *[]uint64 `json:"shape"`
	DataOffsets *[]uint64 `json:"data_offsets"`
}

// parseHeader reads the JSON header, rejecting duplicate names, missing fields, dtypes this package cannot
// read, and shapes whose byte size disagrees with their offsets.
func parseHeader(header []byte) ([]entry, map[string]string, error) {
	if !utf8.Valid(header) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	if len(bytes.TrimSpace(header)) == 0 {
		return nil, nil, errors.New("header is empty")
	}
	meta := map[string]string{}
	var entries []entry
	dec := json.NewDecoder(bytes.NewReader(header))
	seen := map[string]bool{}
	err := eachKey(dec, func(name string) error {
		if seen[name] {
			return fmt.Errorf("name %q appears twice", name)
		}
		seen[name] = true
		if name == metadataKey {
			err := eachKey(dec, func(key string) error {
				if _, dup := meta[key]; dup {
					return fmt.Errorf("key %q appears twice", key)
				}
				var v string
				if err := dec.Decode(&v); err != nil {
					return fmt.Errorf("key %q: want a string value: %w", key, err)
				}
				meta[key] = v
				return nil
			})
			if err != nil {
				return fmt.Errorf("%s: %w", metadataKey, err)
			}
			return nil
		}
		var info tensorInfo
		if err := dec.Decode(&info); err != nil {
			return fmt.Errorf("tensor %q: %w", name, err)
		}
		e, err := checkInfo(name, info)
		if err != nil {
			return fmt.Errorf("tensor %q: %w", name, err)
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	if rest := bytes.TrimLeft(header[dec.InputOffset():], " \t\r\n"); len(rest) > 0 {
		return nil, nil, fmt.Errorf("header: unexpected %q after the JSON object", truncate(rest, 20))
	}
	return entries, meta, nil
}

// eachKey reads one JSON object from dec, calling fn for each key; fn must consume the key's value.
func eachKey(dec *json.Decoder, fn func(key string) error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("want a JSON object, found %v", tok)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if err := fn(tok.(string)); err != nil { // inside an object, the decoder only yields string keys here
			return err
		}
	}
	_, err = dec.Token() // the closing '}'
	return err
}

// checkInfo turns a tensor's header fields into an entry, checking them against each other.
func checkInfo(name string, info tensorInfo) (entry, error) {
	switch {
	case info.Dtype == nil:
		return entry{}, errors.New(`missing "dtype"`)
	case info.Shape == nil:
		return entry{}, errors.New(`missing "shape"`)
	case info.DataOffsets == nil:
		return entry{}, errors.New(`missing "data_offsets"`)
	}
	dtype, dims, offsets := *info.Dtype, *info.Shape, *info.DataOffsets
	size, known := dtypeSizes[dtype]
	if !known {
		return entry{}, fmt.Errorf("unknown dtype %q", dtype)
	}
	if readers[dtype] == nil {
		return entry{}, fmt.Errorf("dtype %s is not supported (only F32, F64, F16 and BF16 are read)", dtype)
	}
	if len(offsets) != 2 || offsets[0] > offsets[1] {
		return entry{}, fmt.Errorf("data_offsets %v: want [begin, end] with begin <= end", offsets)
	}
	shape := make([]int, len(dims))
	count := uint64(1)
	for i, d := range dims {
		if d > math.MaxInt32 {
			return entry{}, fmt.Errorf("shape %v: dimension %d is too large", dims, d)
		}
		shape[i] = int(d)
		hi, lo := bits.Mul64(count, d)
		if hi != 0 || lo > math.MaxInt/8 {
			return entry{}, fmt.Errorf("shape %v is too large", dims)
		}
		count = lo
	}
	if want := count * size; offsets[1]-offsets[0] != want {
		return entry{}, fmt.Errorf("dtype %s with shape %v needs %d bytes, but data_offsets [%d, %d] hold %d",
			dtype, dims, want, offsets[0], offsets[1], offsets[1]-offsets[0])
	}
	return entry{name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1]}, nil
}

// truncate shortens b to at most n bytes, for error messages.
func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
