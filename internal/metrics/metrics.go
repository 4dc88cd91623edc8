// Package metrics holds ttsc's Prometheus metrics and serves them at
// /metrics: HTTP requests by route and status with their latency, queue
// depth by state, job wait and run times, the engines' real-time factor
// and engine host restarts.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are one process's metrics. The zero value is not usable; a nil
// *Metrics records nothing, so components work without it.
type Metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	jobWait    *prometheus.HistogramVec
	jobRun     *prometheus.HistogramVec
	engineRTF  *prometheus.HistogramVec
	jobsEnded  *prometheus.CounterVec
	segmentErr *prometheus.CounterVec
	cache      *prometheus.CounterVec
}

// New registers ttsc's metrics and Go's runtime and process metrics.
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		registry: r,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ttsc_http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ttsc_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		jobWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ttsc_job_wait_seconds", Help: "Time from a job's creation to the start of its synthesis, by job type.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14),
		}, []string{"type"}),
		jobRun: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ttsc_job_duration_seconds", Help: "Time from a job's creation to its end, by job type and final state.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 14),
		}, []string{"type", "state"}),
		engineRTF: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ttsc_engine_real_time_factor", Help: "Synthesis time over audio duration per segment, by engine (below 1 is faster than real time).",
			Buckets: []float64{.001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2},
		}, []string{"engine"}),
		jobsEnded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ttsc_jobs_ended_total", Help: "Jobs that ended, by type and state.",
		}, []string{"type", "state"}),
		segmentErr: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ttsc_engine_errors_total", Help: "Segments an engine failed to read, by engine and error code.",
		}, []string{"engine", "code"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ttsc_cache_requests_total", Help: "Segments looked up in the result cache, by result (hit or miss).",
		}, []string{"result"}),
	}
	r.MustRegister(m.requests, m.latency, m.jobWait, m.jobRun, m.engineRTF, m.jobsEnded, m.segmentErr, m.cache)
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Request records an answered HTTP request.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// JobStarted records how long a job waited in the queue.
func (m *Metrics) JobStarted(jobType string, wait time.Duration) {
	if m == nil {
		return
	}
	m.jobWait.WithLabelValues(jobType).Observe(wait.Seconds())
}

// JobEnded records a job's end and its time since creation.
func (m *Metrics) JobEnded(jobType, state string, sinceCreated time.Duration) {
	if m == nil {
		return
	}
	m.jobsEnded.WithLabelValues(jobType, state).Inc()
	m.jobRun.WithLabelValues(jobType, state).Observe(sinceCreated.Seconds())
}

// Segment records one segment an engine read: its synthesis time against
// the audio's duration.
func (m *Metrics) Segment(engine string, took, audio time.Duration) {
	if m == nil || audio <= 0 {
		return
	}
	m.engineRTF.WithLabelValues(engine).Observe(took.Seconds() / audio.Seconds())
}

// SegmentFailed records a segment an engine could not read.
func (m *Metrics) SegmentFailed(engine, code string) {
	if m == nil {
		return
	}
	m.segmentErr.WithLabelValues(engine, code).Inc()
}

// CacheHit records a segment served from the result cache.
func (m *Metrics) CacheHit() {
	if m != nil {
		m.cache.WithLabelValues("hit").Inc()
	}
}

// CacheMiss records a segment the result cache did not hold.
func (m *Metrics) CacheMiss() {
	if m != nil {
		m.cache.WithLabelValues("miss").Inc()
	}
}

// CacheFill exports the share of the bound of the cache called name in
// use, from 0 to 1, read from fill when scraped.
func (m *Metrics) CacheFill(name string, fill func() float64) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ttsc_cache_fill_ratio", Help: "Share of each in-memory or on-disk cache's bound in use (results: bytes of audio; previews, jobs: entries).",
		ConstLabels: prometheus.Labels{"cache": name},
	}, fill))
}

// EngineRestarts exports the count of engine hosts replaced after a crash
// or a timeout, read from restarts when scraped.
func (m *Metrics) EngineRestarts(restarts func() int64) {
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "ttsc_engine_host_restarts_total", Help: "Engine host processes replaced after a crash or a timeout.",
	}, func() float64 { return float64(restarts()) }))
}

// QueueDepth exports the number of queue jobs in each state, read from
// depth when scraped.
func (m *Metrics) QueueDepth(depth func(ctx context.Context) (map[string]map[string]int, error), log *slog.Logger) {
	m.registry.MustRegister(&queueCollector{depth: depth, log: log, desc: prometheus.NewDesc(
		"ttsc_queue_jobs", "Queue jobs by kind and state (River's job table).", []string{"kind", "state"}, nil)})
}

type queueCollector struct {
	depth func(ctx context.Context) (map[string]map[string]int, error)
	log   *slog.Logger
	desc  *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.depth(ctx)
	if err != nil {
		c.log.Warn("metrics: reading the queue depth failed", "err", err)
		return
	}
	for kind, states := range counts {
		for state, n := range states {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), kind, state)
		}
	}
}
