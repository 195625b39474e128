package serve

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"sdgan/data"
	"sdgan/picture"
)

// Projector is a Model that can also project images: find the identity code z_I of a few images of one identity
// and an observation code z_O for each (sdgan project), for POST /api/project. A Model without it answers that
// route with a 404 that says so.
type Projector interface {
	Model
	// ProjectInfo says how the model projects; nil when it cannot (an AC-GAN has no identity space).
	ProjectInfo() *ProjectInfo
	// Project finds the codes of images (each Res·Res·Channels values, NHWC, in [−1, 1]), calling progress after
	// each step, and returns them with the model's images of them. It stops with ctx's error soon after ctx is
	// done, and must be safe for concurrent use.
	Project(ctx context.Context, images [][]float32, progress func(step, steps int)) (*Projection, error)
}

// ProjectInfo describes a model's projection: the most images one takes, the steps it runs, and how many
// generator images each of its steps makes per input image (its random starts), for the memory estimate.
type ProjectInfo struct {
	MaxImages int    `json:"max_images"`
	Steps     int    `json:"steps"`
	Starts    int    `json:"starts"`
	Loss      string `json:"loss"`
}

// Projection is what Project found.
type Projection struct {
	ZI     []float32
	ZO     [][]float32
	Images [][]float32 // the model's image of each (ZI, ZO[i])
	Loss   float64
}

// NamedIdentity is an identity code with a name: a projected identity the server was started with.
type NamedIdentity struct {
	Name string    `json:"name"`
	ZI   []float32 `json:"zi"`
}

// projectRequest is the body of POST /api/project.
type projectRequest struct {
	Images []string `json:"images"`
}

// projectProgress and projectResult are the lines of /api/project's answer.
type projectProgress struct {
	Step  int `json:"step"`
	Steps int `json:"steps"`
}

type projectResult struct {
	ZI         []float32   `json:"zi"`
	ZO         [][]float32 `json:"zo"`
	Loss       float64     `json:"loss"`
	Inputs     []string    `json:"inputs"`     // the inputs as the model sees them, base64 PNG
	Projection []string    `json:"projection"` // the model's images of the codes, base64 PNG
}

// projectLineInterval is the least time between two progress lines.
const projectLineInterval = 200 * time.Millisecond

// backwardFactor is the memory of a projection step per generator image, in units of the model's measured
// working memory per generated image: the forward pass kept on the tape and its gradients. (Measured on the
// authors' faces model: a step allocates about 1.5 times what generating its images does.)
const backwardFactor = 2

func (s *server) handleProject(w http.ResponseWriter, r *http.Request) {
	p, ok := s.model.(Projector)
	var pi *ProjectInfo
	if ok {
		pi = p.ProjectInfo()
	}
	if pi == nil {
		s.fail(w, &apiError{status: http.StatusNotFound, kind: "not_found",
			msg: "path /api/project: this model cannot project images (an AC-GAN's identities are its training labels)"})
		return
	}
	var req projectRequest
	if err := decodeBody(w, r, s.opt.MaxBody, &req); err != nil {
		s.fail(w, err)
		return
	}
	info, err := s.modelInfo()
	if err != nil {
		s.fail(w, err)
		return
	}
	if n := len(req.Images); n < 1 || n > pi.MaxImages {
		s.fail(w, badRequest("field \"images\": %d images; expected 1 to %d images of one identity", n, pi.MaxImages))
		return
	}
	if err := s.planProjection(info, pi, len(req.Images)); err != nil {
		s.fail(w, err)
		return
	}
	images := make([][]float32, len(req.Images))
	for i, b64 := range req.Images {
		field := fmt.Sprintf("images[%d]", i)
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			s.fail(w, badRequest("field %q: not base64 (%v); expected a PNG, JPEG or GIF file in standard base64", field, err))
			return
		}
		img, err := data.DecodeImageBytes(r.Context(), field, raw, info.Res, info.Channels, s.opt.MaxPixels)
		if err != nil {
			var tooLarge *data.TooLargeError
			if errors.As(err, &tooLarge) {
				s.fail(w, &apiError{status: http.StatusBadRequest, kind: "image_too_large",
					msg: fmt.Sprintf("field %q: %d×%d pixels, more than the server's limit of %d; expected a smaller image",
						field, tooLarge.Width, tooLarge.Height, tooLarge.Max)})
				return
			}
			s.fail(w, badRequest("field %q: %v; expected a PNG, JPEG or GIF file", field, strings.TrimPrefix(err.Error(), "decode "+field+": ")))
			return
		}
		if img.Colour && info.Channels == 1 {
			s.fail(w, badRequest("field %q: a colour image, but the model draws grey images; expected grey images", field))
			return
		}
		images[i] = img.Pixels
	}
	s.project(w, r, p, pi, info, images)
}

// planProjection refuses, with a 400, a projection of n images whose estimated memory exceeds the request limit:
// the uploads (bounded by the body limit, and decoded within the pixel limit), the model's working memory for
// starts·n images, backwardFactor times over, and the answer.
func (s *server) planProjection(info Info, pi *ProjectInfo, n int) error {
	batch := int64(max(pi.Starts, 1) * n)
	cost := s.opt.ModelMemory
	need := requestOverhead + 2*s.opt.MaxBody + cost.Fixed + backwardFactor*batch*cost.PerImage +
		int64(n)*(int64(info.pixels())*4*4+2*pngBound(int64(info.Res), int64(info.Res), int64(info.Channels)))
	if need > s.opt.MaxRequestMemory {
		return &apiError{status: http.StatusBadRequest, kind: "over_memory_budget",
			msg: fmt.Sprintf("request: projecting %d images (%d starts) of %d×%d×%d needs about %s of memory; expected at most %s per request "+
				"(--max-request-memory): send fewer images", n, pi.Starts, info.Res, info.Res, info.Channels, mib(need), mib(s.opt.MaxRequestMemory))}
	}
	return nil
}

// project runs the projection in a generation slot, within ProjectTimeout, streaming its progress as JSON lines
// (application/x-ndjson): {"step", "steps"} lines, then {"result": …} or {"error": …}. Errors before the slot
// is taken (busy, timeout in the queue) are plain JSON errors with their status.
func (s *server) project(w http.ResponseWriter, r *http.Request, p Projector, pi *ProjectInfo, info Info, images [][]float32) {
	ctx, cancel := context.WithTimeout(r.Context(), s.opt.ProjectTimeout)
	defer cancel()
	s.metrics.queued.Add(1)
	err := s.gate.acquire(ctx, s.opt.Stop)
	s.metrics.queued.Add(-1)
	if err != nil {
		s.fail(w, s.projectError(ctx, err))
		return
	}
	type outcome struct {
		res *Projection
		err error
	}
	steps := make(chan projectProgress, 1)
	done := make(chan outcome, 1)
	go func() {
		defer s.gate.release()
		s.metrics.inFlight.Add(1)
		defer s.metrics.inFlight.Add(-1)
		res, err := callProject(ctx, p, images, func(step, total int) {
			select { // keep the latest only: the writer reads when it is ready
			case <-steps:
			default:
			}
			steps <- projectProgress{step, total}
		})
		done <- outcome{res, err}
	}()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	line := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(`{"error":"internal error: encode the answer"}`)
		}
		w.Write(append(b, '\n'))
		rc.Flush()
	}
	line(projectProgress{0, pi.Steps})
	last := time.Now()
	stop := s.opt.Stop
	for {
		select {
		case pr := <-steps:
			if time.Since(last) >= projectLineInterval || pr.Step == pr.Steps {
				line(pr)
				last = time.Now()
			}
		case out := <-done:
			if out.err != nil {
				s.metrics.countError(projectErrorKind(ctx, out.err))
				line(map[string]string{"error": s.projectError(ctx, out.err).Error()})
				return
			}
			res, err := encodeProjection(info, images, out.res)
			if err != nil {
				line(map[string]string{"error": err.Error()})
				return
			}
			line(map[string]any{"result": res})
			return
		case <-stop:
			cancel()
			stop = nil // the projection ends at its next step; its error line follows
		}
	}
}

// callProject runs p.Project, turning a panic into an error.
func callProject(ctx context.Context, p Projector, images [][]float32, progress func(step, steps int)) (res *Projection, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = nil, fmt.Errorf("model panicked while projecting: %v", v)
		}
	}()
	return p.Project(ctx, images, progress)
}

// projectError maps a projection's failure to what the client is told.
func (s *server) projectError(ctx context.Context, err error) error {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case closed(s.opt.Stop):
		return errStopping()
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &apiError{status: http.StatusServiceUnavailable, kind: "timeout", retryAfter: time.Second,
			msg: fmt.Sprintf("projection did not finish within the server's %v limit (--project-timeout); send fewer images", s.opt.ProjectTimeout)}
	case ctx.Err() != nil:
		return &apiError{status: http.StatusServiceUnavailable, kind: "canceled", msg: "request canceled by the client"}
	}
	return &apiError{status: http.StatusInternalServerError, kind: "model", msg: "project: " + err.Error()}
}

// projectErrorKind is the metrics kind of a projection that failed after its answer began.
func projectErrorKind(ctx context.Context, err error) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "timeout"
	case ctx.Err() != nil:
		return "canceled"
	}
	return "model"
}

// encodeProjection checks the model's answer and encodes the inputs and the projection as PNGs.
func encodeProjection(info Info, inputs [][]float32, p *Projection) (*projectResult, error) {
	if p == nil || len(p.ZI) != info.DI || len(p.ZO) != len(inputs) || len(p.Images) != len(inputs) {
		return nil, errors.New("project: the model's answer does not match the request (codes or images missing)")
	}
	res := &projectResult{ZI: p.ZI, ZO: p.ZO, Loss: p.Loss}
	enc := newPNGEncoder()
	for i := range inputs {
		if len(p.ZO[i]) != info.DO || len(p.Images[i]) != info.pixels() {
			return nil, fmt.Errorf("project: the model's code or image %d has the wrong size", i)
		}
		for _, pair := range []struct {
			dst *[]string
			img []float32
		}{{&res.Inputs, inputs[i]}, {&res.Projection, p.Images[i]}} {
			b, err := encodePNG(enc, picture.ToImage(pair.img, info.Res, info.Res, info.Channels), info.Channels)
			if err != nil {
				return nil, err
			}
			*pair.dst = append(*pair.dst, base64.StdEncoding.EncodeToString(b))
		}
	}
	return res, nil
}
