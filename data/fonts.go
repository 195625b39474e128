package data

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/image/font/sfnt"
)

// Glyphs are the observations of builtin:fonts, in order: A–Z, a–z, 0–9.
const Glyphs = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// fontFile is the data of one font file and a label saying where it came from.
type fontFile struct {
	label string
	data  []byte
}

// face is one parsed typeface.
type face struct {
	name  string // full name from the font's name table, e.g. "DejaVu Sans Bold"
	label string // where it came from
	font  *sfnt.Font
}

// loadFonts renders Glyphs in every built-in typeface and every face found under opt.FontDirs. A face whose full
// name (case-insensitive) was already seen is skipped and listed in ds.Stats.Ignored.
func loadFonts(ctx context.Context, ds *Dataset, opt Options) ([]Identity, error) {
	files := builtinFontFiles()
	for _, dir := range opt.FontDirs {
		more, err := findFontFiles(dir)
		if err != nil {
			return nil, err
		}
		files = append(files, more...)
	}
	var faces []face
	seen := map[string]string{}
	for _, f := range files {
		fc, err := parseFaces(f)
		if err != nil {
			if opt.Strict {
				return nil, fmt.Errorf("data %s: %w", ds.Name, err)
			}
			fmt.Fprintf(opt.Warn, "data %s: skipping unreadable font: %v\n", ds.Name, err)
			ds.Stats.Unreadable = append(ds.Stats.Unreadable, f.label)
			ds.Stats.UnreadableErrs = append(ds.Stats.UnreadableErrs, err)
			continue
		}
		for _, fa := range fc {
			key := strings.ToLower(fa.name)
			if first, dup := seen[key]; dup {
				ds.Stats.Ignored = append(ds.Stats.Ignored, fmt.Sprintf("%s (typeface %q already loaded from %s)", fa.label, fa.name, first))
				continue
			}
			seen[key] = fa.label
			faces = append(faces, fa)
		}
	}
	ds.Stats.Files = len(faces)
	if err := checkMemory(ds.Name, len(faces)*len(Glyphs), opt); err != nil {
		return nil, err
	}

	ids := make([]Identity, len(faces))
	errs := make([][]error, len(faces))
	err := forEachWorker(ctx, runtime.GOMAXPROCS(0), len(faces), opt.Progress, func() func(i int) {
		r := newGlyphRenderer(opt.Res)
		return func(i int) { ids[i], errs[i] = r.renderFace(faces[i], opt.Channels) }
	})
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", ds.Name, err)
	}

	for i := range faces {
		for _, err := range errs[i] {
			if opt.Strict {
				return nil, fmt.Errorf("data %s: %w", ds.Name, err)
			}
			fmt.Fprintf(opt.Warn, "data %s: skipping glyph: %v\n", ds.Name, err)
			ds.Stats.Unreadable = append(ds.Stats.Unreadable, err.(*glyphError).source)
			ds.Stats.UnreadableErrs = append(ds.Stats.UnreadableErrs, err)
		}
	}
	for _, f := range ds.Stats.Ignored {
		fmt.Fprintf(opt.Warn, "data %s: ignoring %s\n", ds.Name, f)
	}
	return ids, nil
}

// parseFaces parses every face in a font file (a .ttc/.otc collection holds several) and reads their names.
func parseFaces(f fontFile) ([]face, error) {
	c, err := sfnt.ParseCollection(f.data)
	if err != nil {
		return nil, fmt.Errorf("parse font %s: %w", f.label, err)
	}
	var faces []face
	var buf sfnt.Buffer
	for i := range c.NumFonts() {
		fnt, err := c.Font(i)
		if err != nil {
			return nil, fmt.Errorf("parse font %s (face %d): %w", f.label, i, err)
		}
		label := f.label
		if c.NumFonts() > 1 {
			label = fmt.Sprintf("%s#%d", f.label, i)
		}
		faces = append(faces, face{name: faceName(fnt, &buf, label), label: label, font: fnt})
	}
	return faces, nil
}

// faceName is the font's full name, else its family and style, else label.
func faceName(f *sfnt.Font, buf *sfnt.Buffer, label string) string {
	if n, err := f.Name(buf, sfnt.NameIDFull); err == nil && strings.TrimSpace(n) != "" {
		return strings.TrimSpace(n)
	}
	fam, err1 := f.Name(buf, sfnt.NameIDFamily)
	sub, err2 := f.Name(buf, sfnt.NameIDSubfamily)
	if err1 == nil && err2 == nil && strings.TrimSpace(fam) != "" {
		return strings.TrimSpace(fam + " " + sub)
	}
	return label
}

// findFontFiles reads every .ttf, .otf, .ttc and .otc file under dir, in lexical order, skipping hidden entries.
func findFontFiles(dir string) ([]fontFile, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("font folder %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("font folder %s: not a folder", dir)
	}
	var files []fontFile
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir && isHidden(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".ttf", ".otf", ".ttc", ".otc":
		default:
			return nil
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files = append(files, fontFile{label: path, data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("font folder %s: %w", dir, err)
	}
	return files, nil
}
