package train

import (
	"slices"
	"testing"

	"sdgan/data"
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

// --mismatch-hard: the look-alike order by hand (looks of one value: 0, 1, 5; tuples 0 and 3 share identity 0),
// ties kept in tuple order, a tuple's own identity left out; and the mismatched tuples built from it.
func TestMismatchHard(t *testing.T) {
	looks := [][]float32{{0}, {1}, {5}}
	ids := []int{0, 1, 2, 0}
	partners := make([][]int, len(ids))
	lookalikes(ids, looks, partners)
	want := [][]int{{1, 2}, {0, 3, 2}, {1, 0, 3}, {1, 2}}
	for i := range want {
		if !slices.Equal(partners[i], want[i]) {
			t.Errorf("tuple %d (identity %d): look-alikes %v, want %v", i, ids[i], partners[i], want[i])
		}
	}

	const k = 2
	cfg := model.DefaultConfig(model.DCGAN, 32, 1)
	size := cfg.ImageSize()
	tr := &trainer{opt: Options{Model: cfg, Tuples: len(ids)}, tape: nn.NewTape(), looks: looks, batchIDs: ids,
		partners: make([][]int, len(ids)), real: make([]float32, len(ids)*k*size), imageShape: []int{len(ids) * k, 32, 32, 1}}
	for i := range len(ids) * k {
		for p := range size {
			tr.real[i*size+p] = float32(i) // image i of the batch is filled with i
		}
	}
	got := tr.mismatched().CPUData()
	for i := range ids {
		for j := range k {
			from := i // image 0 stays; image 1 comes from the nearest tuple of another identity
			if j == 1 {
				from = want[i][0]
			}
			if v := got[(i*k+j)*size]; int(v) != from*k+j {
				t.Errorf("mismatched tuple %d image %d is real image %v, want %d", i, j, v, from*k+j)
			}
		}
	}
}

// An identity's look is its mean image pooled to 8×8: at 16×16, each cell is the mean of 2×2 pixels over images.
func TestIdentityLooks(t *testing.T) {
	const res = 16
	left, dark := make([]float32, res*res), make([]float32, res*res)
	for y := range res {
		for x := range res {
			left[y*res+x], dark[y*res+x] = -1, -1
			if x < res/2 {
				left[y*res+x] = 1
			}
		}
	}
	ds := &data.Dataset{Name: "test", Res: res, Channels: 1, Identities: []data.Identity{
		{Name: "a", Images: [][]float32{left, dark}}, {Name: "b", Images: [][]float32{dark}}}}
	looks, err := identityLooks(ds)
	if err != nil {
		t.Fatal(err)
	}
	for c, v := range looks[0] {
		want := float32(-1) // (−1 − 1)/2 on the right half, (1 − 1)/2 = 0 on the left
		if c%lookGrid < lookGrid/2 {
			want = 0
		}
		if v != want {
			t.Fatalf("look of a, cell %d: %v, want %v", c, v, want)
		}
	}
	for c, v := range looks[1] {
		if v != -1 {
			t.Fatalf("look of b, cell %d: %v, want -1", c, v)
		}
	}
}
