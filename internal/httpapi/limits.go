package httpapi

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/openttsc/ttsc"
)

// Family is a group of operations that share a rate limit.
type Family string

// The API families, each with its own token bucket per project.
const (
	// FamilySynthesis creates work: previews, async jobs, OpenAI speech.
	FamilySynthesis Family = "synthesis"
	// FamilyQuery reads: job status, job records, voices.
	FamilyQuery Family = "query"
	// FamilyManage changes settings: dictionaries, groups, switches,
	// once codes.
	FamilyManage Family = "manage"
)

// Rate is a token bucket: PerSecond requests a second on average, Burst
// at once. A zero PerSecond means no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Limits are the per-project limits of one API process.
type Limits struct {
	// Rates per family. Defaults: synthesis 50/s (burst 100), query
	// 1,000/s (burst 2,000), manage 50/s (burst 100).
	Rates map[Family]Rate
	// MaxUnfinished is how many jobs a project may have waiting or
	// running; more are refused until some end. Default 1000; negative
	// means no limit.
	MaxUnfinished int
	// MaxStreams is how many WebSocket streams the process serves at
	// once, and MaxStreamsPerProject how many of them one project may
	// hold. Defaults 256 and 16.
	MaxStreams, MaxStreamsPerProject int
}

// DefaultRates are the rates of Limits when not set.
var DefaultRates = map[Family]Rate{
	FamilySynthesis: {50, 100},
	FamilyQuery:     {1000, 2000},
	FamilyManage:    {50, 100},
}

func (l Limits) withDefaults() Limits {
	if l.Rates == nil {
		l.Rates = DefaultRates
	}
	if l.MaxUnfinished == 0 {
		l.MaxUnfinished = 1000
	}
	if l.MaxStreams == 0 {
		l.MaxStreams = 256
	}
	if l.MaxStreamsPerProject == 0 {
		l.MaxStreamsPerProject = 16
	}
	return l
}

// limiter holds the token buckets of the projects seen recently.
type limiter struct {
	rates map[Family]Rate

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// maxBuckets bounds the buckets kept; past it they start over, which at
// worst gives a project a fresh burst.
const maxBuckets = 100_000

func newLimiter(rates map[Family]Rate) *limiter {
	return &limiter{rates: rates, buckets: map[string]*rate.Limiter{}}
}

// allow takes a token for project in family, or returns an ETOOMANY
// error that says when to retry.
func (l *limiter) allow(project string, f Family, now time.Time) error {
	r, ok := l.rates[f]
	if !ok || r.PerSecond <= 0 {
		return nil
	}
	key := string(f) + "/" + project
	l.mu.Lock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.buckets = map[string]*rate.Limiter{}
		}
		b = rate.NewLimiter(rate.Limit(r.PerSecond), max(r.Burst, 1))
		l.buckets[key] = b
	}
	l.mu.Unlock()
	res := b.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return &retryError{after: d, err: ttsc.Errorf(ttsc.ETOOMANY,
			"the throttling threshold has been reached: project %s may make %g %s requests a second (burst %d); retry in %s",
			project, r.PerSecond, f, r.Burst, d.Round(time.Millisecond))}
	}
	return nil
}

// retryError is an error after which the client may retry.
type retryError struct {
	after time.Duration
	err   error
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// setRetryAfter sets Retry-After (whole seconds, at least 1) for errors
// that say when to retry.
func setRetryAfter(w http.ResponseWriter, err error) {
	var re *retryError
	if errors.As(err, &re) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(re.after.Seconds(), 1)))))
	}
}

// streams counts open WebSocket streams, in all and per project.
type streams struct {
	max, perProject int

	mu       sync.Mutex
	total    int
	by       map[string]int
	draining chan struct{} // closed by drain
	idle     chan struct{} // closed when draining and total reaches 0
}

// drain has every stream close once its current text is read, and
// waits until none is open or ctx ends.
func (s *streams) drain(ctx context.Context) error {
	s.mu.Lock()
	select {
	case <-s.draining:
	default:
		close(s.draining)
		if s.total == 0 {
			close(s.idle)
		}
	}
	s.mu.Unlock()
	select {
	case <-s.idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isDraining says whether drain has begun; s.mu is held.
func (s *streams) isDraining() bool {
	select {
	case <-s.draining:
		return true
	default:
		return false
	}
}

// acquire takes a stream slot for project, or returns ETOOMANY (or
// EUNAVAILABLE once draining).
func (s *streams) acquire(project string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.isDraining():
		return nil, &retryError{time.Second, ttsc.Errorf(ttsc.EUNAVAILABLE, "this server is shutting down; connect again")}
	case s.total >= s.max:
		return nil, &retryError{time.Second, ttsc.Errorf(ttsc.ETOOMANY, "this server holds its limit of %d streams; retry later", s.max)}
	case s.by[project] >= s.perProject:
		return nil, &retryError{time.Second, ttsc.Errorf(ttsc.ETOOMANY, "project %s holds its limit of %d streams", project, s.perProject)}
	}
	s.total++
	s.by[project]++
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.total--
		if s.by[project]--; s.by[project] <= 0 {
			delete(s.by, project)
		}
		if s.isDraining() && s.total == 0 {
			close(s.idle)
		}
	}, nil
}

// checkUnfinished refuses a new job when the project has too many
// waiting or running.
func (s *Server) checkUnfinished(r *http.Request, project string) error {
	max := s.cfg.Limits.MaxUnfinished
	if max < 0 {
		return nil
	}
	n, err := s.cfg.Jobs.Unfinished(r.Context(), project)
	if err != nil {
		return err
	}
	if n >= max {
		return &retryError{5 * time.Second, ttsc.Errorf(ttsc.ETOOMANY,
			"project %s has %d jobs waiting or running; the limit is %d, so wait for some to end", project, n, max)}
	}
	return nil
}

// family returns the rate-limit family of a request, from its method and
// route: creating previews and async jobs is synthesis, every GET a
// query, the rest management.
func family(r *http.Request) Family {
	switch {
	case r.Method == http.MethodPost && (strings.HasSuffix(r.Pattern, "/ttsc/audition") || strings.HasSuffix(r.Pattern, "/ttsc/async-jobs")):
		return FamilySynthesis
	case r.Method == http.MethodGet:
		return FamilyQuery
	}
	return FamilyManage
}
