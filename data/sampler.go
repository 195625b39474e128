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
//
// For a data set decoded on the fly (Dataset.OnTheFly), SampleErr decodes the drawn images and then draws the next
// batch of the same size and decodes it in the background (see prefetch.go); the draw order stays the random
// stream's, and MarshalBinary saves the state as of the batches returned so far. A Sampler is not safe for
// concurrent use; call Close when done with it.
type Sampler struct {
	ds     *Dataset
	k      int
	pcg    *rand.PCG
	rng    *rand.Rand
	chosen []int // scratch: image indices chosen so far in the current tuple, ascending
	picked []int // scratch: the same indices in draw order, returned by Next

	pending  *batch // on the fly: the next batch, drawn and being decoded; nil if none
	received []byte // on the fly: the random state before pending was drawn
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

// Sample is SampleErr for callers that cannot fail: it panics on any error, which for an in-memory data set means
// only a wrong len(dst). Use SampleErr for data decoded on the fly.
func (s *Sampler) Sample(tuples int, dst []float32) {
	if err := s.SampleErr(tuples, dst); err != nil {
		panic(err.Error())
	}
}

// SampleErr fills dst with tuples·k images: image t·k+j (at offset (t·k+j)·ImageLen) is the j-th image of tuple t.
// It fails if len(dst) is not tuples·k·ds.ImageLen(), or, on the fly, when an image cannot be decoded and the data
// set is strict, or an identity has fewer than k readable images (an unreadable image is otherwise replaced; see
// Dataset.decodeTuples).
func (s *Sampler) SampleErr(tuples int, dst []float32) error { return s.sample(tuples, dst, nil) }

// SampleIdentities is SampleErr that also says whose the tuples are: identities[t] is the index (in the data
// set's Identities) of tuple t's identity. It draws exactly what SampleErr draws. With k = 1 it hands out single
// images with their identity labels, each identity drawn uniformly and then one of its images (AC-GAN's real
// batches). It fails as SampleErr does, and when len(identities) is not tuples.
func (s *Sampler) SampleIdentities(tuples int, dst []float32, identities []int) error {
	if len(identities) != tuples {
		return fmt.Errorf("data: Sample(%d tuples) with %d identity slots; want one per tuple", tuples, len(identities))
	}
	return s.sample(tuples, dst, identities)
}

// sample is SampleErr, recording each tuple's identity in ids when ids is not nil.
func (s *Sampler) sample(tuples int, dst []float32, ids []int) error {
	n := s.ds.ImageLen()
	if tuples < 0 || len(dst) != tuples*s.k*n {
		return fmt.Errorf("data: Sample(%d tuples) of %d×%d images into %d values; want %d", tuples, s.k, n, len(dst), tuples*s.k*n)
	}
	if s.ds.stream == nil {
		for t := range tuples {
			id, imgs := s.next()
			for j, i := range imgs {
				copy(dst[(t*s.k+j)*n:], s.ds.Identities[id].Images[i])
			}
			if ids != nil {
				ids[t] = id
			}
		}
		return nil
	}
	b, err := s.take(tuples)
	if err != nil {
		return err
	}
	for i, img := range b.images {
		copy(dst[i*n:], img)
	}
	for t := range ids {
		ids[t] = b.tuples[t].identity
	}
	return nil
}

// Next draws one tuple and returns its identity index and its k distinct image indices, in draw order. The
// returned slice is reused by the next call. On the fly, it first discards a prefetched batch (see Close), so the
// stream continues from the batches SampleErr returned.
func (s *Sampler) Next() (identity int, images []int) {
	if err := s.drop(); err != nil {
		panic(err.Error()) // cannot happen: the state was marshalled by the same PCG
	}
	return s.next()
}

// next is Next without discarding a prefetched batch.
func (s *Sampler) next() (identity int, images []int) {
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

// MarshalBinary returns the sampler's state: its tuple size, the number of identities, and its random state as of
// the tuples returned so far (a prefetched batch does not count).
func (s *Sampler) MarshalBinary() ([]byte, error) {
	st, err := s.pcg.MarshalBinary()
	if s.pending != nil {
		st = s.received
	}
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
	if err := s.drop(); err != nil {
		return fmt.Errorf("sampler state: %w", err)
	}
	if err := s.pcg.UnmarshalBinary(b[head:]); err != nil {
		return fmt.Errorf("sampler state: %w", err)
	}
	return nil
}
