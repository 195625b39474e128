package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// file assembles a safetensors file from a raw header (not padded) and buffer.
func file(header string, buf []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), buf...)
}

// withLength is a file whose length field says n, whatever follows.
func withLength(n uint64, rest string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

func TestDecodeDtypes(t *testing.T) {
	var buf []byte
	buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(0.1))   // F64 [0, 8)
	buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(-3))    // F64 [8, 16)
	buf = binary.LittleEndian.AppendUint16(buf, 0x3c00)                  // F16 1   [16, 18)
	buf = binary.LittleEndian.AppendUint16(buf, 0xc500)                  // F16 -5  [18, 20)
	buf = binary.LittleEndian.AppendUint16(buf, 0x0001)                  // F16 2^-24 [20, 22)
	buf = binary.LittleEndian.AppendUint16(buf, 0x4049)                  // BF16 3.140625 [22, 24)
	buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(-7.25)) // F32 [24, 28)
	header := `{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},` +
		`"h":{"dtype":"F16","shape":[1,3],"data_offsets":[16,22]},` +
		`"b":{"dtype":"BF16","shape":[],"data_offsets":[22,24]},` +
		`"f":{"dtype":"F32","shape":[1,1],"data_offsets":[24,28]}}`
	got, meta, err := Decode(file(header, buf))
	if err != nil {
		t.Fatal(err)
	}
	if len(meta) != 0 {
		t.Errorf("metadata %q, want none", meta)
	}
	want := map[string]Tensor{
		"d": {Shape: []int{2}, Data: []float32{float32(0.1), -3}},
		"h": {Shape: []int{1, 3}, Data: []float32{1, -5, 1.0 / (1 << 24)}},
		"b": {Shape: []int{}, Data: []float32{3.140625}},
		"f": {Shape: []int{1, 1}, Data: []float32{-7.25}},
	}
	if err := sameTensors(got, want); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeRejects(t *testing.T) {
	tensorA := `"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`
	eight := make([]byte, 8)
	tests := []struct {
		name string
		data []byte
		want string // in the error
	}{
		{"shorter than the length field", []byte{1, 2, 3, 4, 5}, "too short"},
		{"header length past the end", withLength(100, `{}`), "header length 100 is more than the 2 bytes"},
		{"header length over the limit", withLength(1<<40, `{}`), "over the 100000000-byte limit"},
		{"header length wraps around", withLength(math.MaxUint64, `{}`), "over the"},
		{"empty header", file(``, nil), "header is empty"},
		{"header of spaces", file(`        `, nil), "header is empty"},
		{"header not JSON", file(`{"a":`, nil), "header"},
		{"header not an object", file(`[1, 2]`, nil), "want a JSON object"},
		{"header not UTF-8", file("{\"\xff\":{}}", nil), "not valid UTF-8"},
		{"text after the object", file(`{} x`, nil), `unexpected "x"`},
		{"second object", file(`{}{}`, nil), `unexpected "{}"`},
		{"duplicate tensor", file(`{`+tensorA+`,`+tensorA+`}`, eight), `name "a" appears twice`},
		{"duplicate metadata key", file(`{"__metadata__":{"k":"1","k":"2"}}`, nil), `key "k" appears twice`},
		{"metadata value not a string", file(`{"__metadata__":{"k":1}}`, nil), `key "k": want a string`},
		{"metadata not an object", file(`{"__metadata__":"x"}`, nil), `__metadata__: want a JSON object`},
		{"missing dtype", file(`{"a":{"shape":[2],"data_offsets":[0,8]}}`, eight), `tensor "a": missing "dtype"`},
		{"missing shape", file(`{"a":{"dtype":"F32","data_offsets":[0,8]}}`, eight), `tensor "a": missing "shape"`},
		{"missing offsets", file(`{"a":{"dtype":"F32","shape":[2]}}`, eight), `tensor "a": missing "data_offsets"`},
		{"tensor not an object", file(`{"a":3}`, nil), `tensor "a"`},
		{"unknown dtype", file(`{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}`, eight), `tensor "a": unknown dtype "F33"`},
		{"unsupported dtype", file(`{"ids":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}`, eight), `tensor "ids": dtype I32 is not supported`},
		{"three offsets", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}`, eight), `tensor "a": data_offsets [0 8 8]`},
		{"offsets reversed", file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, eight), `tensor "a": data_offsets [8 0]`},
		{"negative dimension", file(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, eight), `tensor "a"`},
		{"fractional dimension", file(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}`, eight), `tensor "a"`},
		{"shape overflows", file(`{"a":{"dtype":"F32","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,8]}}`, eight), `tensor "a": shape [2147483647 2147483647 2147483647] is too large`},
		{"huge dimension", file(`{"a":{"dtype":"F32","shape":[4294967296,0],"data_offsets":[0,0]}}`, nil), `tensor "a": shape [4294967296 0]: dimension 4294967296 is too large`},
		{"shape and offsets disagree", file(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, eight), `tensor "w": dtype F32 with shape [3] needs 12 bytes, but data_offsets [0, 8] hold 8`},
		{"F16 size", file(`{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}}`, eight), `tensor "w": dtype F16 with shape [2] needs 4 bytes`},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), `tensor "b": data_offsets [4, 8] overlap tensor "a"`},
		{"gap", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, eight), `tensor "a": data_offsets [4, 8] leave bytes [0, 4) unused`},
		{"past the buffer", file(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, eight), `tensor "a": data_offsets [0, 16] run past the 8-byte buffer`},
		{"offsets past 2^64/2", file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[18446744073709551615,18446744073709551615]}}`, nil), `tensor "a"`},
		{"trailing bytes", file(`{`+tensorA+`}`, make([]byte, 12)), "tensors cover 8 bytes of the 12-byte buffer"},
		{"truncated data", file(`{`+tensorA+`}`, make([]byte, 7)), `tensor "a": data_offsets [0, 8] run past the 7-byte buffer`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Decode(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestReadNamesFile(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.safetensors")
	if err := os.WriteFile(corrupt, file(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8)), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.safetensors")
	for _, path := range []string{corrupt, missing} {
		_, _, err := Read(path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Read(%s) error = %v, want one naming the file", path, err)
		}
	}
	_, _, err := Read(corrupt)
	if err == nil || !strings.Contains(err.Error(), `tensor "w"`) {
		t.Errorf("Read error = %v, want one naming the tensor", err)
	}
}

// FuzzDecode checks that Decode never panics, and that whatever it accepts survives an Encode round trip.
func FuzzDecode(f *testing.F) {
	var golden bytes.Buffer
	Encode(&golden, map[string]Tensor{"a": {Shape: []int{2}, Data: []float32{1, 2}}, "s": {Data: []float32{3}}},
		map[string]string{"k": "v"})
	f.Add(golden.Bytes())
	f.Add(file(`{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`, []byte{0, 0x3c}))
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Fuzz(func(t *testing.T, data []byte) {
		tensors, meta, err := Decode(data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Encode(&buf, tensors, meta); err != nil {
			t.Fatalf("decoded tensors do not encode: %v", err)
		}
		again, meta2, err := Decode(buf.Bytes())
		if err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
		if err := sameTensors(again, tensors); err != nil {
			t.Fatal(err)
		}
		if len(meta2) != len(meta) {
			t.Fatal("metadata changed in the round trip")
		}
	})
}
