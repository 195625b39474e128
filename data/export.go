package data

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sdgan/internal/atomicfile"
)

// WriteFolders writes d as a folder-per-identity data set under dir: dir/<identity>/<index>_<source>.png, 8-bit
// grey or RGB PNGs with p = round((v+1)·127.5). Open reads it back with the same pixels (exactly, at the same
// resolution and channels, for 8-bit sources such as builtin:fonts). Each file is written atomically
// (internal/atomicfile). dir is created if needed; existing files of the same names are replaced.
//
// progress, if not nil, is called after each file with how many of total are written, one call at a time.
// When ctx is done, WriteFolders stops within a file or so and returns an error wrapping ctx.Err(). On any error
// it first removes what it created (the files that did not exist before, then the folders it made, dir included
// if it made it), so that only what was there before stays; files it replaced keep their new content.
func (d *Dataset) WriteFolders(ctx context.Context, dir string, progress func(done, total int)) (err error) {
	var (
		made    []string // folders this call created, parents first
		jobs    []exportJob
		created []bool // created[i]: jobs[i].path did not exist and was written
	)
	defer func() {
		if err == nil {
			return
		}
		for i, c := range created {
			if c {
				os.Remove(jobs[i].path)
			}
		}
		for i := len(made) - 1; i >= 0; i-- {
			os.Remove(made[i]) // fails, keeping it, if anything else is inside
		}
	}()

	names := map[string]string{}
	var subs []string
	for i, id := range d.Identities {
		folder := safeName(id.Name)
		if other, dup := names[strings.ToLower(folder)]; dup {
			return fmt.Errorf("export %s: identities %q and %q map to the same folder name %q", dir, other, id.Name, folder)
		}
		names[strings.ToLower(folder)] = id.Name
		sub := filepath.Join(dir, folder)
		subs = append(subs, sub)
		for j := range id.Images {
			src := ""
			if j < len(id.Sources) {
				src = id.Sources[j]
				src = strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))
				src = src[strings.LastIndexByte(src, ':')+1:]
			}
			jobs = append(jobs, exportJob{filepath.Join(sub, fmt.Sprintf("%03d_%s.png", j, safeName(src))), i, j})
		}
	}
	created = make([]bool, len(jobs))
	for _, sub := range append([]string{dir}, subs...) {
		m, err := mkdirAll(sub)
		made = append(made, m...)
		if err != nil {
			return fmt.Errorf("export %s: %w", dir, err)
		}
	}

	// Several writers at once: each file's fsync waits on the disk, not the CPU.
	errs := make([]error, len(jobs))
	err = forEachWorker(ctx, exportWriters, len(jobs), progress, func() func(i int) {
		return func(i int) {
			j := jobs[i]
			img, err := d.Image(j.identity, j.img) // decoded here when d is decoded on the fly
			if err != nil {
				errs[i] = err
				return
			}
			_, statErr := os.Lstat(j.path)
			errs[i] = atomicfile.WriteFile(j.path, encodePNG(img, d.Res, d.Channels))
			created[i] = errs[i] == nil && errors.Is(statErr, fs.ErrNotExist)
		}
	})
	if err != nil {
		return fmt.Errorf("export %s: %w", dir, err)
	}
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("export %s: %w", dir, err)
		}
	}
	return nil
}

// exportJob is one file of WriteFolders: its path and the image it holds.
type exportJob struct {
	path          string
	identity, img int
}

// exportWriters is how many files WriteFolders writes at once.
const exportWriters = 16

// mkdirAll is os.MkdirAll that returns the folders it created, parents first.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append(missing, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	var made []string
	for i := len(missing) - 1; i >= 0; i-- {
		err := os.Mkdir(missing[i], 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue // made meanwhile by another process: not ours to remove
		}
		if err != nil {
			return made, err
		}
		made = append(made, missing[i])
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return made, err
	}
	if !fi.IsDir() {
		return made, fmt.Errorf("%s is not a folder", dir)
	}
	return made, nil
}

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
