// Package interrupt helps commands stop promptly when the user presses Ctrl-C or sends SIGTERM.
//
// Long loops look at their context between steps. Some steps cannot stop midway: reading a checkpoint, opening a
// data folder of many images, a read from a stalled network disk. Wait runs such a step so that an interrupt does
// not have to wait for it.
package interrupt

import "context"

// Wait runs f in its own goroutine and returns its result, or ctx's error as soon as ctx is cancelled, whichever
// comes first. On an interrupt f is abandoned: its goroutine runs on until it returns or the process exits, and its
// result is dropped. So f must not write anything a caller would have to clean up: use Wait for loading, and keep
// writing in the caller, where it can check ctx.
func Wait[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1) // buffered: an abandoned f can still deliver and exit
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}
