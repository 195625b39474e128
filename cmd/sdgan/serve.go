package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"sdgan/model"
	"sdgan/serve"
)

// serveOptions are the inputs of `sdgan serve`.
type serveOptions struct {
	model           string        // model file to serve
	addr            string        // listen address, host:port
	limits          serve.Options // per-request limits (the logger is set by runServe)
	shutdownTimeout time.Duration // how long SIGINT/SIGTERM waits for requests in flight
	dryRun          bool          // check the options, print them and exit

	load  func(path string) (serve.Model, error) // loads the model; loadServeModel unless a test swaps it
	ready func(addr net.Addr)                    // when non-nil, called once the server listens (tests)
}

// addFlags declares the command's flags on fs, with their defaults.
func (o *serveOptions) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.model, "model", "", "model `file` to serve (required)")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen `address` (host:port; :8080 for all interfaces)")
	fs.IntVar(&o.limits.MaxImages, "max-images", 256, "most images one request may ask for")
	fs.IntVar(&o.limits.MaxConcurrent, "max-concurrent", 2, "generations running at once; more requests queue")
	fs.DurationVar(&o.limits.QueueWait, "queue-wait", 10*time.Second, "longest wait in the queue before 503 + Retry-After")
	fs.DurationVar(&o.limits.Timeout, "timeout", 30*time.Second, "per-request limit for queueing plus generation")
	fs.Int64Var(&o.limits.MaxBody, "max-body", 1<<20, "request body limit in `bytes`")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGINT/SIGTERM, how long to let requests finish")
	fs.BoolVar(&o.dryRun, "dry-run", false, "check the flags, print the configuration and exit without loading or listening")
}

// check reports the first flag that is missing or out of range.
func (o *serveOptions) check() error {
	switch {
	case o.model == "":
		return usagef("--model: required; give the model file to serve")
	case o.addr == "":
		return usagef("--addr: empty; expected host:port such as 127.0.0.1:8080")
	case o.limits.MaxImages < 1 || o.limits.MaxImages > serve.MaxSide*serve.MaxSide:
		return usagef("--max-images %d: expected 1 to %d", o.limits.MaxImages, serve.MaxSide*serve.MaxSide)
	case o.limits.MaxConcurrent < 1:
		return usagef("--max-concurrent %d: expected at least 1", o.limits.MaxConcurrent)
	case o.limits.QueueWait <= 0:
		return usagef("--queue-wait %v: expected a positive duration", o.limits.QueueWait)
	case o.limits.Timeout <= 0:
		return usagef("--timeout %v: expected a positive duration", o.limits.Timeout)
	case o.limits.MaxBody < 1024:
		return usagef("--max-body %d: expected at least 1024 bytes", o.limits.MaxBody)
	case o.shutdownTimeout <= 0:
		return usagef("--shutdown-timeout %v: expected a positive duration", o.shutdownTimeout)
	}
	if _, _, err := net.SplitHostPort(o.addr); err != nil {
		return usagef("--addr %q: expected host:port such as 127.0.0.1:8080 (%v)", o.addr, err)
	}
	return nil
}

func serveCmd() *command {
	return &command{
		name:    "serve",
		summary: "serve the latent explorer page and a JSON/PNG API for a model (see serve/API.md)",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			opts := serveOptions{load: loadServeModel}
			fs := newFlagSet("serve", "--model FILE [flags]\n\n"+
				"Serves the SD-GAN latent explorer at / and the API of serve/API.md. JSON access logs go to stderr.\n"+
				"SIGINT or SIGTERM stops it gracefully.", stderr)
			opts.addFlags(fs)
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() != 0 {
				return usagef("unexpected arguments %q; all inputs are flags", fs.Args())
			}
			if err := opts.check(); err != nil {
				return err
			}
			return runServe(ctx, opts, stdout, stderr)
		},
	}
}

// loadServeModel loads the generator that `sdgan serve` serves: a run folder (its latest checkpoint) or a
// checkpoint file, trained or imported.
func loadServeModel(path string) (serve.Model, error) {
	g, c, err := model.LoadGenerator(path)
	if err != nil {
		return nil, err
	}
	facts := map[string]string{"checkpoint": c.Path}
	if src := c.Meta["sdgan.source"]; src != "" {
		facts["source"] = src
	}
	return servedGenerator{g: g, cfg: c.Config, step: c.Step, facts: facts}, nil
}

// servedGenerator adapts a model.Generator to serve.Model. Inference records nothing and shares no mutable state,
// so concurrent Generate calls are safe.
type servedGenerator struct {
	g     model.Generator
	cfg   model.Config
	step  int64
	facts map[string]string
}

func (s servedGenerator) Info() serve.Info {
	return serve.Info{Arch: s.cfg.Arch, Res: s.cfg.Res, Channels: s.cfg.Channels, K: s.cfg.K, DI: s.cfg.DI, DO: s.cfg.DO,
		Step: s.step, Facts: s.facts}
}

func (s servedGenerator) Generate(zi, zo [][]float32) ([][]float32, error) {
	if len(zi) != len(zo) {
		return nil, fmt.Errorf("%d identity codes and %d observation codes; want one of each per image", len(zi), len(zo))
	}
	z := make([]float32, 0, len(zi)*s.cfg.Z())
	for i := range zi {
		if len(zi[i]) != s.cfg.DI || len(zo[i]) != s.cfg.DO {
			return nil, fmt.Errorf("code %d has %d+%d values; want %d+%d", i, len(zi[i]), len(zo[i]), s.cfg.DI, s.cfg.DO)
		}
		z = append(append(z, zi[i]...), zo[i]...)
	}
	return model.Generate(s.g, s.cfg, z), nil
}

// runServe loads the model and serves it until ctx ends (SIGINT/SIGTERM), then shuts down gracefully.
func runServe(ctx context.Context, opts serveOptions, stdout, stderr io.Writer) error {
	if opts.dryRun {
		fmt.Fprintf(stdout, "sdgan serve (dry run): model %s on http://%s/\n  max images %d, max concurrent %d, queue wait %v, "+
			"timeout %v, max body %d bytes, shutdown timeout %v\n", opts.model, opts.addr, opts.limits.MaxImages,
			opts.limits.MaxConcurrent, opts.limits.QueueWait, opts.limits.Timeout, opts.limits.MaxBody, opts.shutdownTimeout)
		return nil
	}
	m, err := opts.load(opts.model)
	if err != nil {
		return err
	}
	info := m.Info()
	if err := info.Validate(); err != nil {
		return fmt.Errorf("model %s: %w", opts.model, err)
	}
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", opts.addr, err)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	limits := opts.limits
	limits.Logger = logger
	srv := &http.Server{
		Handler:           serve.New(m, limits),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,                     // a whole request, body included
		WriteTimeout:      limits.Timeout + 30*time.Second, // generation plus sending the answer
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "sdgan serve: %s (%s, %d×%d, step %d) on http://%s/\n", opts.model, info.Arch, info.Res, info.Res,
		info.Step, ln.Addr())
	if opts.ready != nil {
		opts.ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	fmt.Fprintf(stdout, "sdgan serve: stopping; letting requests finish for up to %v\n", opts.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown within --shutdown-timeout %v: %w", opts.shutdownTimeout, err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	fmt.Fprintln(stdout, "sdgan serve: stopped")
	return nil
}
