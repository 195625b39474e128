package data

import (
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// With Channels 0 a folder is read with the channels of its images: 1 when every file is greyscale (a grey data
// set trains a one-channel model), 3 as soon as one is in colour; an explicit count always wins.
func TestFolderChannelsAsTheData(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	grey := t.TempDir()
	mixed := t.TempDir()
	for _, id := range []string{"a", "b"} {
		for j := range 2 {
			name := filepath.Join(id, string(rune('0'+j))+".png")
			writeImage(t, filepath.Join(grey, name), randomGray(rng, 20, 20))
			if id == "b" && j == 1 {
				writeImage(t, filepath.Join(mixed, name), randomRGBA(rng, 20, 20))
			} else {
				writeImage(t, filepath.Join(mixed, name), randomGray(rng, 20, 20))
			}
		}
	}
	for _, tc := range []struct {
		dir      string
		channels int
		want     int
		desc     string
	}{
		{grey, 0, 1, "grey images, as the data"},
		{mixed, 0, 3, "one colour image, as the data"},
		{grey, 3, 3, "grey images, asked for 3"},
		{mixed, 1, 1, "mixed, asked for 1"},
	} {
		ds, err := Open(tc.dir, Options{Res: 16, Channels: tc.channels, K: 2})
		if err != nil {
			t.Fatal(err)
		}
		if ds.Channels != tc.want || len(ds.Identities[0].Images[0]) != 16*16*tc.want {
			t.Errorf("%s: %d channels (%d values an image), want %d", tc.desc, ds.Channels, len(ds.Identities[0].Images[0]), tc.want)
		}
	}
}
