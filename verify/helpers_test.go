package verify

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// writeShapes writes a folder data set of ids identities × per images of res×res RGB: identity i is a filled
// shape (square, cross or ring) in its own colour; an observation moves it and adds pixel noise. It returns the
// folder.
func writeShapes(t *testing.T, ids, per, res int, seed uint64) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(seed, 3))
	for i := range ids {
		col := color.NRGBA{uint8(40 + rng.IntN(200)), uint8(40 + rng.IntN(200)), uint8(40 + rng.IntN(200)), 255}
		shape := i % 3
		sub := filepath.Join(dir, fmt.Sprintf("id%02d", i))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for j := range per {
			img := image.NewNRGBA(image.Rect(0, 0, res, res))
			r := res / 4
			cx, cy := r+rng.IntN(res-2*r), r+rng.IntN(res-2*r)
			for y := range res {
				for x := range res {
					dx, dy := x-cx, y-cy
					in := false
					switch shape {
					case 0:
						in = abs(dx) < r && abs(dy) < r
					case 1:
						in = (abs(dx) < r/3+1 && abs(dy) < r) || (abs(dy) < r/3+1 && abs(dx) < r)
					case 2:
						d := dx*dx + dy*dy
						in = d < r*r && d > r*r/3
					}
					c := color.NRGBA{20, 20, 20, 255}
					if in {
						c = col
					}
					n := func(v uint8) uint8 { return uint8(min(max(int(v)+rng.IntN(41)-20, 0), 255)) }
					img.SetNRGBA(x, y, color.NRGBA{n(c.R), n(c.G), n(c.B), 255})
				}
			}
			f, err := os.Create(filepath.Join(sub, fmt.Sprintf("%02d.png", j)))
			if err != nil {
				t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}
	return dir
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
