package data

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers the GIF decoder
	_ "image/jpeg"
	_ "image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// imageExts are the file extensions read as images (compared in lower case).
var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true}

func isImage(name string) bool { return imageExts[strings.ToLower(filepath.Ext(name))] }

func isHidden(name string) bool { return strings.HasPrefix(name, ".") }

// group is one identity's image files before decoding.
type group struct {
	name  string
	paths []string
}

// loadFolder scans root, decodes its images in parallel and returns every identity found, with at least one image.
// When the decoded images would exceed opt.MemoryBudget it reads only the files' headers instead, leaves every
// Images entry nil and marks ds to be decoded on the fly (see Sampler).
func loadFolder(ctx context.Context, ds *Dataset, root string, opt Options) ([]Identity, error) {
	groups, err := scanFolder(ds, root)
	if err != nil {
		return nil, err
	}
	for _, f := range ds.Stats.Ignored {
		fmt.Fprintf(opt.Warn, "data %s: ignoring %s\n", root, f)
	}
	var jobs []decodeJob
	for g, gr := range groups {
		for _, p := range gr.paths {
			jobs = append(jobs, decodeJob{group: g, path: p})
		}
	}
	ds.Stats.Files = len(jobs)
	if len(jobs) == 0 {
		return nil, fmt.Errorf("data %s: no images found; expected PNG, JPEG or GIF files, either in one sub-folder per identity or named <identity>_<observation>_<anything>.png", root)
	}
	if opt.Channels == 0 { // as the data: grey when every image is
		if opt.Channels, err = naturalChannels(ctx, jobs, opt.MaxPixels); err != nil {
			return nil, fmt.Errorf("data %s: %w", root, err)
		}
		ds.Channels = opt.Channels
	}
	need := int64(len(jobs)) * int64(opt.Res*opt.Res*opt.Channels) * 4
	onTheFly := need > opt.MemoryBudget
	if onTheFly {
		fmt.Fprintf(opt.Warn, "data %s: decoding %s on the fly: more than the %s memory budget\n", root, FormatBytes(need), FormatBytes(opt.MemoryBudget))
		ds.stream = &stream{strict: opt.Strict, warn: opt.Warn, bad: map[string]bool{}}
		err = forEach(ctx, len(jobs), opt.Progress, func(i int) {
			j := &jobs[i]
			j.size, j.channels, j.err = scanHeader(j.path, opt.MaxPixels)
		})
	} else {
		err = forEach(ctx, len(jobs), opt.Progress, func(i int) {
			j := &jobs[i]
			j.img, j.size, j.channels, j.err = decodeFileContext(ctx, j.path, opt.Res, opt.Channels, opt.MaxPixels)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", root, err)
	}

	ds.Stats.SourceSizes = map[image.Point]int{}
	ds.Stats.SourceChannels = map[int]int{}
	ids := make([]Identity, len(groups))
	for g, gr := range groups {
		ids[g].Name = gr.name
	}
	for _, j := range jobs {
		if j.err != nil {
			if opt.Strict {
				return nil, fmt.Errorf("data %s: %w", root, j.err)
			}
			fmt.Fprintf(opt.Warn, "data %s: skipping unreadable image: %v\n", root, j.err)
			ds.Stats.Unreadable = append(ds.Stats.Unreadable, j.path)
			ds.Stats.UnreadableErrs = append(ds.Stats.UnreadableErrs, j.err)
			continue
		}
		ds.Stats.SourceSizes[j.size]++
		ds.Stats.SourceChannels[j.channels]++
		id := &ids[j.group]
		id.Images = append(id.Images, j.img) // nil when decoded on the fly
		id.Sources = append(id.Sources, j.path)
	}
	return ids, nil
}

// naturalChannels reads the headers of the jobs' files and returns 1 when every readable one is greyscale, else 3.
// Unreadable files are left for the decoding pass to report.
func naturalChannels(ctx context.Context, jobs []decodeJob, maxPixels int64) (int, error) {
	channels := make([]int, len(jobs))
	if err := forEach(ctx, len(jobs), nil, func(i int) {
		if _, c, err := scanHeader(jobs[i].path, maxPixels); err == nil {
			channels[i] = c
		}
	}); err != nil {
		return 0, err
	}
	for _, c := range channels {
		if c == 3 {
			return 3, nil
		}
	}
	return 1, nil
}

// scanFolder lists root's identities and their image files, sorted, and records ignored files in ds.Stats.
// It sets ds.Layout.
func scanFolder(ds *Dataset, root string) ([]group, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("data %s: no such folder; expected %s or a folder of images", root, BuiltinFonts)
		}
		return nil, fmt.Errorf("data %s: %w", root, err)
	}
	var dirs, files []string
	for _, e := range entries {
		switch {
		case isHidden(e.Name()):
		case isDir(root, e):
			dirs = append(dirs, e.Name())
		default:
			files = append(files, e.Name())
		}
	}
	if len(dirs) > 0 {
		ds.Layout = LayoutFolders
		for _, f := range files {
			ds.Stats.Ignored = append(ds.Stats.Ignored, filepath.Join(root, f)+" (a file beside the identity folders)")
		}
		var groups []group
		for _, d := range dirs {
			dir := filepath.Join(root, d)
			sub, err := os.ReadDir(dir)
			if err != nil {
				return nil, fmt.Errorf("data %s: identity folder: %w", root, err)
			}
			g := group{name: d}
			for _, e := range sub {
				p := filepath.Join(dir, e.Name())
				switch {
				case isHidden(e.Name()):
				case isDir(dir, e):
					ds.Stats.Ignored = append(ds.Stats.Ignored, p+" (a folder inside an identity folder)")
				case !isImage(e.Name()):
					ds.Stats.Ignored = append(ds.Stats.Ignored, p+" (not .png, .jpg, .jpeg or .gif)")
				default:
					g.paths = append(g.paths, p)
				}
			}
			groups = append(groups, g)
		}
		return groups, nil
	}

	ds.Layout = LayoutFlat
	byName := map[string]*group{}
	for _, f := range files {
		p := filepath.Join(root, f)
		if !isImage(f) {
			ds.Stats.Ignored = append(ds.Stats.Ignored, p+" (not .png, .jpg, .jpeg or .gif)")
			continue
		}
		id, ok := flatIdentity(f)
		if !ok {
			ds.Stats.Ignored = append(ds.Stats.Ignored, p+" (name is not <identity>_<observation>_<anything>)")
			continue
		}
		g := byName[id]
		if g == nil {
			g = &group{name: id}
			byName[id] = g
		}
		g.paths = append(g.paths, p)
	}
	groups := make([]group, 0, len(byName))
	for _, g := range byName {
		groups = append(groups, *g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].name < groups[j].name })
	return groups, nil
}

// flatIdentity returns the identity in a flat-layout file name <IDENTITY>_<OBSERVATION>_<anything>.ext: everything
// before the last two underscores. ok is false when the name has fewer than two underscores or an empty identity.
func flatIdentity(name string) (id string, ok bool) {
	stem := strings.TrimSuffix(name, filepath.Ext(name))
	last := strings.LastIndexByte(stem, '_')
	if last < 0 {
		return "", false
	}
	second := strings.LastIndexByte(stem[:last], '_')
	if second <= 0 {
		return "", false
	}
	return stem[:second], true
}

// isDir reports whether the entry is a folder, following symbolic links.
func isDir(parent string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink != 0 {
		fi, err := os.Stat(filepath.Join(parent, e.Name()))
		return err == nil && fi.IsDir()
	}
	return e.IsDir()
}

// decodeJob is one file to decode and, once decoded (or, on the fly, its header read), its image or error.
type decodeJob struct {
	group    int
	path     string
	img      []float32
	size     image.Point
	channels int
	err      error
}

// forEach calls f(0) … f(n−1) with one worker per CPU and returns when all are done, or, once ctx is done, when
// the calls already started are: then it returns an error wrapping ctx.Err(). f(i) must write only what belongs
// to i. progress, if not nil, is called after each call with how many are done, one call at a time.
func forEach(ctx context.Context, n int, progress func(done, total int), f func(i int)) error {
	return forEachWorker(ctx, runtime.GOMAXPROCS(0), n, progress, func() func(i int) { return f })
}

// forEachWorker is forEach with the given number of workers, each of which first calls newWorker for its own f,
// to keep scratch state.
func forEachWorker(ctx context.Context, workers, n int, progress func(done, total int), newWorker func() func(i int)) error {
	next := make(chan int)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := newWorker()
			for i := range next {
				f(i)
				if progress != nil {
					mu.Lock()
					done++
					progress(done, n)
					mu.Unlock()
				}
			}
		}()
	}
	defer wg.Wait()
	defer close(next)
	for i := range n {
		if err := ctx.Err(); err != nil { // checked first: select picks at random among ready cases
			return fmt.Errorf("stopped after %d of %d: %w", i, n, err)
		}
		select {
		case next <- i:
		case <-ctx.Done():
			return fmt.Errorf("stopped after %d of %d: %w", i, n, ctx.Err())
		}
	}
	return nil
}

// decodeFile reads and preprocesses one image file, refusing it from its header when it declares more than
// maxPixels pixels (0 = DefaultMaxPixels). Decoding and preprocessing wait for the image's pixels to fit the
// process's decode budget (decodeGate), so that parallel workers never hold several large images at once.
func decodeFile(path string, res, channels int, maxPixels int64) ([]float32, image.Point, int, error) {
	return decodeFileContext(context.Background(), path, res, channels, maxPixels)
}

// decodeFileContext is decodeFile that gives up, with ctx's error, as soon as ctx is cancelled, even in the middle
// of a large image (its reads fail).
func decodeFileContext(ctx context.Context, path string, res, channels int, maxPixels int64) ([]float32, image.Point, int, error) {
	f, cfg, err := imageHeader(path, maxPixels)
	if err != nil {
		return nil, image.Point{}, 0, err
	}
	defer f.Close()
	defer decodeGate.release(decodeGate.acquire(int64(cfg.Width) * int64(cfg.Height)))
	m, _, err := image.Decode(ctxReader{ctx, f})
	if err != nil {
		return nil, image.Point{}, 0, fmt.Errorf("decode %s: %w", path, err)
	}
	if m.Bounds().Empty() {
		return nil, image.Point{}, 0, fmt.Errorf("decode %s: image has no pixels", path)
	}
	return preprocess(m, res, channels), m.Bounds().Size(), sourceChannels(m), nil
}

// ctxReader reads r until ctx is cancelled, then fails with ctx's error.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// scanHeader reads only the header of an image file, with the checks of decodeFile: its size and, for the
// statistics, 1 (grey) or 3 channels (transparency is not detected without decoding the pixels).
func scanHeader(path string, maxPixels int64) (image.Point, int, error) {
	f, cfg, err := imageHeader(path, maxPixels)
	if err != nil {
		return image.Point{}, 0, err
	}
	f.Close()
	return image.Pt(cfg.Width, cfg.Height), headerChannels(cfg), nil
}
