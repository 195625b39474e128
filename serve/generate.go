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

// acquire takes a slot, waiting at most g.wait and no longer than ctx allows.
func (g *gate) acquire(ctx context.Context) error {
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
	}
}

func (g *gate) release() { <-g.slots }

// generated is what one generation returned.
type generated struct {
	images [][]float32
	err    error
}

// generate renders every cell (i, j) = G(zi[i], zo[j]) of a grid, row-major, within the gate and the
// per-request timeout. On timeout the request returns at once; the model call finishes in the background,
// still holding its slot, so the model is never asked for more than MaxConcurrent generations.
func (s *server) generate(ctx context.Context, info Info, zi, zo [][]float32) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	s.metrics.queued.Add(1)
	err := s.gate.acquire(ctx)
	s.metrics.queued.Add(-1)
	if err != nil {
		return nil, s.contextError(ctx, err)
	}
	pi := make([][]float32, 0, len(zi)*len(zo))
	po := make([][]float32, 0, len(zi)*len(zo))
	for i := range zi {
		for j := range zo {
			pi, po = append(pi, zi[i]), append(po, zo[j])
		}
	}
	done := make(chan generated, 1)
	s.metrics.inFlight.Add(1)
	go func() {
		defer s.gate.release()
		defer s.metrics.inFlight.Add(-1)
		start := time.Now()
		res := callModel(s.model, pi, po)
		s.metrics.observeGeneration(time.Since(start), len(res.images), res.err)
		done <- res
	}()
	var res generated
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, s.contextError(ctx, ctx.Err())
	}
	if res.err != nil {
		return nil, &apiError{status: http.StatusInternalServerError, kind: "model", msg: "generate: " + res.err.Error()}
	}
	if len(res.images) != len(pi) {
		return nil, &apiError{status: http.StatusInternalServerError, kind: "model",
			msg: fmt.Sprintf("generate: model returned %d images; expected %d", len(res.images), len(pi))}
	}
	for i, img := range res.images {
		if len(img) != info.pixels() {
			return nil, &apiError{status: http.StatusInternalServerError, kind: "model",
				msg: fmt.Sprintf("generate: image %d has %d values; expected res×res×channels = %d×%d×%d = %d",
					i, len(img), info.Res, info.Res, info.Channels, info.pixels())}
		}
	}
	return res.images, nil
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
