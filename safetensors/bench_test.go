package safetensors

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// benchTensors is about the size of the generator: 2M float32 values in a few tensors.
func benchTensors() map[string]Tensor {
	rng := rand.New(rand.NewPCG(7, 8))
	tensors := map[string]Tensor{}
	for i, n := range []int{819200, 147456, 147456, 3456, 128, 128, 921600} {
		data := make([]float32, n)
		for j := range data {
			data[j] = float32(rng.NormFloat64())
		}
		tensors[string(rune('a'+i))] = Tensor{Shape: []int{n}, Data: data}
	}
	return tensors
}

func BenchmarkEncode(b *testing.B) {
	tensors := benchTensors()
	var buf bytes.Buffer
	Encode(&buf, tensors, nil)
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if err := Encode(io.Discard, tensors, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	var buf bytes.Buffer
	Encode(&buf, benchTensors(), nil)
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
