package data

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// WriteFolders writes d as a folder-per-identity data set under dir: dir/<identity>/<index>_<source>.png, 8-bit
// grey or RGB PNGs with p = round((v+1)·127.5). Open reads it back with the same pixels (exactly, at the same
// resolution and channels, for 8-bit sources such as builtin:fonts). Each file is written atomically (temporary
// file in the same folder, fsync, rename). dir is created if needed; existing files of the same names are replaced.
func (d *Dataset) WriteFolders(dir string) error {
	type job struct {
		path          string
		identity, img int
	}
	var jobs []job
	names := map[string]string{}
	for i, id := range d.Identities {
		folder := safeName(id.Name)
		if other, dup := names[strings.ToLower(folder)]; dup {
			return fmt.Errorf("export %s: identities %q and %q map to the same folder name %q", dir, other, id.Name, folder)
		}
		names[strings.ToLower(folder)] = id.Name
		sub := filepath.Join(dir, folder)
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return fmt.Errorf("export %s: %w", dir, err)
		}
		for j := range id.Images {
			src := ""
			if j < len(id.Sources) {
				src = id.Sources[j]
				src = strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
				src = src[strings.LastIndexByte(src, ':')+1:]
			}
			jobs = append(jobs, job{filepath.Join(sub, fmt.Sprintf("%03d_%s.png", j, safeName(src))), i, j})
		}
	}
	// Several writers at once: each file's fsync waits on the disk, not the CPU.
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(exportWriters, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				img, err := d.Image(jobs[i].identity, jobs[i].img) // decoded here when d is decoded on the fly
				if err == nil {
					err = writeFileAtomic(jobs[i].path, encodePNG(img, d.Res, d.Channels))
				}
				errs[i] = err
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("export %s: %w", dir, err)
		}
	}
	return nil
}

// exportWriters is how many files WriteFolders writes at once.
const exportWriters = 16

// encodePNG encodes one NHWC image in [−1, 1] as an 8-bit grey (1 channel) or RGB (3 channels) PNG.
func encodePNG(img []float32, res, channels int) []byte {
	var m image.Image
	if channels == 1 {
		g := image.NewGray(image.Rect(0, 0, res, res))
		for i, v := range img {
			g.Pix[i] = toByte(v)
		}
		m = g
	} else {
		c := image.NewNRGBA(image.Rect(0, 0, res, res))
		for i := range res * res {
			c.SetNRGBA(i%res, i/res, color.NRGBA{toByte(img[3*i]), toByte(img[3*i+1]), toByte(img[3*i+2]), 255})
		}
		m = c
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		panic(fmt.Sprintf("data: encoding an in-memory PNG cannot fail: %v", err))
	}
	return b.Bytes()
}

// toByte maps v in [−1, 1] to round((v+1)·127.5), clamped to 0…255.
func toByte(v float32) uint8 {
	return uint8(min(max((v+1)*127.5+0.5, 0), 255))
}

// safeName keeps letters, digits, space, '.', '-', '_' and '+' and replaces anything else with '_', so that
// a name is one safe path element; an empty or dot-only result becomes "_".
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune(" .-_+", r):
			return r
		}
		return '_'
	}, s)
	if strings.Trim(s, ". ") == "" || strings.HasPrefix(s, ".") {
		s = "_" + s
	}
	return s
}

// writeFileAtomic writes data to path through a temporary file in the same folder, synced, then renamed.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
