package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sdgan/internal/atomicfile"
	"sdgan/internal/runlock"
	"sdgan/model"
)

// A run folder holds these files (and the model.CheckpointDir and previewDir folders); LockFile only while a
// training process works in it.
const (
	ConfigFile  = "config.json"
	StatsFile   = "stats.jsonl"
	LockFile    = "train.lock"
	previewDir  = "previews"
	maxConfigSz = 1 << 20 // a config.json larger than this is not one sdgan wrote
)

// runFiles are the files sdgan writes at the top of a run folder.
var runFiles = map[string]bool{ConfigFile: true, StatsFile: true, LockFile: true, "preview.png": true, "real.png": true,
	"losses.png": true}

// A RunDirError says why a folder cannot take a new run (--out): it holds a run already, or files that are not an
// sdgan run's. The command line reports it as a usage error.
type RunDirError struct {
	Dir    string
	Reason string
}

func (e *RunDirError) Error() string { return fmt.Sprintf("--out %s %s", e.Dir, e.Reason) }

// CheckNewRun tells whether dir can take a new run, without creating or changing anything: it must not exist, be
// empty (but for a lock and temporary files), or be an sdgan run folder without checkpoints (a run stopped before
// its first one, started over). A folder with checkpoints, or with other files, is refused with a *RunDirError.
func CheckNewRun(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	if files, _ := model.ListCheckpoints(dir); len(files) > 0 {
		return &RunDirError{dir, fmt.Sprintf("already holds a run (%d checkpoints): continue it with --resume %s, or choose another --out", len(files), dir)}
	}
	var foreign []string
	for _, e := range entries {
		if _, temp := atomicfile.TempTarget(e.Name()); !temp && e.Name() != LockFile {
			foreign = append(foreign, e.Name())
		}
	}
	if len(foreign) == 0 || isRunConfig(filepath.Join(dir, ConfigFile)) {
		return nil
	}
	if len(foreign) > 3 {
		foreign = append(foreign[:3], fmt.Sprintf("and %d more", len(foreign)-3))
	}
	return &RunDirError{dir, fmt.Sprintf("is not empty and is not an sdgan run folder (it holds %s): choose a new or empty folder",
		strings.Join(foreign, ", "))}
}

// isRunConfig tells whether path is the config.json of an sdgan run.
func isRunConfig(path string) bool {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > maxConfigSz {
		return false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var o Options
	return json.Unmarshal(b, &o) == nil && o.Data != "" && (o.Model.Arch == model.DCGAN || o.Model.Arch == model.BEGAN)
}

// openRunDir makes the run folder (for a new run) and locks it for this process: a second training into the
// same folder fails naming the first's PID. Holding the lock, it checks again that a new run may start there (another
// process may have trained into it since CheckNewRun) and removes the temporary files a killed process left.
func openRunDir(dir string, fresh bool, warn io.Writer) (*runlock.Lock, error) {
	if fresh {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("--out: %w", err)
		}
	}
	lock, err := runlock.Acquire(filepath.Join(dir, LockFile))
	if err != nil {
		var held *runlock.HeldError
		if errors.As(err, &held) {
			who := "another process"
			if held.PID > 0 {
				who = fmt.Sprintf("another process (PID %d)", held.PID)
			}
			return nil, fmt.Errorf("run folder %s is in use: %s is training in it (lock file %s); wait for it to finish or stop it", dir, who, held.Path)
		}
		return nil, fmt.Errorf("run folder %s: %w", dir, err)
	}
	if fresh {
		if err := CheckNewRun(dir); err != nil {
			lock.Release()
			return nil, err
		}
	}
	if err := cleanTemps(dir, warn); err != nil {
		lock.Release()
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, previewDir), 0o755); err != nil {
		lock.Release()
		return nil, fmt.Errorf("--out: %w", err)
	}
	return lock, nil
}

// cleanTemps removes the temporary files of sdgan's own outputs that a killed process left in a run folder (a
// killed checkpoint write leaves a partial checkpoint-sized file), and says how many.
func cleanTemps(dir string, warn io.Writer) error {
	var removed []string
	for _, c := range []struct {
		dir   string
		owned func(string) bool
	}{
		{dir, func(n string) bool { return runFiles[n] }},
		{filepath.Join(dir, model.CheckpointDir), func(n string) bool { _, ok := model.CheckpointStep(n); return ok }},
		{filepath.Join(dir, previewDir), isPreviewName},
	} {
		r, err := atomicfile.RemoveTemps(c.dir, c.owned)
		removed = append(removed, r...)
		if err != nil {
			return fmt.Errorf("run folder %s: %w", dir, err)
		}
	}
	if len(removed) > 0 {
		fmt.Fprintf(warn, "removed %d temporary files left by an interrupted write in %s\n", len(removed), dir)
	}
	return nil
}

// previewName is the file name of the preview at a step, inside a run's previewDir.
func previewName(step int64) string { return fmt.Sprintf("step-%09d.png", step) }

// isPreviewName tells whether name is one that previewName writes.
func isPreviewName(name string) bool {
	var step int64
	_, err := fmt.Sscanf(name, "step-%d.png", &step)
	return err == nil && step >= 0 && previewName(step) == name
}
