package serve

import (
	"log/slog"
	"time"

	"sdgan/data"
)

// Fixed bounds on requests, independent of Options.
const (
	// MaxSide bounds the identities (rows) and observations (columns) of one grid.
	MaxSide = 100
	// MaxPadding bounds the padding between grid cells, in pixels.
	MaxPadding = 64
	// MaxAbsLatent bounds every latent coordinate a client sends; sampled coordinates lie in [−1, 1].
	MaxAbsLatent = 10
	// DefaultSide is the grid's rows and columns when a seeded request leaves them out.
	DefaultSide = 4
	// DefaultSteps is the interpolation grid's side when a request leaves it out.
	DefaultSteps = 4
	// DefaultMaxRequestMemory is Options.MaxRequestMemory's default: 256 MiB.
	DefaultMaxRequestMemory = 256 << 20
)

// Options tunes the server. The zero value of each field selects its default.
type Options struct {
	MaxImages     int           // images per request (rows × columns); default 256
	MaxConcurrent int           // generations running at once; default 2
	QueueWait     time.Duration // how long a request waits for a free generation slot before 503; default 10s
	MaxBody       int64         // request body limit in bytes; default 1 MB (1 << 20)
	Timeout       time.Duration // per-request limit for queueing plus generation; default 30s

	// MaxRequestMemory bounds the memory one request may need, in bytes, as estimated from its images and
	// ModelMemory (see API.md); larger requests get a 400, and grids are generated in batches small enough to
	// fit. Default DefaultMaxRequestMemory.
	MaxRequestMemory int64
	// ModelMemory is what the model's Generate needs beyond its arguments; MeasureModelMemory measures it.
	// The zero value counts the model's working memory as nothing.
	ModelMemory ModelMemory

	// MaxPixels is the most pixels (width × height) an uploaded image may declare: larger ones are refused from
	// their header, undecoded. Default data.DefaultMaxPixels.
	MaxPixels int64
	// ProjectTimeout bounds one projection (POST /api/project), queueing included; default 5 minutes.
	ProjectTimeout time.Duration
	// Identities are projected identities (sdgan project's zi.json) that /api/info lists and the page shows as
	// rows from the start.
	Identities []NamedIdentity

	// AllowHosts lists the host names (or IP addresses) a request's Host header may name besides the loopback
	// ones, localhost, 127.0.0.1 and ::1, which are always accepted. Any other Host gets a 403, so that a web
	// page whose name an attacker rebinds to this machine's address (DNS rebinding) cannot read the API.
	AllowHosts []string

	// Stop, when non-nil and closed, ends the requests in progress: those waiting for a generation slot and
	// those generating answer 503 at once. Servers close it at their shutdown deadline.
	Stop <-chan struct{}

	Logger *slog.Logger // access log; nil discards
}

// ModelMemory is the working memory one Model.Generate call needs, beyond its arguments: Fixed bytes per call
// plus PerImage bytes for each image it makes (activations, scratch and the image itself).
type ModelMemory struct {
	PerImage int64
	Fixed    int64
}

// withDefaults returns opt with every zero field replaced by its default.
func (opt Options) withDefaults() Options {
	if opt.MaxImages <= 0 {
		opt.MaxImages = 256
	}
	if opt.MaxConcurrent <= 0 {
		opt.MaxConcurrent = 2
	}
	if opt.QueueWait <= 0 {
		opt.QueueWait = 10 * time.Second
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = 1 << 20
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	if opt.MaxPixels <= 0 {
		opt.MaxPixels = data.DefaultMaxPixels
	}
	if opt.ProjectTimeout <= 0 {
		opt.ProjectTimeout = 5 * time.Minute
	}
	if opt.MaxRequestMemory <= 0 {
		opt.MaxRequestMemory = DefaultMaxRequestMemory
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return opt
}
