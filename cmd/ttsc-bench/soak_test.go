package main

import (
	"maps"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseFlagDefaults(t *testing.T) {
	help := `Usage: ttsc serve

Flags (each also read from TTSC_<NAME>):
  -addr string
    	listen address (default "127.0.0.1:8080")
  -max-unfinished int
    	jobs a project may have waiting or running; -1: no limit (default 1000)
  -public-url string
    	base URL of download links (default http://ADDR)
  -rate-synthesis float
    	requests a second each project may create previews and async jobs with (bursts of twice as many); 0: no limit (default 20)
`
	got := parseFlagDefaults(help)
	for name, want := range map[string]string{"addr": "127.0.0.1:8080", "max-unfinished": "1000", "rate-synthesis": "20", "public-url": "http://ADDR"} {
		if got[name] != want {
			t.Errorf("default of %s = %q, want %q", name, got[name], want)
		}
	}
}

func TestPlanMixStaysUnderTheRateLimit(t *testing.T) {
	for _, capacity := range []float64{5, 50, 100, 1000} {
		m := planMix(capacity, 20)
		if m.projects < minProjects {
			t.Errorf("capacity %g: %d projects", capacity, m.projects)
		}
		if per := m.synthesis() / float64(m.projects); per > limitShare*20+1e-9 {
			t.Errorf("capacity %g: %.1f synthesis requests/s per project, limit 20", capacity, per)
		}
		if load := m.previews + m.async*asyncCost + m.streams*startsPerStream*streamCost; load > soakLoad*capacity*1.0001 {
			t.Errorf("capacity %g: load %.1f previews/s", capacity, load)
		}
	}
	if m := planMix(100, 0); m.projects != minProjects {
		t.Errorf("no rate limit: %d projects", m.projects)
	}
}

func TestRandomText(t *testing.T) {
	words := soakWords("The old lighthouse, in 1923, stood at the edge of the cliff.")
	if strings.Join(words, " ") != "the old lighthouse in stood at the edge of the cliff" {
		t.Fatalf("words: %q", words)
	}
	seen := map[string]bool{}
	for i := range 100 {
		s := randomText(rand.New(rand.NewPCG(uint64(i), 1)), words, previewChars)
		if len(s) > previewChars || len(s) < previewChars-20 || !strings.HasSuffix(s, ".") || seen[s] {
			t.Fatalf("text %q (%d bytes)", s, len(s))
		}
		seen[s] = true
	}
}

func TestRSSDrift(t *testing.T) {
	var s []memSample
	for i, mb := range []int64{100, 150, 200, 200, 202, 198, 201, 205, 210, 209} {
		s = append(s, memSample{at: time.Duration(i) * time.Second, bytes: mb << 20})
	}
	start, end, drift, err := rssDrift(s, 2*time.Second)
	if err != nil || start != 200<<20 || end != 209<<20 || drift < 4.49 || drift > 4.51 {
		t.Errorf("rssDrift = %d, %d, %.2f, %v", start>>20, end>>20, drift, err)
	}
	if _, _, _, err := rssDrift(s, 6*time.Second); err == nil {
		t.Error("4 samples after the warm-up were enough")
	}
}

func TestBurstMatchesBucket(t *testing.T) {
	b := burstResult{bucketRate: 20, bucketBurst: 41, window: 3 * time.Second}
	for accepted, want := range map[int]bool{101: true, 95: true, 108: true, 80: false, 130: false} {
		b.accepted = accepted
		if b.matches() != want {
			t.Errorf("%d accepted of a bucket allowing %.0f: matches %v", accepted, b.expected(), !want)
		}
	}
}

func TestCheckRefusal(t *testing.T) {
	body := `{"error_code":"APIGW.0308","error_msg":"the throttling threshold has been reached: project p may make 20 synthesis requests a second (burst 41); retry in 50ms"}`
	good := &statusError{status: 429, header: http.Header{"Retry-After": {"1"}}, body: body}
	if err := checkRefusal(good); err != nil {
		t.Error(err)
	}
	var b burstResult
	b.count(false, good)
	if b.refused != 1 || b.bucketRate != 20 || b.bucketBurst != 41 || !b.bucketFromServer {
		t.Errorf("bucket read from the message: %+v", b)
	}
	for _, bad := range []*statusError{
		{status: 429, header: http.Header{}, body: body},
		{status: 429, header: http.Header{"Retry-After": {"0"}}, body: body},
		{status: 429, header: http.Header{"Retry-After": {"1"}}, body: `{"error_code":"MSS.00000004","error_msg":"x"}`},
	} {
		if checkRefusal(bad) == nil {
			t.Errorf("accepted %v %s", bad.header, bad.body)
		}
	}
}

func TestAuditSort(t *testing.T) {
	records := map[string]jobRecord{
		"ok":      {JobState: "SUCCEED"},
		"failed":  {JobState: "FAILED", FailMsg: "engine crashed"},
		"silent":  {JobState: "FAILED"},
		"running": {JobState: "PROCESSING"},
	}
	var a auditResult
	for _, id := range []string{"ok", "failed", "silent", "running", "gone"} {
		a.sort(id, records)
	}
	if a.created != 5 || a.succeeded != 1 || a.failed != 1 || len(a.vanished) != 1 || len(a.unfinished) != 2 || a.lost() != 3 {
		t.Errorf("audit: %+v", a)
	}
}

func TestParseMetric(t *testing.T) {
	const text = `# HELP ttsc_cache_fill_ratio Share of each cache's bound in use.
# TYPE ttsc_cache_fill_ratio gauge
ttsc_cache_fill_ratio{cache="jobs"} 1
ttsc_cache_fill_ratio{cache="results"} 0.5
# TYPE ttsc_cache_fill_ratio_other gauge
ttsc_cache_fill_ratio_other{cache="x"} 7
# TYPE go_memstats_next_gc_bytes gauge
go_memstats_next_gc_bytes 4.194304e+06
`
	for _, tt := range []struct {
		name, metric, label string
		want                map[string]float64
	}{
		{"OKLabelled", "ttsc_cache_fill_ratio", "cache", map[string]float64{"jobs": 1, "results": 0.5}},
		{"OKUnlabelled", "go_memstats_next_gc_bytes", "", map[string]float64{"": 4194304}},
		{"OKAbsentEmpty", "ttsc_missing", "", map[string]float64{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseMetric(strings.NewReader(text), tt.metric, tt.label); !maps.Equal(got, tt.want) {
				t.Errorf("parseMetric(%s) = %v, want %v", tt.metric, got, tt.want)
			}
		})
	}
}

func TestAllFull(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fills map[string]float64
		want  bool
	}{
		{"OKAllFull", map[string]float64{"jobs": 1, "results": cacheFull}, true},
		{"NotWhenOneIsFilling", map[string]float64{"jobs": 1, "results": cacheFull - 0.01}, false},
		{"NotWhenNoneReported", nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := allFull(tt.fills); got != tt.want {
				t.Errorf("allFull(%v) = %v, want %v", tt.fills, got, tt.want)
			}
		})
	}
}
