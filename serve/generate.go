package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// gate bounds the generations running at once. A request that finds no free slot waits at most wait, then
// is turned away (503 with Retry-After) rather than queueing without end.
type gate struct {
	slots chan struct{}
	wait  time.Duration
}

func newGate(n int, wait time.Duration) *gate {
	return &gate{slots: make(chan struct{}, n), wait: wait}
}

// acquire takes a slot, waiting at most g.wait and no longer than ctx allows or stop stays open.
func (g *gate) acquire(ctx context.Context, stop <-chan struct{}) error {
	if closed(stop) {
		return errStopping()
	}
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-t.C:
		return &apiError{status: http.StatusServiceUnavailable, kind: "busy", retryAfter: g.wait,
			msg: fmt.Sprintf("server busy: no generation slot freed within %v; retry later", g.wait)}
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return errStopping()
	}
}

func (g *gate) release() { <-g.slots }

// closed reports whether c is closed; a nil channel never is.
func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// errStopping is the answer to requests that the server's shutdown deadline cut short.
func errStopping() *apiError {
	return &apiError{status: http.StatusServiceUnavailable, kind: "shutting_down",
		msg: "server shutting down: the request did not finish before the shutdown deadline; retry when it is back"}
}

// errAbandoned ends a generation whose request has already been answered (timeout, client gone, shutdown).
var errAbandoned = errors.New("generation abandoned: its request has ended")

// rendered is what one request's work in its generation slot produced: the answer's body, or an error.
type rendered struct {
	body []byte
	err  error
}

// render generates the grid with rows zi and columns zo in batches of p.batch images and encodes the answer
// (the grid PNG, or the JSON form when asJSON), all within a generation slot, the gate's queue and the
// per-request timeout, so that only MaxConcurrent requests hold their images at once. On timeout, client
// disconnect or shutdown (Options.Stop) the request returns at once; its work stops after the model call in
// progress, still holding its slot until then, so the model is never asked for more than MaxConcurrent
// generations.
func (s *server) render(ctx context.Context, info Info, zi, zo [][]float32, pad int, asJSON bool, p plan) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	s.metrics.queued.Add(1)
	err := s.gate.acquire(ctx, s.opt.Stop)
	s.metrics.queued.Add(-1)
	if err != nil {
		return nil, s.contextError(ctx, err)
	}
	done := make(chan rendered, 1)
	go func() {
		defer s.gate.release()
		images, err := s.generate(ctx, info, zi, zo, p.batch)
		if err != nil {
			done <- rendered{err: err}
			return
		}
		body, err := encodeGrid(info, zi, zo, images, pad, asJSON)
		done <- rendered{body: body, err: err}
	}()
	select {
	case res := <-done:
		return res.body, res.err
	case <-ctx.Done():
		return nil, s.contextError(ctx, ctx.Err())
	case <-s.opt.Stop:
		return nil, errStopping()
	}
}

// generate renders every cell (i, j) = G(zi[i], zo[j]) of a grid, row-major, calling the model on at most
// batch images at a time. It stops before the next call once ctx ends or the server stops.
func (s *server) generate(ctx context.Context, info Info, zi, zo [][]float32, batch int) ([][]float32, error) {
	s.metrics.inFlight.Add(1)
	defer s.metrics.inFlight.Add(-1)
	n := len(zi) * len(zo)
	images := make([][]float32, 0, n)
	start := time.Now()
	for from := 0; from < n; from += batch {
		if ctx.Err() != nil || closed(s.opt.Stop) {
			return nil, errAbandoned
		}
		to := min(n, from+batch)
		pi, po := make([][]float32, 0, to-from), make([][]float32, 0, to-from)
		for k := from; k < to; k++ {
			pi, po = append(pi, zi[k/len(zo)]), append(po, zo[k%len(zo)])
		}
		res := callModel(s.model, pi, po)
		if err := checkImages(info, res, from, to-from); err != nil {
			s.metrics.observeGeneration(time.Since(start), 0, err)
			return nil, err
		}
		images = append(images, res.images...)
	}
	s.metrics.observeGeneration(time.Since(start), n, nil)
	return images, nil
}

// checkImages checks that one model call returned want images of the model's size, the first being image
// first of the grid; failures are 500s.
func checkImages(info Info, res generated, first, want int) error {
	if res.err != nil {
		return &apiError{status: http.StatusInternalServerError, kind: "model", msg: "generate: " + res.err.Error()}
	}
	if len(res.images) != want {
		return &apiError{status: http.StatusInternalServerError, kind: "model",
			msg: fmt.Sprintf("generate: model returned %d images; expected %d", len(res.images), want)}
	}
	for i, img := range res.images {
		if len(img) != info.pixels() {
			return &apiError{status: http.StatusInternalServerError, kind: "model",
				msg: fmt.Sprintf("generate: image %d has %d values; expected res×res×channels = %d×%d×%d = %d",
					first+i, len(img), info.Res, info.Res, info.Channels, info.pixels())}
		}
	}
	return nil
}

// generated is what one model call returned.
type generated struct {
	images [][]float32
	err    error
}

// callModel runs m.Generate, turning a panic into an error so that one bad model call cannot kill the server.
func callModel(m Model, zi, zo [][]float32) (res generated) {
	defer func() {
		if p := recover(); p != nil {
			res = generated{err: fmt.Errorf("model panicked: %v", p)}
		}
	}()
	images, err := m.Generate(zi, zo)
	return generated{images: images, err: err}
}

// contextError maps the end of a request's context to a response: 503 on the server's timeout, and a
// 503 for a client that went away (it will not read it, but the logs and metrics will).
func (s *server) contextError(ctx context.Context, err error) error {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &apiError{status: http.StatusServiceUnavailable, kind: "timeout", retryAfter: time.Second,
			msg: fmt.Sprintf("generation did not finish within the server's %v request timeout", s.opt.Timeout)}
	}
	return &apiError{status: http.StatusServiceUnavailable, kind: "canceled", msg: "request canceled by the client"}
}
