// Package safetensors reads and writes tensors in the safetensors format
// (https://huggingface.co/docs/safetensors), as PyTorch, JAX and the Hugging Face tools use it.
//
// A file is: 8 bytes holding N, a little-endian uint64; N bytes of JSON header
//
//	{"__metadata__": {"key": "value", ...}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
//
// padded with spaces so that N is a multiple of 8; then the byte buffer, which the tensors' data_offsets
// ([begin, end), relative to the start of the buffer) must cover exactly, without gaps or overlaps.
// Values are little-endian, row-major.
//
// This package writes F32 only, and reads F32, F64, F16 and BF16, converting them to float32 (F16 and BF16
// exactly; F64 rounded to nearest, ±Inf beyond float32's range). Other dtypes are an error naming the tensor.
package safetensors

import (
	"fmt"
	"os"
)

// Tensor is a dense row-major array of float32 values.
// len(Data) is the product of Shape; an empty Shape is a scalar holding one value.
type Tensor struct {
	Shape []int
	Data  []float32
}

// metadataKey is the header key that holds the file's string-to-string metadata instead of a tensor.
const metadataKey = "__metadata__"

// maxHeader is the largest header the reference implementation accepts (100 MB).
const maxHeader = 100_000_000

// Read loads every tensor and the metadata from the safetensors file at path, checking the whole file.
// meta is never nil. Errors name the file and, where it applies, the tensor.
func Read(path string) (tensors map[string]Tensor, meta map[string]string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: %w", err)
	}
	tensors, meta, err = decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: read %s: %w", path, err)
	}
	return tensors, meta, nil
}

// Decode parses a whole safetensors file held in data; see Read. The tensors do not share memory with data.
func Decode(data []byte) (tensors map[string]Tensor, meta map[string]string, err error) {
	tensors, meta, err = decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: decode: %w", err)
	}
	return tensors, meta, nil
}
