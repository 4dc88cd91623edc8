// Package httpapi serves ttsc's REST API: MetaStudio's TTS operations under
// /v1/{project_id}/, the voice assets clients pick from, and the signed
// download URLs of job files.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/console"
	"github.com/openttsc/ttsc/internal/metrics"
	"github.com/openttsc/ttsc/internal/netguard"
	"github.com/openttsc/ttsc/internal/reuse"
)

// Config configures a Server. Jobs, Credentials, Blobs and SigningKey are
// required.
type Config struct {
	Jobs        ttsc.JobStore
	Credentials ttsc.CredentialStore
	Vocabulary  ttsc.VocabularyStore
	Blobs       ttsc.BlobStore
	// Voices is the catalogue of voices clients may use.
	Voices []ttsc.Voice
	// PublicURL is the base of download URLs, such as
	// "https://tts.example.com"; it must reach this server.
	PublicURL string
	// SigningKey signs download URLs. Every API node must have the same key.
	SigningKey []byte
	// URLExpiry is how long a download URL stays valid. Default 1 hour.
	URLExpiry time.Duration
	// MaxBodyBytes bounds request bodies. Default 256 KiB.
	MaxBodyBytes int64
	// MaxSkew is how far X-Sdk-Date may be from the server's clock.
	// Default 15 minutes.
	MaxSkew time.Duration
	// PhoneticSymbols returns candidate IPA readings of an English word;
	// nil makes ShowTtsPhoneticSymbol answer 503.
	PhoneticSymbols func(ctx context.Context, word string) ([]string, error)
	// Callbacks decides where job-end callbacks may go; nil refuses
	// callback_config.
	Callbacks *netguard.Policy
	// ExternalURLs decides where finished files may be uploaded; nil
	// refuses the *_output_external_url fields.
	ExternalURLs *netguard.Policy
	// Engine reads text for the synchronous OpenAI-compatible endpoint;
	// nil makes it answer 503.
	Engine ttsc.Engine
	// Reuse finds the stored audio of preview segments read before, so
	// an identical preview is answered without queueing; nil queues
	// every preview.
	Reuse *reuse.Index
	// EngineIdle, when set, reports whether an engine host is free: a
	// new preview then has Engine start reading its first segment at
	// once, while it is recorded and queued, so that the worker that
	// takes it finds the segment read or being read. Set it only when
	// Engine is the workers' engine behind a result cache (a lone
	// process with --role all), which joins identical reads.
	EngineIdle func() bool
	// Limits are the per-project rate and quota limits.
	Limits Limits
	// StreamTimeout bounds a streamed job, one START from its record to
	// its end: past it the job ends FAILED. The orphan sweep relies on
	// it to tell the jobs of a dead process from live ones. Default 5
	// minutes.
	StreamTimeout time.Duration
	// Metrics records request counts and latencies; nil records nothing.
	Metrics *metrics.Metrics
	// Live reports whether the server's database answers (/healthz);
	// Ready whether it can do its work, database and engines (/readyz).
	// Nil means always.
	Live, Ready func(context.Context) error
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Logger receives request logs. Default slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	c.Limits = c.Limits.withDefaults()
	if c.URLExpiry == 0 {
		c.URLExpiry = time.Hour
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 256 << 10
	}
	if c.MaxSkew == 0 {
		c.MaxSkew = 15 * time.Minute
	}
	if c.StreamTimeout <= 0 {
		c.StreamTimeout = 5 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return c
}

func (c Config) validate() error {
	switch {
	case c.Jobs == nil:
		return errors.New("httpapi: Config.Jobs is required")
	case c.Credentials == nil:
		return errors.New("httpapi: Config.Credentials is required")
	case c.Blobs == nil:
		return errors.New("httpapi: Config.Blobs is required")
	case c.Vocabulary == nil:
		return errors.New("httpapi: Config.Vocabulary is required")
	case len(c.SigningKey) < 16:
		return errors.New("httpapi: Config.SigningKey must be at least 16 bytes")
	case c.PublicURL == "":
		return errors.New("httpapi: Config.PublicURL is required")
	}
	return nil
}

// Server is the HTTP API. It is an http.Handler.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	verifier *auth.Verifier
	limiter  *limiter
	streams  *streams
	voices   map[string]ttsc.Voice
	paths    map[string][]string // path pattern → methods, for 405 answers
	unknown  http.Handler        // the answer where there is no API
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		mux:     http.NewServeMux(),
		limiter: newLimiter(cfg.Limits.Rates),
		streams: &streams{max: cfg.Limits.MaxStreams, perProject: cfg.Limits.MaxStreamsPerProject, by: map[string]int{},
			draining: make(chan struct{}), idle: make(chan struct{})},
		// A deleted access key stops working within 5 seconds.
		verifier: &auth.Verifier{Credentials: &auth.CachedCredentials{Lookup: cfg.Credentials, TTL: 5 * time.Second, Now: cfg.Now},
			Now: cfg.Now, MaxSkew: cfg.MaxSkew},
		voices: make(map[string]ttsc.Voice, len(cfg.Voices)),
		paths:  map[string][]string{},
	}
	for _, v := range cfg.Voices {
		s.voices[v.ID] = v
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.handle("GET", "/healthz", s.handleHealth, false)
	s.handle("GET", "/readyz", s.handleReady, false)

	s.handle("POST", "/v1/{project_id}/ttsc/audition", s.handleCreateAudition, true)
	s.handle("GET", "/v1/{project_id}/ttsc/audition-file/{job_id}", s.handleShowAuditionFile, true)
	s.handle("POST", "/v1/{project_id}/ttsc/async-jobs", s.handleCreateAsyncJob, true)
	s.handle("GET", "/v1/{project_id}/ttsc/async-jobs/{job_id}", s.handleShowAsyncJob, true)
	s.handle("GET", "/v1/{project_id}/ttsc/tts-jobs", s.handleListJobs, true)
	s.handle("POST", "/v1/{project_id}/ttsc/once-code", s.handleCreateOnceCode, true)
	s.handle("GET", "/v1/{project_id}/ttsc/phonetic-symbol", s.handleShowPhoneticSymbol, true)
	s.handle("GET", "/v1/{project_id}/ttsc/callback-key", s.handleShowCallbackKey, true)
	// Streaming over a WebSocket; it authenticates itself (token or once
	// code).
	s.handle("GET", "/v1/{project_id}/ttsc/jobs", s.handleStream, false)
	// OpenAI-compatible speech, with a bearer token and OpenAI's errors.
	s.handle("POST", "/v1/audio/speech", s.handleOpenAISpeech, false)

	s.handle("POST", "/v1/{project_id}/ttsc/vocabulary-configs", s.handleCreateVocabulary, true)
	s.handle("GET", "/v1/{project_id}/ttsc/vocabulary-configs", s.handleListVocabularies, true)
	s.handle("DELETE", "/v1/{project_id}/ttsc/vocabulary-configs", s.handleDeleteVocabularies, true)
	s.handle("PUT", "/v1/{project_id}/ttsc/vocabulary-configs/{vocabulary_id}", s.handleUpdateVocabulary, true)
	s.handle("POST", "/v1/{project_id}/ttsc/vocabulary-groups", s.handleCreateGroup, true)
	s.handle("GET", "/v1/{project_id}/ttsc/vocabulary-groups", s.handleListGroups, true)
	s.handle("PUT", "/v1/{project_id}/ttsc/vocabulary-groups/{group_id}", s.handleRenameGroup, true)
	// MetaStudio's own example renames with POST.
	s.handle("POST", "/v1/{project_id}/ttsc/vocabulary-groups/{group_id}", s.handleRenameGroup, true)
	s.handle("DELETE", "/v1/{project_id}/ttsc/vocabulary-groups/{group_id}", s.handleDeleteGroup, true)
	s.handle("PUT", "/v1/{project_id}/ttsc/group-assets/{group_id}", s.handleSetGroupAssets, true)
	s.handle("PUT", "/v1/{project_id}/ttsc/tenant-configs", s.handleSaveTenantConfig, true)
	s.handle("GET", "/v1/{project_id}/ttsc/tenant-configs", s.handleListTenantConfigs, true)
	s.handle("POST", "/v1/{project_id}/ttsc/check-voice-asset/{voice_asset_id}", s.handleCheckVoiceAsset, true)
	s.handle("GET", "/v1/{project_id}/digital-assets", s.handleListAssets, true)
	s.handle("GET", "/v1/{project_id}/digital-assets/{asset_id}", s.handleShowAsset, true)

	s.handle("GET", filesPrefix+"{key...}", s.handleDownload, false)
	// The web console: its page at / and its files under /console/.
	ui := console.Handler()
	serveUI := func(w http.ResponseWriter, r *http.Request) error { ui.ServeHTTP(w, r); return nil }
	s.handle("GET", "/{$}", serveUI, false)
	s.handle("GET", console.Prefix+"{file...}", serveUI, false)

	// MetaStudio's body for unknown routes and methods, instead of
	// ServeMux's plain text.
	for path, methods := range s.paths {
		allow := strings.Join(append(methods, "HEAD"), ", ")
		s.mux.Handle(path, s.wrap(path, func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Allow", allow)
			return ttsc.Errorf(codeNoMethod, "method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)
		}))
	}
	s.unknown = s.wrap("unknown", func(w http.ResponseWriter, r *http.Request) error {
		return ttsc.Errorf(codeNoRoute, "no API at %s %s", r.Method, r.URL.Path)
	})
	s.mux.Handle("/", s.unknown)
}

// cleanPath reports whether p has no empty, "." or ".." element: the
// paths ServeMux serves rather than redirects to their clean form. A
// path that is not rooted (CONNECT's, "*") is left to ServeMux.
func cleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return true
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// handlerFunc is an HTTP handler that returns its error for one wrapper to
// write.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle registers h for method and path. Handlers under /v1/{project_id}/
// are authenticated when authenticated is set.
func (s *Server) handle(method, path string, h handlerFunc, authenticated bool) {
	if authenticated {
		h = s.authenticate(h)
	}
	s.mux.Handle(method+" "+path, s.wrap(path, h))
	s.paths[path] = append(s.paths[path], method)
}

// wrap turns a handlerFunc into an http.Handler that writes its error.
func (s *Server) wrap(route string, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		if err := h(sw, r); err != nil {
			s.writeError(sw, r, err)
		}
		s.cfg.Metrics.Request(route, r.Method, sw.status, time.Since(start))
	})
}

// statusWriter remembers the status of a response for metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// DrainStreams refuses new WebSocket streams, closes the open ones as
// soon as the text each is reading is read (with StatusGoingAway), and
// waits until none is open or ctx ends. An HTTP server's Shutdown does
// not wait for streams: call this after it.
func (s *Server) DrainStreams(ctx context.Context) error {
	return s.streams.drain(ctx)
}

// ServeHTTP gives every request an ID, echoed in X-Request-Id.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-Id")
	if !validRequestID(id) {
		id = newRequestID()
	}
	w.Header().Set("X-Request-Id", id)
	r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
	if !cleanPath(r.URL.Path) {
		// ServeMux would redirect to the clean path, which a signed
		// request or URL does not cover: there is no API here.
		s.unknown.ServeHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// HealthOnly serves /healthz and /readyz alone, for processes that take
// jobs but serve no API.
func (s *Server) HealthOnly() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		s.ServeHTTP(w, r)
	})
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	return s.probe(w, r, s.cfg.Live)
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	return s.probe(w, r, s.cfg.Ready)
}

// probe answers 200 {"status":"ok"} when check passes, 503 with the
// reason when not.
func (s *Server) probe(w http.ResponseWriter, r *http.Request, check func(context.Context) error) error {
	if check != nil {
		if err := check(r.Context()); err != nil {
			return &ttsc.Error{Code: ttsc.EUNAVAILABLE, Message: "not ready: " + ttsc.ErrorMessage(err), Err: err}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write([]byte("{\"status\":\"ok\"}\n"))
	return err
}

type requestIDKey struct{}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// validRequestID accepts caller-chosen IDs that are safe to echo and log.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c == '-' || c == '_' || c == '.' || c == ':' ||
			'0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewID returns a new 32-character lowercase hex ID for jobs.
func NewID() string { return newRequestID() }
