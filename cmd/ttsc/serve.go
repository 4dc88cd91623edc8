package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/callback"
	"github.com/openttsc/ttsc/internal/engine/cache"
	"github.com/openttsc/ttsc/internal/engine/pool"
	"github.com/openttsc/ttsc/internal/httpapi"
	"github.com/openttsc/ttsc/internal/metrics"
	"github.com/openttsc/ttsc/internal/netguard"
	"github.com/openttsc/ttsc/internal/retention"
	"github.com/openttsc/ttsc/internal/reuse"
	"github.com/openttsc/ttsc/internal/store/jobcache"
	"github.com/openttsc/ttsc/internal/store/sqlitestore"
	"github.com/openttsc/ttsc/internal/store/sqlstore"
	"github.com/openttsc/ttsc/internal/voices"
	"github.com/openttsc/ttsc/internal/worker"
)

// ServeConfig is what `ttsc serve` reads from flags and TTSC_* variables.
type ServeConfig struct {
	// Addr is the listen address. Default 127.0.0.1:8080.
	Addr string
	// Data is the directory of the database, the audio files and the URL
	// signing key. Default ./data.
	Data string
	// PublicURL is the base of download URLs. Default http://{Addr}.
	PublicURL string
	// EngineWorkers is the number of engine host processes. Default: the
	// number of CPUs.
	EngineWorkers int
	// EngineMemoryMB bounds each engine host's data memory; a host that
	// needs more dies and is replaced. Default 512.
	EngineMemoryMB int
	// SegmentTimeout bounds one segment's synthesis. Default 30s.
	SegmentTimeout time.Duration
	// URLExpiry is how long download URLs stay valid. Default 1h.
	URLExpiry time.Duration
	// ShutdownTimeout is how long SIGTERM waits for running jobs before
	// handing them back to the queue. Default 30s.
	ShutdownTimeout time.Duration
	// LogFormat is json or text. Default json.
	LogFormat string
	// LogLevel is the least important level logged. Default info.
	LogLevel slog.Level
	// CallbackAllow lists non-public hosts, addresses and CIDR ranges
	// job-end callbacks may reach (public hosts always may). Default none.
	CallbackAllow string
	// ExternalURLAllow lists the hosts finished files may be uploaded to
	// (output_external_url and its siblings). Default none: uploads are
	// refused.
	ExternalURLAllow string
	// CallbackTimeout bounds one callback or upload request. Default 10s.
	CallbackTimeout time.Duration
	// callbackRetryBase is the first retry wait of a failed callback;
	// tests shorten it. Default 10s.
	callbackRetryBase time.Duration
	// Database is sqlite:PATH (default DATA/ttsc.db) or a postgres:// URL.
	Database string
	// Blob is file:DIR (default DATA/blobs) or an s3:// URL.
	Blob string
	// Role is all (default), api (the HTTP API; takes no jobs) or worker
	// (synthesis; serves only /healthz).
	Role string
	// SigningKeyFile holds the key that signs download URLs and derives
	// callback keys; every node of a deployment needs the same one.
	// Default DATA/url-signing.key, created on first start.
	SigningKeyFile string
	// Retention is how long jobs and their files are kept. Default 72h; 0
	// keeps them for ever.
	Retention time.Duration
	// retentionEvery is how often the retention sweep runs; tests
	// shorten it. Default 10 minutes.
	retentionEvery time.Duration
	// orphansEvery is how often the sweep that ends jobs whose queued
	// work will never run again runs; tests shorten it. Default 1 minute.
	orphansEvery time.Duration
	// JobTimeout bounds one attempt of a queued job, and a streamed job
	// (one START of a WebSocket). Default 5m.
	JobTimeout time.Duration
	// RescueAfter is when a job left running by a process that died is
	// handed to another attempt. Default JobTimeout plus a minute.
	RescueAfter time.Duration
	// CacheMB bounds the result cache of each process, in MiB of audio
	// kept in files under Data/cache; 0 switches it off. Default 64.
	CacheMB int
	// RateSynthesis, RateQuery and RateManage are each project's requests
	// a second per API family on this process (bursts of twice as many);
	// 0 switches a limit off.
	RateSynthesis, RateQuery, RateManage float64
	// MaxUnfinished is how many jobs a project may have waiting or
	// running; -1 means no limit.
	MaxUnfinished int
	// MaxStreams and MaxStreamsPerProject bound open WebSocket streams.
	MaxStreams, MaxStreamsPerProject int
	// SecretsKeyFile holds the key that encrypts credentials' secret keys
	// in the database; every node needs the same one. Default
	// DATA/secrets.key, created on first start (mode 0600).
	SecretsKeyFile string
	// DebugAddr, when set, serves Go's profiler (net/http/pprof) there.
	// Keep it on loopback. Default off.
	DebugAddr string
}

// Main is a running `ttsc serve`: the real wiring, usable from tests on
// 127.0.0.1:0 with a temporary data directory.
type Main struct {
	Config ServeConfig
	// Stdout receives the startup banner and first credentials.
	Stdout io.Writer
	// Stderr receives logs.
	Stderr io.Writer
	// EngineCommand starts one engine host. Default: this executable
	// with the engine-host command.
	EngineCommand func() *exec.Cmd
	// Now is the clock of URL signing and authentication. Default time.Now.
	Now func() time.Time

	// URL is the base URL the server listens on, set by Run.
	URL string

	logger  *slog.Logger
	db      store
	jobs    ttsc.JobStore // db's jobs, behind the job cache
	reuse   *reuse.Index  // where previews read before are stored
	metrics *metrics.Metrics
	engine  ttsc.Engine // the pool, behind the result cache
	pool    *pool.Pool
	cache   *cache.Engine // nil when switched off
	api     *httpapi.Server
	http    *http.Server
	done    chan error
}

// DefaultServeConfig returns the defaults of `ttsc serve`.
func DefaultServeConfig() ServeConfig {
	return ServeConfig{
		Addr:                 "127.0.0.1:8080",
		Data:                 "./data",
		EngineWorkers:        runtime.NumCPU(),
		SegmentTimeout:       30 * time.Second,
		EngineMemoryMB:       512,
		URLExpiry:            time.Hour,
		ShutdownTimeout:      30 * time.Second,
		CallbackTimeout:      10 * time.Second,
		Retention:            72 * time.Hour,
		CacheMB:              64,
		RateSynthesis:        20,
		RateQuery:            200,
		RateManage:           20,
		MaxUnfinished:        1000,
		MaxStreams:           256,
		MaxStreamsPerProject: 16,
		JobTimeout:           5 * time.Minute,
		LogFormat:            "json",
		Role:                 RoleAll,
	}
}

// Roles of `ttsc serve`.
const (
	RoleAll    = "all"
	RoleAPI    = "api"
	RoleWorker = "worker"
)

// ParseFlags reads the command line and TTSC_* variables into m.Config.
func (m *Main) ParseFlags(args []string, stderr io.Writer) error {
	c := DefaultServeConfig()
	fs := newFlagSet("serve", "Runs the API server and the synthesis workers on the embedded database.", stderr)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address")
	fs.StringVar(&c.Data, "data", c.Data, "data directory: database, audio files, URL signing key")
	fs.StringVar(&c.PublicURL, "public-url", "", "base URL of download links (default http://ADDR)")
	fs.IntVar(&c.EngineWorkers, "engine-workers", c.EngineWorkers, "engine host processes (default: number of CPUs)")
	fs.IntVar(&c.EngineMemoryMB, "engine-memory-mb", c.EngineMemoryMB, "memory (MiB of heap) each engine host may use before it is ended and replaced")
	fs.DurationVar(&c.SegmentTimeout, "segment-timeout", c.SegmentTimeout, "longest synthesis of one segment before its engine host is replaced")
	fs.DurationVar(&c.URLExpiry, "url-expiry", c.URLExpiry, "validity of download URLs")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long SIGTERM waits for running jobs and for streams to finish their current text")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: json or text")
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "least important log level: debug, info, warn or error")
	fs.StringVar(&c.Database, "database", "", databaseHelp)
	fs.StringVar(&c.Blob, "blob", "", blobHelp)
	fs.StringVar(&c.Role, "role", c.Role, "all: API and workers; api: the HTTP API only; worker: synthesis only (serves /healthz)")
	fs.StringVar(&c.SigningKeyFile, "signing-key-file", "", "key file of download URL and callback signatures, the same on every node (default DATA/url-signing.key, created if missing)")
	fs.StringVar(&c.SecretsKeyFile, "secrets-key-file", "", secretsKeyHelp)
	fs.StringVar(&c.CallbackAllow, "callback-allow", "", "comma-separated private hosts, addresses or CIDR ranges callbacks may reach (public hosts always may)")
	fs.StringVar(&c.ExternalURLAllow, "external-url-allow", "", "comma-separated hosts (*.example.com, addresses, CIDR ranges) finished files may be uploaded to; empty refuses uploads")
	fs.DurationVar(&c.CallbackTimeout, "callback-timeout", c.CallbackTimeout, "longest callback or upload request")
	fs.DurationVar(&c.Retention, "retention", c.Retention, "how long jobs and their files are kept; 0 keeps them for ever")
	fs.DurationVar(&c.JobTimeout, "job-timeout", c.JobTimeout, "longest attempt of one queued job, and longest streamed job (one WebSocket START)")
	fs.DurationVar(&c.RescueAfter, "rescue-after", 0, "when a job left running by a process that died is run again (default job-timeout + 1m)")
	fs.IntVar(&c.CacheMB, "cache-mb", c.CacheMB, "MiB of synthesized audio each process keeps, in files under DATA/cache, to answer identical requests without the engine; 0 switches the cache off")
	fs.Float64Var(&c.RateSynthesis, "rate-synthesis", c.RateSynthesis, "requests a second each project may create previews and async jobs with (bursts of twice as many); 0: no limit")
	fs.Float64Var(&c.RateQuery, "rate-query", c.RateQuery, "requests a second each project may read job status and records with; 0: no limit")
	fs.Float64Var(&c.RateManage, "rate-manage", c.RateManage, "requests a second each project may change dictionaries and settings with; 0: no limit")
	fs.IntVar(&c.MaxUnfinished, "max-unfinished", c.MaxUnfinished, "jobs a project may have waiting or running; -1: no limit")
	fs.IntVar(&c.MaxStreams, "max-streams", c.MaxStreams, "WebSocket streams this process serves at once")
	fs.IntVar(&c.MaxStreamsPerProject, "max-streams-per-project", c.MaxStreamsPerProject, "WebSocket streams one project may hold at once")
	fs.StringVar(&c.DebugAddr, "debug-addr", "", "serve Go's profiler (/debug/pprof/) on this address; keep it on loopback")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.EngineMemoryMB < 64 {
		return fmt.Errorf("--engine-memory-mb must be at least 64, got %d", c.EngineMemoryMB)
	}
	if c.EngineWorkers < 1 {
		return fmt.Errorf("--engine-workers must be at least 1, got %d", c.EngineWorkers)
	}
	for _, l := range []struct{ flag, list string }{{"--callback-allow", c.CallbackAllow}, {"--external-url-allow", c.ExternalURLAllow}} {
		if _, err := netguard.Parse(l.list, false); err != nil {
			return fmt.Errorf("%s: %v", l.flag, err)
		}
	}
	if c.RateSynthesis < 0 || c.RateQuery < 0 || c.RateManage < 0 || c.MaxStreams < 1 || c.MaxStreamsPerProject < 1 {
		return fmt.Errorf("rates must not be negative and stream limits must be at least 1")
	}
	if c.Retention < 0 || c.JobTimeout <= 0 || c.RescueAfter < 0 || c.CacheMB < 0 {
		return fmt.Errorf("--retention, --rescue-after and --cache-mb must not be negative and --job-timeout must be positive")
	}
	if c.Role != RoleAll && c.Role != RoleAPI && c.Role != RoleWorker {
		return fmt.Errorf("--role must be all, api or worker, got %q", c.Role)
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("--log-format must be json or text, got %q", c.LogFormat)
	}
	m.Config = c
	return nil
}

// Run opens the data directory, starts the engine hosts, the workers and
// the HTTP server, and returns once the server accepts connections.
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	if m.Stdout == nil {
		m.Stdout = io.Discard
	}
	if m.Stderr == nil {
		m.Stderr = os.Stderr
	}
	if m.Now == nil {
		m.Now = time.Now
	}
	if m.EngineCommand == nil {
		if m.EngineCommand, err = engineHostCommand(); err != nil {
			return err
		}
	}
	c := m.Config
	m.logger = newLogger(m.Stderr, c.LogFormat, c.LogLevel)

	serveAPI, work := c.Role != RoleWorker, c.Role != RoleAPI
	if err := os.MkdirAll(c.Data, 0o750); err != nil {
		return err
	}
	keyFile := cmp.Or(c.SigningKeyFile, filepath.Join(c.Data, "url-signing.key"))
	// The URL signing key: 16 bytes at least, created on first start.
	key, err := auth.LoadKey(keyFile, 16)
	if err != nil {
		return err
	}
	blobs, err := openBlobs(ctx, c.Blob, c.Data)
	if err != nil {
		return err
	}
	// API processes run engine hosts too: streams, OpenAI speech and
	// ShowTtsPhoneticSymbol are answered where they arrive.
	engineCommand := func() *exec.Cmd {
		cmd := m.EngineCommand()
		if cmd.Env == nil {
			cmd.Env = os.Environ()
		}
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", engineMemoryEnv, cmp.Or(c.EngineMemoryMB, 512)))
		return cmd
	}
	m.pool, err = pool.New(pool.Config{
		Workers:        c.EngineWorkers,
		Command:        engineCommand,
		SegmentTimeout: c.SegmentTimeout,
		Logger:         m.logger,
	})
	if err != nil {
		return err
	}
	catalog := voices.Catalog()
	// The workers need the store and the store's queue needs the workers
	// bundle; River takes workers until it starts.
	var workers *river.Workers
	var periodic []*river.PeriodicJob
	if work {
		workers = river.NewWorkers()
		periodic = append(periodic, sweep(ttsc.OrphanArgs{}, cmp.Or(c.orphansEvery, time.Minute)))
		if c.Retention > 0 {
			periodic = append(periodic, sweep(ttsc.RetentionArgs{}, cmp.Or(c.retentionEvery, 10*time.Minute)))
		}
	}
	// A lone SQLite process is the only writer of its jobs: it holds the
	// database file alone, and may then cache jobs in any state.
	sole := !strings.Contains(c.Database, "://") && c.Role == RoleAll
	lock := sqlitestore.LockShared
	if sole {
		lock = sqlitestore.LockExclusive
	}
	m.db, err = openStore(ctx, c.Database, c.Data, c.SecretsKeyFile, storeOptions{Lock: lock, QueueConfig: sqlstore.QueueConfig{
		Workers:     workers,
		MaxWorkers:  c.EngineWorkers * 4,
		Periodic:    periodic,
		JobTimeout:  c.JobTimeout,
		RescueAfter: c.RescueAfter,
		Now:         m.Now,
		// River reports routine progress at info level; keep warnings.
		Logger: newLogger(m.Stderr, c.LogFormat, slog.LevelWarn),
	}})
	if err != nil {
		return err
	}
	// Status polls read jobs from memory.
	jobs := jobcache.New(m.db, jobcache.Config{SoleWriter: sole, Entries: 1024, Now: m.Now})
	m.jobs = jobs
	if sole {
		// It also serves every stream of its database: a streamed job
		// unfinished before it serves was cut by the previous process.
		o, err := m.orphans()
		if err == nil {
			err = o.FailStreams(ctx, m.Now())
		}
		if err != nil {
			return err
		}
	}
	if serveAPI && !strings.Contains(c.Database, "://") {
		// One embedded database: the first start makes the first project.
		// A shared database gets its credentials from `ttsc credentials`.
		if err := m.firstCredentials(ctx); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	m.URL = "http://" + ln.Addr().String()
	public := c.PublicURL
	if public == "" {
		public = m.URL
	}
	callbacks, _ := netguard.Parse(c.CallbackAllow, false)
	uploads, _ := netguard.Parse(c.ExternalURLAllow, true)
	m.metrics = metrics.New()
	m.metrics.CacheFill("jobs", jobs.Fill)
	m.metrics.EngineRestarts(m.pool.Restarts)
	m.engine = m.pool
	if c.CacheMB > 0 {
		m.cache, err = cache.Open(m.pool, filepath.Join(c.Data, "cache"), int64(c.CacheMB)<<20, m.metrics)
		if err != nil {
			return err
		}
		m.engine = m.cache
		m.metrics.CacheFill("results", m.cache.Fill)
	}
	m.metrics.QueueDepth(m.db.QueueDepth, m.logger)
	if serveAPI && work && c.CacheMB > 0 {
		// Previews read before are answered with their stored files. An
		// entry lives far shorter than the retention period, so a reused
		// file is never one retention is about to delete.
		ttl := time.Hour
		if c.Retention > 0 {
			ttl = min(ttl, c.Retention/4)
		}
		m.reuse = reuse.New(4096, ttl)
		m.metrics.CacheFill("previews", m.reuse.Fill)
	}
	// A lone process reads a new preview's first segment while it is
	// queued; its worker joins that read through the result cache.
	var engineIdle func() bool
	if serveAPI && work && m.cache != nil {
		engineIdle = m.pool.Idle
	}
	rateOf := func(perSecond float64) httpapi.Rate {
		return httpapi.Rate{PerSecond: perSecond, Burst: int(2*perSecond) + 1}
	}
	api, err := httpapi.New(httpapi.Config{
		Limits: httpapi.Limits{
			Rates: map[httpapi.Family]httpapi.Rate{
				httpapi.FamilySynthesis: rateOf(c.RateSynthesis),
				httpapi.FamilyQuery:     rateOf(c.RateQuery),
				httpapi.FamilyManage:    rateOf(c.RateManage),
			},
			MaxUnfinished:        c.MaxUnfinished,
			MaxStreams:           c.MaxStreams,
			MaxStreamsPerProject: c.MaxStreamsPerProject,
		},
		Metrics:     m.metrics,
		Reuse:       m.reuse,
		EngineIdle:  engineIdle,
		Engine:      m.engine,
		Jobs:        m.jobs,
		Credentials: m.db,
		Vocabulary:  m.db,
		Blobs:       blobs,
		Voices:      catalog,
		PublicURL:   public,
		SigningKey:  key,
		URLExpiry:   c.URLExpiry,
		// A stream's job is bounded as a queued job's attempt is.
		StreamTimeout: c.JobTimeout,
		Live:          m.db.Ping,
		Ready: func(ctx context.Context) error {
			if err := m.db.Ping(ctx); err != nil {
				return err
			}
			return m.pool.Ready()
		},
		PhoneticSymbols: m.phoneticSymbols,
		Callbacks:       callbacks,
		ExternalURLs:    uploads,
		Now:             m.Now,
		Logger:          m.logger,
	})
	if err != nil {
		ln.Close()
		return err
	}
	if work {
		if err := m.addWorkers(workers, api, blobs, key, callbacks, uploads); err != nil {
			ln.Close()
			return err
		}
	}
	if err := m.db.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	m.api = api
	var served http.Handler = api
	if !serveAPI {
		served = api.HealthOnly()
	}
	// /metrics on the same address as the API: keep it from the public
	// at the load balancer (docs/deploy.md). Everything else goes to the
	// API as it came: a ServeMux in front would redirect paths that are
	// not clean instead of answering them.
	metrics := m.metrics.Handler()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			metrics.ServeHTTP(w, r)
			return
		}
		served.ServeHTTP(w, r)
	})
	m.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.logger.Handler(), slog.LevelWarn),
	}
	m.done = make(chan error, 1)
	go func() { m.done <- m.http.Serve(ln) }()
	if c.DebugAddr != "" {
		go func() {
			mux := http.NewServeMux()
			mux.HandleFunc("/debug/pprof/", pprof.Index)
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
			m.logger.Warn("profiler stopped", "err", http.ListenAndServe(c.DebugAddr, mux))
		}()
	}
	fmt.Fprintf(m.Stdout, "ttsc serving on %s (role %s, data in %s, %d engine hosts)\n", m.URL, c.Role, c.Data, c.EngineWorkers)
	m.logger.Info("serving", "url", m.URL, "role", c.Role, "public_url", public, "data", c.Data,
		"database", redactURL(cmp.Or(c.Database, "sqlite")), "blob", redactURL(cmp.Or(c.Blob, "file")), "engine_hosts", c.EngineWorkers)
	return nil
}

// addWorkers registers the synthesis and callback workers.
func (m *Main) addWorkers(workers *river.Workers, api *httpapi.Server, blobs ttsc.BlobStore, key []byte, callbacks, uploads *netguard.Policy) error {
	c := m.Config
	w, err := worker.New(worker.Config{
		Metrics:     m.metrics,
		Reuse:       m.reuse,
		Uploads:     uploads.Client(c.CallbackTimeout),
		Jobs:        m.jobs,
		Vocabulary:  m.db,
		Blobs:       blobs,
		Engine:      m.engine,
		Voices:      voices.Lookup,
		FailureCode: httpapi.FailureCode,
		Logger:      m.logger,
	})
	if err != nil {
		return err
	}
	river.AddWorker(workers, w)
	ow, err := m.orphans()
	if err != nil {
		return err
	}
	river.AddWorker(workers, ow)
	cw, err := callback.New(callback.Config{
		Jobs:        m.jobs,
		DownloadURL: api.DownloadURL,
		Key:         func(project string) string { return auth.CallbackKey(key, project) },
		Client:      callbacks.Client(c.CallbackTimeout),
		RetryBase:   c.callbackRetryBase,
		Now:         m.Now,
		Logger:      m.logger,
	})
	if err != nil {
		return err
	}
	river.AddWorker(workers, cw)
	if c.Retention > 0 {
		rw, err := retention.New(retention.Config{Jobs: m.jobs, Blobs: blobs, Keep: c.Retention, Now: m.Now, Logger: m.logger})
		if err != nil {
			return err
		}
		river.AddWorker(workers, rw)
	}
	return nil
}

// orphans returns the sweep of jobs nothing will run again; it knows
// how long a live stream's job may last.
func (m *Main) orphans() (*worker.Orphans, error) {
	return worker.NewOrphans(worker.OrphansConfig{Jobs: m.jobs, FailureCode: httpapi.FailureCode,
		StreamTimeout: m.Config.JobTimeout, Now: m.Now, Logger: m.logger})
}

// Close stops accepting requests, lets running jobs finish within the
// shutdown timeout (the rest go back to the queue), and releases
// everything. It is safe to call more than once.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	var errs []error
	if m.http != nil {
		errs = append(errs, m.http.Shutdown(ctx))
		if err := <-m.done; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		m.http = nil
	}
	if m.api != nil {
		// Streams outlive the HTTP server's Shutdown: each finishes the
		// text it is reading, within the same timeout. A stream cut
		// short leaves a job that the next start or the orphan sweep
		// ends.
		if err := m.api.DrainStreams(ctx); err != nil {
			m.logger.Warn("streams still open at the shutdown timeout are cut", "err", err)
		}
		m.api = nil
	}
	if m.db != nil {
		errs = append(errs, m.db.Stop(ctx))
	}
	if m.pool != nil {
		errs = append(errs, m.pool.Close())
		m.pool = nil
	}
	if m.cache != nil {
		errs = append(errs, m.cache.Close())
		m.cache = nil
	}
	if m.db != nil {
		errs = append(errs, m.db.Close())
		m.db = nil
	}
	return errors.Join(errs...)
}

// phoneticSymbols asks the engine how American and British English read
// word, in IPA, without repeats.
func (m *Main) phoneticSymbols(ctx context.Context, word string) ([]string, error) {
	var out []string
	for _, voice := range []string{"en-us", "en"} { // American, British
		ipa, err := m.pool.Phonemes(ctx, voices.EngineEspeak, voice, word)
		if err != nil {
			return nil, err
		}
		if ipa = strings.TrimSpace(ipa); ipa != "" && !slices.Contains(out, ipa) {
			out = append(out, ipa)
		}
	}
	return out, nil
}

// firstCredentials creates a project and an access key pair when the data
// directory has none, and prints them once.
func (m *Main) firstCredentials(ctx context.Context) error {
	existing, err := m.db.ListCredentials(ctx, "")
	if err != nil || len(existing) > 0 {
		return err
	}
	c, err := newCredential(ctx, m.db, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, `First start: created a project and an access key pair. The secret key is shown only now.
  project_id: %s
  access_key: %s
  secret_key: %s
`, c.ProjectID, c.AccessKey, c.SecretKey)
	return nil
}

// newCredential creates an access key pair for project, or for a new
// project when project is empty.
func newCredential(ctx context.Context, store ttsc.CredentialStore, project string) (*ttsc.Credential, error) {
	var err error
	if project == "" {
		if project, err = auth.NewProjectID(); err != nil {
			return nil, err
		}
	}
	ak, err := auth.NewAccessKey()
	if err != nil {
		return nil, err
	}
	sk, err := auth.NewSecretKey()
	if err != nil {
		return nil, err
	}
	c := &ttsc.Credential{AccessKey: ak, SecretKey: sk, ProjectID: project}
	if err := store.CreateCredential(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// runServe is `ttsc serve`: it runs until SIGINT or SIGTERM.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	m := &Main{Stdout: stdout, Stderr: stderr}
	if err := m.ParseFlags(args, stderr); err != nil {
		return err
	}
	if err := m.Run(ctx); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		m.logger.Info("shutting down", "timeout", m.Config.ShutdownTimeout.String())
	case err := <-m.done:
		m.done <- err
	}
	return m.Close()
}

// sweep is the periodic job that queues a sweep with args every interval
// and once when the queue starts; with several processes, only the
// queue's leader schedules it. One sweep at a time: a sweep still queued
// makes another pointless.
func sweep(args river.JobArgs, interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			return args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
				rivertype.JobStateRetryable, rivertype.JobStateScheduled,
			}}}
		},
		&river.PeriodicJobOpts{RunOnStart: true})
}
