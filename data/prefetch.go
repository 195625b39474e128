package data

import "fmt"

// tuple is one drawn tuple: an identity and its k image indices in draw order.
type tuple struct {
	identity int
	images   []int
}

// batch is a batch of tuples drawn for on-the-fly decoding, and its decoded images once done is closed.
type batch struct {
	tuples []tuple
	images [][]float32 // len(tuples)·k images, tuple by tuple
	err    error
	done   chan struct{}
}

// draw draws n tuples from the random stream, in order, without decoding them.
func (s *Sampler) draw(n int) *batch {
	b := &batch{tuples: make([]tuple, n), images: make([][]float32, n*s.k), done: make(chan struct{})}
	for t := range b.tuples {
		id, imgs := s.next()
		b.tuples[t] = tuple{identity: id, images: append([]int(nil), imgs...)}
	}
	return b
}

// decode decodes b's images and closes b.done.
func (b *batch) decode(ds *Dataset, k int) {
	defer close(b.done)
	b.err = ds.decodeTuples(b.tuples, k, b.images)
}

// take returns the next batch of n tuples: the prefetched one if it has n tuples, otherwise one drawn and decoded
// now. It then draws the following batch of n tuples and starts decoding it in a goroutine (a queue of one batch),
// after saving the random state so that MarshalBinary can report the state as of the batches returned.
func (s *Sampler) take(n int) (*batch, error) {
	var b *batch
	if s.pending != nil && len(s.pending.tuples) == n {
		b = s.pending
		<-b.done
		s.pending, s.received = nil, nil
	} else {
		if err := s.drop(); err != nil {
			return nil, err
		}
		b = s.draw(n)
		b.decode(s.ds, s.k)
	}
	if b.err != nil {
		return nil, b.err
	}
	st, err := s.pcg.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("sampler state: %w", err)
	}
	s.received = st
	s.pending = s.draw(n)
	go s.pending.decode(s.ds, s.k)
	return b, nil
}

// drop waits for a prefetched batch to finish, discards it, and rewinds the random stream to before it was drawn.
func (s *Sampler) drop() error {
	if s.pending == nil {
		return nil
	}
	<-s.pending.done
	if err := s.pcg.UnmarshalBinary(s.received); err != nil {
		return fmt.Errorf("sampler: rewind past a prefetched batch: %w", err)
	}
	s.pending, s.received = nil, nil
	return nil
}

// Close stops prefetching: it waits for the batch being decoded in the background, if any, and discards it. The
// sampler stays usable and its state is unchanged (MarshalBinary gives the same bytes before and after).
func (s *Sampler) Close() error { return s.drop() }
