package data

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
)

// Sampler draws the real k-tuples SD-GAN trains on: an identity uniformly by identity (not by image), then k
// distinct images of it in random order. (The authors' sampler let repeats through for k ≥ 3; this one cannot.)
// It is deterministic given its seed, and its state round-trips through MarshalBinary/UnmarshalBinary so that
// a resumed run draws the same stream as an uninterrupted one.
type Sampler struct {
	ds     *Dataset
	k      int
	pcg    *rand.PCG
	rng    *rand.Rand
	chosen []int // scratch: image indices chosen so far in the current tuple, ascending
	picked []int // scratch: the same indices in draw order, returned by Next
}

// NewSampler returns a sampler of k-tuples from ds, seeded with seed. Every identity of ds must have at least k
// images (Open with K ≥ k guarantees it).
func NewSampler(ds *Dataset, k int, seed uint64) (*Sampler, error) {
	if k < 1 {
		return nil, fmt.Errorf("sampler for %s: k = %d; expected at least 1", ds.Name, k)
	}
	if len(ds.Identities) == 0 {
		return nil, fmt.Errorf("sampler for %s: no identities", ds.Name)
	}
	for _, id := range ds.Identities {
		if len(id.Images) < k {
			return nil, fmt.Errorf("sampler for %s: identity %q has %d images, fewer than k = %d; open the data with K ≥ %d", ds.Name, id.Name, len(id.Images), k, k)
		}
	}
	pcg := rand.NewPCG(seed, seed^0x5d6a_6e5f_7361_6d70)
	return &Sampler{ds: ds, k: k, pcg: pcg, rng: rand.New(pcg), chosen: make([]int, 0, k), picked: make([]int, 0, k)}, nil
}

// K is the tuple size.
func (s *Sampler) K() int { return s.k }

// Sample fills dst with tuples·k images: image t·k+j (at offset (t·k+j)·ImageLen) is the j-th image of tuple t.
// It panics if len(dst) is not tuples·k·ds.ImageLen().
func (s *Sampler) Sample(tuples int, dst []float32) {
	n := s.ds.ImageLen()
	if tuples < 0 || len(dst) != tuples*s.k*n {
		panic(fmt.Sprintf("data: Sample(%d tuples) of %d×%d images into %d values; want %d", tuples, s.k, n, len(dst), tuples*s.k*n))
	}
	for t := range tuples {
		id, imgs := s.Next()
		for j, i := range imgs {
			copy(dst[(t*s.k+j)*n:], s.ds.Identities[id].Images[i])
		}
	}
}

// Next draws one tuple and returns its identity index and its k distinct image indices, in draw order. The
// returned slice is reused by the next call.
func (s *Sampler) Next() (identity int, images []int) {
	identity = s.rng.IntN(len(s.ds.Identities))
	size := len(s.ds.Identities[identity].Images)
	// Draw the j-th image uniformly among the size−j not yet chosen: take the r-th unchosen index by stepping
	// r past every chosen index at or below it (chosen is kept sorted).
	s.chosen, s.picked = s.chosen[:0], s.picked[:0]
	for j := range s.k {
		r := s.rng.IntN(size - j)
		pos := 0
		for pos < len(s.chosen) && s.chosen[pos] <= r {
			r++
			pos++
		}
		s.chosen = append(s.chosen, 0)
		copy(s.chosen[pos+1:], s.chosen[pos:])
		s.chosen[pos] = r
		s.picked = append(s.picked, r)
	}
	return identity, s.picked
}

// samplerMagic starts a marshalled sampler state, followed by k, the number of identities and the PCG state.
const samplerMagic = "sdgan-sampler-v1"

// MarshalBinary returns the sampler's state: its tuple size, the number of identities, and its random state.
func (s *Sampler) MarshalBinary() ([]byte, error) {
	st, err := s.pcg.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("sampler state: %w", err)
	}
	b := append([]byte(samplerMagic), make([]byte, 16)...)
	binary.LittleEndian.PutUint64(b[len(samplerMagic):], uint64(s.k))
	binary.LittleEndian.PutUint64(b[len(samplerMagic)+8:], uint64(len(s.ds.Identities)))
	return append(b, st...), nil
}

// UnmarshalBinary restores a state written by MarshalBinary into a sampler built on the same data set with the
// same k; it fails when k or the number of identities differ.
func (s *Sampler) UnmarshalBinary(b []byte) error {
	head := len(samplerMagic) + 16
	if len(b) < head || string(b[:len(samplerMagic)]) != samplerMagic {
		return errors.New("sampler state: not a sampler state (bad header)")
	}
	k := binary.LittleEndian.Uint64(b[len(samplerMagic):])
	n := binary.LittleEndian.Uint64(b[len(samplerMagic)+8:])
	if k != uint64(s.k) || n != uint64(len(s.ds.Identities)) {
		return fmt.Errorf("sampler state: saved for k = %d and %d identities; this sampler has k = %d and %d identities", k, n, s.k, len(s.ds.Identities))
	}
	if err := s.pcg.UnmarshalBinary(b[head:]); err != nil {
		return fmt.Errorf("sampler state: %w", err)
	}
	return nil
}
