package nn

import "testing"

// freeOf counts the free buffers of capacity n.
func (c *cpuBackend) freeOf(n int) int {
	k := 0
	for _, b := range c.free {
		if cap(b.s) == n {
			k++
		}
	}
	return k
}

// The CPU backend hands a freed buffer to a smaller request when it wastes at most a quarter of it, with the
// asked length and zeroed when asked; a request it would waste more of, or one larger than every free buffer,
// gets new memory; the free list stays sorted by capacity.
func TestCPUAllocReusesBestFit(t *testing.T) {
	c := newCPU()
	addr := func(b Buffer) *float32 { return &cpuSlice(b)[:1][0] }
	small, big := c.Alloc(60, false), c.Alloc(100, false)
	for _, b := range []Buffer{small, big} {
		s := cpuSlice(b)
		for i := range s {
			s[i] = 7
		}
	}
	c.Free(big)
	c.Free(small)
	if cap(c.free[0].s) != 60 || cap(c.free[1].s) != 100 {
		t.Fatalf("free list not sorted by capacity: %d, %d", cap(c.free[0].s), cap(c.free[1].s))
	}
	tests := []struct {
		name string
		n    int
		want *float32 // nil: new memory
	}{
		{"the smallest that holds it", 55, addr(small)},
		{"a quarter wasted", 75, addr(big)},
		{"more than a quarter wasted", 74, nil},
		{"larger than every free buffer", 101, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := c.Alloc(tc.n, true)
			defer c.Free(b)
			if b.Len() != tc.n {
				t.Fatalf("length %d, want %d", b.Len(), tc.n)
			}
			for i, v := range cpuSlice(b) {
				if v != 0 {
					t.Fatalf("value %d is %v, want zeroed", i, v)
				}
			}
			if got := addr(b); tc.want == nil && (got == addr(small) || got == addr(big)) || tc.want != nil && got != tc.want {
				t.Errorf("reused the wrong buffer (or none)")
			}
		})
	}
}
