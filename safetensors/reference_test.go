package safetensors

import (
	"bytes"
	"testing"
)

// TestReferenceVectors checks Encode and Decode against the exact bytes that the reference implementation's own
// tests require of its serializer (huggingface/safetensors, safetensors/src/tensor.rs: test_serialization,
// test_serialization_forced_alignement and test_empty). It replaces a check that ran the Python safetensors
// package, which Debian does not package, so that the check could never run in CI; this one always runs.
func TestReferenceVectors(t *testing.T) {
	zeroToFive := "\x00\x00\x00\x00" + "\x00\x00\x80\x3f" + "\x00\x00\x00\x40" + "\x00\x00\x40\x40" + "\x00\x00\x80\x40" + "\x00\x00\xa0\x40" // 0, 1, …, 5 as little-endian F32
	for _, tc := range []struct {
		name    string
		tensors map[string]Tensor
		meta    map[string]string
		want    string
	}{
		{
			name:    "serialization",
			tensors: map[string]Tensor{"attn.0": {Shape: []int{1, 2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}}},
			want: "\x40\x00\x00\x00\x00\x00\x00\x00" + // 64: the header needs no padding
				`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}` + zeroToFive,
		},
		{
			name:    "forced alignment",
			tensors: map[string]Tensor{"attn0": {Shape: []int{1, 1, 2, 3}, Data: []float32{0, 1, 2, 3, 4, 5}}},
			want: "\x48\x00\x00\x00\x00\x00\x00\x00" + // 72: 65 bytes of JSON and 7 spaces
				`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}` + "       " + zeroToFive,
		},
		{
			name: "empty",
			want: "\x08\x00\x00\x00\x00\x00\x00\x00" + "{}      ",
		},
		{
			name: "empty with metadata",
			meta: map[string]string{"framework": "pt"},
			want: "\x28\x00\x00\x00\x00\x00\x00\x00" + `{"__metadata__":{"framework":"pt"}}` + "     ",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Encode(&b, tc.tensors, tc.meta); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("Encode wrote\n%q\nwant the reference's\n%q", b.String(), tc.want)
			}
			tensors, meta, err := Decode([]byte(tc.want))
			if err != nil {
				t.Fatalf("Decode of the reference's bytes: %v", err)
			}
			if err := sameTensors(tensors, tc.tensors); err != nil {
				t.Error(err)
			}
			if len(meta) != len(tc.meta) || meta["framework"] != tc.meta["framework"] {
				t.Errorf("metadata %v, want %v", meta, tc.meta)
			}
		})
	}
}
