package data

import (
	"slices"
	"strings"
	"testing"
)

func names(ds *Dataset) []string {
	var n []string
	for _, id := range ds.Identities {
		n = append(n, id.Name)
	}
	return n
}

func TestSplit(t *testing.T) {
	ds := labelled([]int{2, 3, 5, 2, 7, 2, 11, 3, 2, 13, 2}, 2, 1) // 11 identities
	for _, held := range []int{0, 1, 4, 10} {
		train, test, err := ds.Split(held, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(test.Identities) != held || len(train.Identities) != 11-held {
			t.Fatalf("held %d: %d train and %d test identities", held, len(train.Identities), len(test.Identities))
		}
		all := append(names(train), names(test)...)
		slices.Sort(all)
		if !slices.Equal(all, names(ds)) {
			t.Fatalf("held %d: train ∪ test = %v, want every identity once: %v", held, all, names(ds))
		}
		if !slices.IsSorted(names(train)) || !slices.IsSorted(names(test)) {
			t.Errorf("held %d: order not kept: %v / %v", held, names(train), names(test))
		}
		if train.Res != ds.Res || test.Channels != ds.Channels || test.Name != ds.Name {
			t.Errorf("held %d: description not copied", held)
		}
		again, test2, _ := ds.Split(held, 5)
		if !slices.Equal(names(again), names(train)) || !slices.Equal(names(test2), names(test)) {
			t.Errorf("held %d: same seed, different split", held)
		}
	}
	_, a, _ := ds.Split(5, 1)
	_, b, _ := ds.Split(5, 2)
	if slices.Equal(names(a), names(b)) {
		t.Errorf("seeds 1 and 2 held out the same identities %v", names(a))
	}
	for _, bad := range []int{-1, 11, 12} {
		if _, _, err := ds.Split(bad, 1); err == nil || !strings.Contains(err.Error(), "expected 0 to 10") {
			t.Errorf("Split(%d): error %v, want a range error", bad, err)
		}
	}
}
