package data

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// stream decodes a data set's images on the fly, for data sets whose decoded images exceed Options.MemoryBudget.
// It is shared by every sampler (and Split half) of the data set; its lock guards the warnings and the set of
// files found unreadable, so that each unreadable file is reported once.
type stream struct {
	strict bool

	mu   sync.Mutex
	warn io.Writer
	bad  map[string]bool // files that failed to decode
}

// OnTheFly reports whether d's images are decoded when sampled rather than kept in memory: then every entry of
// Identity.Images is nil and Identity.Sources names the files.
func (d *Dataset) OnTheFly() bool { return d.stream != nil }

// Image returns image index of identity number identity, preprocessed: the in-memory slice itself (not to be
// modified), or, when d is decoded on the fly, a fresh slice decoded from its file. Code that reads images outside
// a Sampler should use Image rather than Identity.Images, which holds nil entries on the fly.
func (d *Dataset) Image(identity, index int) ([]float32, error) {
	id := &d.Identities[identity]
	if d.stream == nil {
		return id.Images[index], nil
	}
	img, _, _, err := decodeFile(id.Sources[index], d.Res, d.Channels, d.maxPixels)
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", d.Name, err)
	}
	return img, nil
}

// decodeTuples decodes the images of the drawn tuples into out (len(out) = len(tuples)·k), in parallel. An
// unreadable image is an error when the data set is strict; otherwise it is reported once through the warning
// writer and replaced by the next readable image of the same identity, in index order (wrapping around), that is
// not already in the tuple. Replacement depends only on which files are readable, so it is deterministic. An
// identity without k readable images is an error.
func (d *Dataset) decodeTuples(tuples []tuple, k int, out [][]float32) error {
	errs := make([]error, len(out))
	forEach(context.Background(), len(out), nil, func(i int) { // cannot fail: the context is never done
		t := tuples[i/k]
		out[i], _, _, errs[i] = decodeFile(d.Identities[t.identity].Sources[t.images[i%k]], d.Res, d.Channels, d.maxPixels)
	})
	for i, err := range errs {
		if err == nil {
			continue
		}
		t := tuples[i/k]
		if err := d.replace(t, i%k, err, out[i-i%k:i-i%k+k]); err != nil {
			return err
		}
	}
	return nil
}

// replace handles the failure err of image j of tuple t: in strict mode it returns err; otherwise it fills
// imgs[j] with the first readable image of the identity after t.images[j] that is not in the tuple, and records
// the choice in t.images.
func (d *Dataset) replace(t tuple, j int, err error, imgs [][]float32) error {
	st := d.stream
	id := &d.Identities[t.identity]
	if st.strict {
		return fmt.Errorf("data %s: %w", d.Name, err)
	}
	st.markBad(d.Name, id.Sources[t.images[j]], err)
	size := len(id.Sources)
	for step := 1; step < size; step++ {
		c := (t.images[j] + step) % size
		if inTuple(t.images, c) || st.isBad(id.Sources[c]) {
			continue
		}
		img, _, _, err := decodeFile(id.Sources[c], d.Res, d.Channels, d.maxPixels)
		if err != nil {
			st.markBad(d.Name, id.Sources[c], err)
			continue
		}
		t.images[j], imgs[j] = c, img
		return nil
	}
	return fmt.Errorf("data %s: identity %q has fewer than k = %d readable images (%d files); remove it or lower --k",
		d.Name, id.Name, len(t.images), size)
}

func inTuple(images []int, c int) bool {
	for _, i := range images {
		if i == c {
			return true
		}
	}
	return false
}

// markBad records path as unreadable and warns about it the first time.
func (st *stream) markBad(name, path string, err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.bad[path] {
		return
	}
	st.bad[path] = true
	fmt.Fprintf(st.warn, "data %s: unreadable image met while decoding on the fly, using another image of the same identity instead: %v\n", name, err)
}

func (st *stream) isBad(path string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.bad[path]
}
