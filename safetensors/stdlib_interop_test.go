package safetensors

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestPythonStdlibReaderAndWriter checks the format against an independent implementation of the spec written with
// Python's standard library only (json and struct), so that it runs wherever python3 exists: Python reads a file we
// wrote, and writes one (header keys in its own order, no padding) that we must read.
func TestPythonStdlibReaderAndWriter(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found; skipping the stdlib interop check")
	}
	dir := t.TempDir()
	ours, theirs := filepath.Join(dir, "go.safetensors"), filepath.Join(dir, "py.safetensors")
	tensors := map[string]Tensor{
		"G/up0/weights": {Shape: []int{2, 3}, Data: []float32{1, -2, 3.25, 4, 5e-8, 6.5}},
		"scalar":        {Shape: []int{}, Data: []float32{-1}},
		"empty":         {Shape: []int{0, 3}, Data: []float32{}},
	}
	if err := Write(ours, tensors, map[string]string{"sdgan.step": "7"}); err != nil {
		t.Fatal(err)
	}
	script := `
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
buf = raw[8 + n:]
assert header.pop("__metadata__") == {"sdgan.step": "7"}
want = {"G/up0/weights": ([2, 3], [1, -2, 3.25, 4, 5e-8, 6.5]), "scalar": ([], [-1]), "empty": ([0, 3], [])}
assert set(header) == set(want), header
end = 0
for name, (shape, values) in want.items():
    h = header[name]
    assert h["dtype"] == "F32" and h["shape"] == shape, (name, h)
    b, e = h["data_offsets"]
    got = struct.unpack("<%df" % ((e - b) // 4), buf[b:e])
    assert all(abs(g - v) <= 1e-7 * max(1, abs(v)) for g, v in zip(got, values)) and len(got) == len(values), (name, got)
    end = max(end, e)
assert end == len(buf), "buffer not covered exactly"
# Write one: tensors in reverse name order, metadata last, no padding.
data = {"b": ([3], [0.5, -0.25, 8]), "a": ([1, 1], [42])}
body, hdr = b"", {}
for name, (shape, values) in sorted(data.items(), reverse=True):
    chunk = struct.pack("<%df" % len(values), *values)
    hdr[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(body), len(body) + len(chunk)]}
    body += chunk
hdr["__metadata__"] = {"from": "python"}
h = json.dumps(hdr).encode()
open(sys.argv[2], "wb").write(struct.pack("<Q", len(h)) + h + body)
`
	if out, err := exec.Command(python, "-c", script, ours, theirs).CombinedOutput(); err != nil {
		t.Fatalf("python's stdlib reader rejected our file: %v\n%s", err, out)
	}
	got, meta, err := Read(theirs)
	if err != nil {
		t.Fatalf("reading python's file: %v", err)
	}
	if meta["from"] != "python" || len(got) != 2 {
		t.Fatalf("python's file: meta %v, %d tensors", meta, len(got))
	}
	if b := got["b"]; len(b.Shape) != 1 || b.Shape[0] != 3 || b.Data[0] != 0.5 || b.Data[1] != -0.25 || b.Data[2] != 8 {
		t.Errorf("tensor b = %+v", b)
	}
	if a := got["a"]; len(a.Shape) != 2 || a.Data[0] != 42 {
		t.Errorf("tensor a = %+v", a)
	}
}
