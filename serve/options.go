package serve

import (
	"log/slog"
	"time"
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
)

// Options tunes the server. The zero value of each field selects its default.
type Options struct {
	MaxImages     int           // images per request (rows × columns); default 256
	MaxConcurrent int           // generations running at once; default 2
	QueueWait     time.Duration // how long a request waits for a free generation slot before 503; default 10s
	MaxBody       int64         // request body limit in bytes; default 1 MB (1 << 20)
	Timeout       time.Duration // per-request limit for queueing plus generation; default 30s
	Logger        *slog.Logger  // access log; nil discards
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
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	return opt
}
