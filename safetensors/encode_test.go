package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// randomTensors makes tensors of awkward shapes (scalar, empty, 1, odd, prime) filled with random values
// and a few special ones (−0, ±Inf, NaN with a payload).
func randomTensors(rng *rand.Rand) map[string]Tensor {
	shapes := map[string][]int{
		"scalar":                   {},
		"empty":                    {0},
		"empty.3d":                 {2, 0, 3},
		"one":                      {1},
		"odd":                      {7},
		"g.fc.w":                   {3, 5},
		"g.conv1.w":                {2, 3, 5},
		"prime.block":              {13, 1, 17},
		"ünïcode \"quoted\" \\ \t": {2},
	}
	specials := []float32{float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7fc01234), math.SmallestNonzeroFloat32, math.MaxFloat32}
	tensors := map[string]Tensor{}
	for name, shape := range shapes {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(rng.NormFloat64())
			if rng.IntN(5) == 0 {
				data[i] = specials[rng.IntN(len(specials))]
			}
		}
		tensors[name] = Tensor{Shape: shape, Data: data}
	}
	return tensors
}

// sameTensors reports the first difference between two tensor sets, comparing values bit for bit.
func sameTensors(got, want map[string]Tensor) error {
	if len(got) != len(want) {
		return errors.New("different number of tensors")
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			return errors.New("missing tensor " + name)
		}
		if len(g.Shape) != len(w.Shape) || len(g.Data) != len(w.Data) {
			return errors.New("tensor " + name + ": shape or length differs")
		}
		for i := range w.Shape {
			if g.Shape[i] != w.Shape[i] {
				return errors.New("tensor " + name + ": shape differs")
			}
		}
		for i := range w.Data {
			if math.Float32bits(g.Data[i]) != math.Float32bits(w.Data[i]) {
				return errors.New("tensor " + name + ": value differs")
			}
		}
	}
	return nil
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name string
		meta map[string]string
	}{
		{"no metadata", nil},
		{"metadata", map[string]string{"step": "12345", "config": `{"k": 2, "d_I": 50}`, "": "empty key",
			"control\x01\n": "tab\there <html> & ünïcode ✓"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tensors := randomTensors(rng)
			path := filepath.Join(t.TempDir(), "model.safetensors")
			if err := Write(path, tensors, tt.meta); err != nil {
				t.Fatal(err)
			}
			got, meta, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameTensors(got, tensors); err != nil {
				t.Fatal(err)
			}
			if meta == nil || len(meta) != len(tt.meta) {
				t.Fatalf("metadata %q, want %q", meta, tt.meta)
			}
			for k, v := range tt.meta {
				if meta[k] != v {
					t.Errorf("metadata[%q] = %q, want %q", k, meta[k], v)
				}
			}

			// The file must be the same bytes as Encode gives, and decode the same way.
			var buf bytes.Buffer
			if err := Encode(&buf, tensors, tt.meta); err != nil {
				t.Fatal(err)
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(file, buf.Bytes()) {
				t.Fatal("Write and Encode give different bytes")
			}
			if binary.LittleEndian.Uint64(file)%8 != 0 {
				t.Errorf("header length %d is not a multiple of 8", binary.LittleEndian.Uint64(file))
			}
			decoded, _, err := Decode(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameTensors(decoded, tensors); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEncodeDeterministic(t *testing.T) {
	tensors := randomTensors(rand.New(rand.NewPCG(5, 6)))
	meta := map[string]string{"b": "2", "a": "1", "c": "3"}
	var first bytes.Buffer
	if err := Encode(&first, tensors, meta); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		// Fresh maps: Go randomises map iteration, so insertion order must not matter.
		copyTensors, copyMeta := map[string]Tensor{}, map[string]string{}
		for k, v := range tensors {
			copyTensors[k] = v
		}
		for k, v := range meta {
			copyMeta[k] = v
		}
		var again bytes.Buffer
		if err := Encode(&again, copyTensors, copyMeta); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), again.Bytes()) {
			t.Fatal("the same tensors encoded to different bytes")
		}
	}
}

// le32 spells out float32 values as little-endian bytes.
func le32(values ...float32) []byte {
	var b []byte
	for _, v := range values {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func TestEncodeGolden(t *testing.T) {
	tests := []struct {
		name    string
		tensors map[string]Tensor
		meta    map[string]string
		want    []byte
	}{
		{
			// Built by hand from the format description: metadata first, tensors by name, offsets in
			// name order, header (26 + 52 + 54 = 132 bytes) padded with 4 spaces to 136.
			name: "hand-built",
			tensors: map[string]Tensor{
				"b": {Shape: []int{2}, Data: []float32{1, -2}},
				"a": {Shape: []int{}, Data: []float32{0.5}},
			},
			meta: map[string]string{"k": "v"},
			want: concat(
				[]byte{136, 0, 0, 0, 0, 0, 0, 0},
				[]byte(`{"__metadata__":{"k":"v"},`+
					`"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},`+
					`"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`+"    "),
				[]byte{0, 0, 0, 0x3f},                   // 0.5
				[]byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0}, // 1, -2
			),
		},
		{
			// The reference implementation's test_serialization: a 64-byte header needs no padding.
			name:    "reference attn.0",
			tensors: map[string]Tensor{"attn.0": {Shape: []int{1, 2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}}},
			want: concat([]byte{64, 0, 0, 0, 0, 0, 0, 0},
				[]byte(`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`),
				le32(0, 1, 2, 3, 4, 5)),
		},
		{
			// The reference implementation's test_serialization_forced_alignement: 65 bytes padded to 72.
			name:    "reference attn0",
			tensors: map[string]Tensor{"attn0": {Shape: []int{1, 1, 2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}}},
			want: concat([]byte{72, 0, 0, 0, 0, 0, 0, 0},
				[]byte(`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}`+"       "),
				le32(0, 1, 2, 3, 4, 5)),
		},
		{
			name: "reference empty",
			want: []byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '},
		},
		{
			name: "reference empty with metadata",
			meta: map[string]string{"framework": "pt"},
			want: concat([]byte{40, 0, 0, 0, 0, 0, 0, 0}, []byte(`{"__metadata__":{"framework":"pt"}}     `)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, tt.tensors, tt.meta); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), tt.want) {
				t.Fatalf("Encode wrote\n%q\nwant\n%q", buf.Bytes(), tt.want)
			}
			got, meta, err := Decode(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameTensors(got, tt.tensors); err != nil {
				t.Fatal(err)
			}
			if len(meta) != len(tt.meta) {
				t.Fatalf("metadata %q, want %q", meta, tt.meta)
			}
		})
	}
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestEncodeRejects(t *testing.T) {
	tests := []struct {
		name    string
		tensors map[string]Tensor
		meta    map[string]string
		want    string // in the error
	}{
		{"short data", map[string]Tensor{"w": {Shape: []int{2, 3}, Data: make([]float32, 5)}}, nil, `"w": shape [2 3] holds 6 values, but Data has 5`},
		{"scalar without value", map[string]Tensor{"s": {}}, nil, `"s": shape [] holds 1 values, but Data has 0`},
		{"negative dimension", map[string]Tensor{"n": {Shape: []int{-1}, Data: nil}}, nil, `"n": shape [-1] has a negative dimension`},
		{"huge shape", map[string]Tensor{"h": {Shape: []int{1 << 40, 1 << 40}}}, nil, `"h": shape [1099511627776 1099511627776] is too large`},
		{"reserved name", map[string]Tensor{"__metadata__": {Shape: []int{1}, Data: []float32{1}}}, nil, "reserved"},
		{"invalid UTF-8 name", map[string]Tensor{"bad\xff": {Shape: []int{1}, Data: []float32{1}}}, nil, "not valid UTF-8"},
		{"invalid UTF-8 metadata", nil, map[string]string{"k": "bad\xff"}, `metadata "k"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Encode(&buf, tt.tensors, tt.meta)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Encode error = %v, want one containing %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("Encode wrote %d bytes before failing", buf.Len())
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "x.safetensors")
			if err := Write(path, tt.tensors, tt.meta); err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("Write error = %v, want one naming %s", err, path)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("failed Write left %d files behind", len(entries))
			}
		})
	}
}
