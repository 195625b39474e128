package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"sdgan/model"
	"sdgan/project"
	"sdgan/serve"
)

// serveOptions are the inputs of `sdgan serve`.
type serveOptions struct {
	model           string            // model file to serve
	weights         weightsFlag       // which of its generators
	addr            string            // listen address, host:port
	limits          serve.Options     // per-request limits (runServe sets the logger, hosts, model memory and stop)
	allowHosts      hostList          // Host header names accepted besides loopback and the listen address
	maxRequestMem   byteSize          // memory one request may need
	device          deviceFlag        // where the generator runs
	shutdownTimeout time.Duration     // how long SIGINT/SIGTERM waits for requests in flight
	dryRun          bool              // check the options, print them and exit
	identities      identityFilesFlag // projected identities (zi.json) the page starts with
	projectSteps    int               // steps of one projection (POST /api/project)
	projectStarts   int               // its random starts
	maxPixels       int64             // the most pixels an uploaded image may declare

	load  func(path string, w model.Weights, p serveProjection) (serve.Model, error) // loads the model; loadServeModel unless a test swaps it
	ready func(addr net.Addr)                                                        // when non-nil, called once the server listens (tests)
}

// addFlags declares the command's flags on fs, with their defaults.
func (o *serveOptions) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.model, "model", "", "model `file` to serve (required)")
	fs.Var(&o.weights, "weights", weightsUsage)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen `address` (host:port; :8080 for all interfaces)")
	fs.IntVar(&o.limits.MaxImages, "max-images", 256, "most images one request may ask for")
	fs.IntVar(&o.limits.MaxConcurrent, "max-concurrent", 2, "generations running at once; more requests queue")
	fs.DurationVar(&o.limits.QueueWait, "queue-wait", 10*time.Second, "longest wait in the queue before 503 + Retry-After")
	fs.DurationVar(&o.limits.Timeout, "timeout", 30*time.Second, "per-request limit for queueing plus generation")
	fs.Int64Var(&o.limits.MaxBody, "max-body", 1<<20, "request body limit in `bytes`")
	o.maxRequestMem = serve.DefaultMaxRequestMemory
	fs.Var(&o.maxRequestMem, "max-request-memory", "most memory one request may need (`size`: bytes, or with KiB, MiB, GiB);\n"+
		"larger requests are refused, large grids are generated in batches that fit")
	fs.Var(&o.allowHosts, "allow-host", "also accept requests whose Host header names this `host` (repeatable); by default only\n"+
		"localhost, 127.0.0.1, [::1] and the listen address (or, listening on all interfaces, this machine's addresses)")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", time.Second, "on SIGINT/SIGTERM, how long to let requests finish;\n"+
		"requests still queued or generating then get 503")
	fs.Var(&o.identities, "identity", "a projected identity (zi.json from sdgan project) the page shows as a row from the start (repeatable)")
	fs.IntVar(&o.projectSteps, "project-steps", 300, fmt.Sprintf("steps of one projection of dropped images (POST /api/project), 1 to %d", project.MaxSteps))
	fs.IntVar(&o.projectStarts, "project-starts", 1, fmt.Sprintf("random starts of one projection, 1 to %d", project.MaxStarts))
	fs.DurationVar(&o.limits.ProjectTimeout, "project-timeout", 5*time.Minute, "longest time one projection may take, queueing included")
	addMaxPixelsFlag(fs, &o.maxPixels)
	addDeviceFlag(fs, &o.device)
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
	case o.maxRequestMem < 16<<20:
		return usagef("--max-request-memory %s: expected at least 16MiB", &o.maxRequestMem)
	case o.shutdownTimeout <= 0:
		return usagef("--shutdown-timeout %v: expected a positive duration", o.shutdownTimeout)
	case o.projectSteps < 1 || o.projectSteps > project.MaxSteps:
		return usagef("--project-steps %d: expected 1 to %d", o.projectSteps, project.MaxSteps)
	case o.projectStarts < 1 || o.projectStarts > project.MaxStarts:
		return usagef("--project-starts %d: expected 1 to %d", o.projectStarts, project.MaxStarts)
	case o.limits.ProjectTimeout <= 0:
		return usagef("--project-timeout %v: expected a positive duration", o.limits.ProjectTimeout)
	}
	o.limits.MaxPixels = o.maxPixels
	if _, _, err := net.SplitHostPort(o.addr); err != nil {
		return usagef("--addr %q: expected host:port such as 127.0.0.1:8080 (%v)", o.addr, err)
	}
	o.limits.MaxRequestMemory = int64(o.maxRequestMem)
	return nil
}

// hostList is a repeatable flag of host names or IP addresses, without ports.
type hostList []string

func (h *hostList) String() string { return strings.Join(*h, ",") }

func (h *hostList) Set(v string) error {
	name := strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	if name == "" || strings.ContainsAny(name, "/ \t@?#*") || strings.Contains(name, ":") && net.ParseIP(name) == nil {
		return fmt.Errorf("%q: expected a host name or IP address without a port, such as explorer.lan", v)
	}
	*h = append(*h, name)
	return nil
}

// byteSize is a flag holding a number of bytes, written plain or with a binary unit: 268435456, 256MiB, 1GiB.
type byteSize int64

var sizeUnits = []struct {
	suffix string
	shift  uint
}{{"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"K", 10}, {"M", 20}, {"G", 30}, {"B", 0}}

func (b *byteSize) String() string {
	switch v := int64(*b); {
	case v >= 1<<30 && v%(1<<30) == 0:
		return strconv.FormatInt(v>>30, 10) + "GiB"
	case v >= 1<<20 && v%(1<<20) == 0:
		return strconv.FormatInt(v>>20, 10) + "MiB"
	default:
		return strconv.FormatInt(v, 10)
	}
}

func (b *byteSize) Set(v string) error {
	num, shift := v, uint(0)
	for _, u := range sizeUnits {
		if strings.HasSuffix(v, u.suffix) {
			num, shift = strings.TrimSuffix(v, u.suffix), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return fmt.Errorf("%q: expected a number of bytes, optionally with KiB, MiB or GiB, such as 256MiB", v)
	}
	*b = byteSize(n << shift)
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
				"SIGINT or SIGTERM stops it gracefully.\n\n"+
				"For an AC-DCGAN (train --arch acgan) every sampled row is one of its training identities (a row of its\n"+
				"label table; /api/info lists them): it cannot sample new identities, and interpolating between two rows\n"+
				"blends two learned codes.", stderr)
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

// serveProjection is how the served model projects dropped images.
type serveProjection struct{ steps, starts int }

// loadServeModel loads the generator that `sdgan serve` serves: a run folder (its latest checkpoint) or a
// checkpoint file, trained or imported. Its parameters are frozen (they never need gradients when serving), so
// that projections, which run gradients through it, only read it.
func loadServeModel(path string, w model.Weights, p serveProjection) (serve.Model, error) {
	g, c, err := model.LoadGenerator(path, w)
	if err != nil {
		return nil, err
	}
	for _, t := range g.Params() {
		t.SetRequiresGrad(false)
	}
	facts := map[string]string{"checkpoint": c.Path, "weights": string(c.Generator)}
	if src := c.Meta["sdgan.source"]; src != "" {
		facts["source"] = src
	}
	sg := servedGenerator{g: g, cfg: c.Config, step: c.Step, facts: facts, proj: p}
	if c.Config.Arch == model.ACGAN {
		for l := range c.Config.Classes {
			sg.identities = append(sg.identities, c.LabelName(l))
		}
		facts["identities"] = fmt.Sprintf("%d identity labels of its training data (AC-DCGAN): it cannot sample new identities", c.Config.Classes)
	}
	return sg, nil
}

// servedGenerator adapts a model.Generator to serve.Model. Inference records nothing and shares no mutable state,
// so concurrent Generate calls are safe.
type servedGenerator struct {
	g          model.Generator
	cfg        model.Config
	step       int64
	facts      map[string]string
	identities []string // an AC-DCGAN's, by label
	proj       serveProjection
}

// ProjectInfo says how the model projects dropped images: at most k·4 images (and 8), with a pixel loss. An
// AC-DCGAN cannot (nil).
func (s servedGenerator) ProjectInfo() *serve.ProjectInfo {
	if s.cfg.Arch == model.ACGAN {
		return nil
	}
	return &serve.ProjectInfo{MaxImages: min(8, projectPerTupleK*s.cfg.K), Steps: s.proj.steps, Starts: s.proj.starts, Loss: serveProjectLoss}
}

// serveProjectLoss is the loss of the server's projections: a pixel loss, which needs neither the discriminator
// (an imported model has none) nor a verifier.
const serveProjectLoss = project.PixelL2

// Project projects images as sdgan project does, with the server's steps and starts.
func (s servedGenerator) Project(ctx context.Context, images [][]float32, progress func(step, steps int)) (*serve.Projection, error) {
	o := project.Defaults()
	o.Steps, o.Starts = s.proj.steps, s.proj.starts
	o.Progress = func(step, steps int, _ float64) { progress(step, steps) }
	r, err := project.Project(ctx, s.g, s.cfg, images, project.Loss{Name: serveProjectLoss, Pixel: serveProjectLoss, PixelWeight: 1}, o)
	if err != nil {
		return nil, err
	}
	return &serve.Projection{ZI: r.ZI, ZO: r.ZO, Images: r.Images, Loss: r.Loss}, nil
}

func (s servedGenerator) Info() serve.Info {
	return serve.Info{Arch: s.cfg.Arch, Res: s.cfg.Res, Channels: s.cfg.Channels, K: s.cfg.K, DI: s.cfg.DI, DO: s.cfg.DO,
		Step: s.step, Facts: s.facts, IdentityCodes: s.identityCodes, Identities: s.identities}
}

// identityCodes draws identity codes as every command does (model.IdentityCodes): for an AC-DCGAN, rows of its
// label table. The table is only read, so concurrent calls are safe.
func (s servedGenerator) identityCodes(rng *rand.Rand, n int) ([][]float32, []int) {
	return model.IdentityCodes(rng, s.g, s.cfg, n)
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

// runServe loads the model and serves it until ctx ends (SIGINT/SIGTERM), then shuts down: it stops
// accepting connections, lets requests in flight finish for up to --shutdown-timeout, answers those still
// queued or generating with 503, and returns an error wrapping ctx's (exit status 130).
func runServe(ctx context.Context, opts serveOptions, stdout, stderr io.Writer) error {
	if opts.dryRun {
		fmt.Fprintf(stdout, "sdgan serve (dry run): model %s on http://%s/\n  max images %d, max concurrent %d, queue wait %v, "+
			"timeout %v, max body %d bytes, max request memory %s, shutdown timeout %v\n  hosts accepted: %s\n",
			opts.model, opts.addr, opts.limits.MaxImages, opts.limits.MaxConcurrent, opts.limits.QueueWait,
			opts.limits.Timeout, opts.limits.MaxBody, &opts.maxRequestMem, opts.shutdownTimeout,
			strings.Join(append([]string{"localhost", "127.0.0.1", "[::1]", "the listen address"}, opts.allowHosts...), ", "))
		return nil
	}
	if err := opts.device.use(); err != nil {
		return err
	}
	m, err := opts.load(opts.model, opts.weights.w, serveProjection{opts.projectSteps, opts.projectStarts})
	if err != nil {
		return err
	}
	info := m.Info()
	if err := info.Validate(); err != nil {
		return fmt.Errorf("model %s: %w", opts.model, err)
	}
	cfg := model.Config{DI: info.DI}
	for _, path := range opts.identities {
		f, err := readIdentityFile(path, "--identity", cfg)
		if err != nil {
			return err
		}
		name := f.Name
		if name == "" {
			name = filepath.Base(path)
		}
		opts.limits.Identities = append(opts.limits.Identities, serve.NamedIdentity{Name: name, ZI: f.ZI})
	}
	mem, err := serve.MeasureModelMemory(m)
	if err != nil {
		return fmt.Errorf("model %s: %w", opts.model, err)
	}
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", opts.addr, err)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	stop := make(chan struct{})
	limits := opts.limits
	limits.Logger = logger
	limits.ModelMemory = mem
	limits.AllowHosts = append(listenHosts(ln.Addr()), opts.allowHosts...)
	limits.Stop = stop
	memLimit, restore := setMemoryLimit(limits)
	defer restore()
	srv := &http.Server{
		Handler:           serve.New(m, limits),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,                                                 // a whole request, body included
		WriteTimeout:      max(limits.Timeout, limits.ProjectTimeout) + 30*time.Second, // generation plus sending the answer
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(stdout, "sdgan serve: %s (%s, %d×%d, step %d) on http://%s/\n", opts.model, info.Arch, info.Res, info.Res,
		info.Step, ln.Addr())
	fmt.Fprintf(stdout, "sdgan serve: model working memory %.1f MiB per image; at most %s per request; %s\n",
		float64(mem.PerImage)/(1<<20), &opts.maxRequestMem, memLimit)
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
	fmt.Fprintf(stdout, "sdgan serve: stopping; requests in flight have %v to finish\n", opts.shutdownTimeout)
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.WithoutCancel(ctx)) }()
	select {
	case err = <-shut:
	case <-time.After(opts.shutdownTimeout):
		close(stop) // requests still queued or generating answer 503 now
		select {
		case err = <-shut:
		case <-time.After(time.Second): // handlers that still have not returned are cut off
			srv.Close()
			err = <-shut
		}
	}
	if err != nil {
		return fmt.Errorf("shut down the server on %s: %w", ln.Addr(), err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", ln.Addr(), err)
	}
	fmt.Fprintln(stdout, "sdgan serve: stopped")
	return fmt.Errorf("stopped by a signal: %w", ctx.Err())
}

// listenHosts returns the Host names that address a server listening on addr: its IP, or when it listens on
// every interface, the addresses of this machine's interfaces.
func listenHosts(addr net.Addr) []string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return nil
	}
	if !tcp.IP.IsUnspecified() {
		return []string{tcp.IP.String()}
	}
	var hosts []string
	addrs, _ := net.InterfaceAddrs() // without them, only loopback and --allow-host names are accepted
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			hosts = append(hosts, ipn.IP.String())
		}
	}
	return hosts
}

// setMemoryLimit sets the Go runtime's soft memory limit to what the server may need at once, so that the
// garbage collector reclaims the model's short-lived buffers before the heap doubles: the requests allowed to
// generate at once, each at its limit, plus room for the model, the queue and the connections. A GOMEMLIMIT
// set by the user wins. It returns a sentence saying what it did, and a function that restores the old limit.
func setMemoryLimit(opt serve.Options) (string, func()) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return fmt.Sprintf("GOMEMLIMIT=%s kept", os.Getenv("GOMEMLIMIT")), func() {}
	}
	limit := int64(opt.MaxConcurrent)*opt.MaxRequestMemory + 256<<20
	old := debug.SetMemoryLimit(limit)
	return fmt.Sprintf("garbage collector aims to stay under %d MiB", limit>>20), func() { debug.SetMemoryLimit(old) }
}
