package train

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sdgan/data"
	"sdgan/model"
	"sdgan/verify"
)

// A run that holds identities out stores their names; a resumed run holds out the same ones and gives the same
// checkpoint as one straight run, even once the verifier they came from is gone; an AC-DCGAN gets no label for them.
func TestHoldOutIsStoredAndResumesExactly(t *testing.T) {
	ds := fixture(t, 6, 3)
	vdir := t.TempDir()
	net, err := verify.NewNet(verify.DefaultConfig(32, 1), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	vpath := filepath.Join(vdir, verify.FileName)
	if err := verify.Save(vpath, &verify.Verifier{Net: net, Threshold: 0.5, HeldOut: []string{"d", "b", "nowhere"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, arch string
		set        func(*Options)
		want       []string
	}{
		{"from a verifier", model.DCGAN, func(o *Options) { o.HoldOutFrom = vpath }, []string{"b", "d", "nowhere"}},
		{"a count", model.ACGAN, func(o *Options) { o.HoldOutCount = 2 }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := smallOptions(ds, tc.arch)
			tc.set(&o)
			straight, split := t.TempDir(), t.TempDir()
			var warn bytes.Buffer
			if err := Run(context.Background(), Job{Options: o, Dir: straight, Stdout: io.Discard, Stderr: &warn}); err != nil {
				t.Fatal(err)
			}
			half := o
			half.Steps = 2
			run(t, half, split, false)
			resumed, ckpt, err := ResumeOptions(split)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want != nil && !slices.Equal(resumed.HoldOut, tc.want):
				t.Errorf("the checkpoint holds out %v; want %v", resumed.HoldOut, tc.want)
			case tc.want == nil && len(resumed.HoldOut) != 2:
				t.Errorf("--hold-out 2: the checkpoint holds out %v", resumed.HoldOut)
			}
			if tc.arch == model.ACGAN {
				if ckpt.Config.Classes != 4 {
					t.Errorf("AC-DCGAN with 2 of 6 identities held out has %d labels; want 4", ckpt.Config.Classes)
				}
				for _, name := range ckpt.Identities {
					if slices.Contains(resumed.HoldOut, name) {
						t.Errorf("held-out identity %q has a label: %v", name, ckpt.Identities)
					}
				}
			} else if !strings.Contains(warn.String(), "nowhere") {
				t.Errorf("no warning about the held-out name absent from the data; stderr %q", warn.String())
			}
			os.Remove(vpath) // gone before the resume: the names are in the checkpoint
			resumed.Steps = 4
			run(t, resumed, split, true)
			name := filepath.Join(model.CheckpointDir, model.CheckpointName(4))
			if !bytes.Equal(readFile(t, filepath.Join(straight, name)), readFile(t, filepath.Join(split, name))) {
				t.Fatal("2 steps + resume + 2 steps differs from 4 steps in one run")
			}
		})
	}
}

// holdOut removes the named identities, and refuses names that are all absent or leave too few identities.
func TestHoldOutErrors(t *testing.T) {
	ds, err := data.Open(fixture(t, 4, 2), data.Options{Res: 32, K: 2})
	if err != nil {
		t.Fatal(err)
	}
	o := smallOptions(ds.Name, model.DCGAN)
	o.HoldOut = []string{"a", "c"}
	kept, err := holdOut(o, ds, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, id := range kept.Identities {
		names = append(names, id.Name)
	}
	if !slices.Equal(names, []string{"b", "d"}) {
		t.Errorf("kept %v; want [b d]", names)
	}
	for _, tc := range []struct {
		held []string
		want string
	}{
		{[]string{"x", "y"}, "none of them is in --data"},
		{[]string{"a", "b", "c"}, "leaves 1"},
	} {
		o.HoldOut = tc.held
		if _, err := holdOut(o, ds, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("hold out %v: error %v; want one saying %q", tc.held, err, tc.want)
		}
	}
	o.HoldOut, o.HoldOutCount = nil, 4
	if _, err := resolveHoldOut(o, ds); err == nil || !strings.Contains(err.Error(), "--hold-out 4") {
		t.Errorf("--hold-out 4 of 4 identities: error %v", err)
	}
	o.HoldOutCount, o.HoldOutFrom = 1, "v"
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "--hold-out-from") {
		t.Errorf("both ways of holding out: error %v", err)
	}
}
