package train

import (
	"testing"

	"sdgan/model"
	"sdgan/nn"
)

// --mismatch's tuples take image j of tuple i from tuple i + j: every tuple mixes k different tuples of the batch
// and every real image is used once.
func TestMismatchedTuples(t *testing.T) {
	const tuples, k = 5, 3
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	cfg.K = k
	size := cfg.ImageSize()
	tr := &trainer{opt: Options{Model: cfg, Tuples: tuples}, tape: nn.NewTape(),
		real: make([]float32, tuples*k*size), imageShape: []int{tuples * k, 32, 32, 1}}
	for i := range tuples * k {
		for p := range size {
			tr.real[i*size+p] = float32(i) // image i of the batch is filled with i
		}
	}
	got := tr.mismatched()
	seen := map[float32]bool{}
	for i := range tuples {
		from := map[int]bool{}
		for j := range k {
			v := got.CPUData()[(i*k+j)*size]
			src := int(v)
			if src%k != j || src/k != (i+j)%tuples {
				t.Fatalf("tuple %d image %d is real image %d, want image %d of tuple %d", i, j, src, j, (i+j)%tuples)
			}
			from[src/k] = true
			seen[v] = true
		}
		if len(from) != k {
			t.Errorf("tuple %d draws on %d tuples, want %d", i, len(from), k)
		}
	}
	if len(seen) != tuples*k {
		t.Errorf("%d of %d real images used", len(seen), tuples*k)
	}
}
