package main

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"
)

// scrape returns the value of the first sample of /metrics matching re
// (a regular expression over the sample's name and labels), or -1.
func scrape(t *testing.T, base, re string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + re + ` (\S+)$`).FindStringSubmatch(string(body))
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func TestMetrics(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	created, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "Counted.", Emotion: voiceID(t, "EN")}})
	if err != nil {
		t.Fatal(err)
	}
	waitAudition(t, c, *created.JobId)
	_, err = c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "", Emotion: voiceID(t, "EN")}})
	sdkError(t, err, http.StatusBadRequest, "MSS.00000003")
	for _, test := range []struct {
		name, sample string
	}{
		{"OKRequestCounted", `ttsc_http_requests_total\{method="POST",route="/v1/\{project_id\}/ttsc/audition",status="200"\}`},
		{"OKRefusalCounted", `ttsc_http_requests_total\{method="POST",route="/v1/\{project_id\}/ttsc/audition",status="400"\}`},
		{"OKLatency", `ttsc_http_request_duration_seconds_count\{route="/v1/\{project_id\}/ttsc/audition"\}`},
		{"OKQueueDepth", `ttsc_queue_jobs\{kind="ttsc.synthesize",state="[a-z]+"\}`},
		{"OKJobWait", `ttsc_job_wait_seconds_count\{type="AUDITION"\}`},
		{"OKJobDuration", `ttsc_job_duration_seconds_count\{state="SUCCEED",type="AUDITION"\}`},
		{"OKRealTimeFactor", `ttsc_engine_real_time_factor_count\{engine="flite"\}`},
	} {
		t.Run(test.name, func(t *testing.T) {
			if v := scrape(t, ts.URL, test.sample); v < 1 {
				t.Errorf("%s = %v, want at least 1", test.sample, v)
			}
		})
	}
	if v := scrape(t, ts.URL, `ttsc_engine_host_restarts_total`); v != 0 {
		t.Errorf("engine host restarts %v, want 0", v)
	}
}

func TestWorkerRoleServesNoAPI(t *testing.T) {
	ts := startServer(t, "", func(c *ServeConfig) { c.Role = RoleWorker })
	for _, test := range []struct {
		path   string
		status int
		want   string
	}{
		{"/healthz", 200, `"ok"`},
		{"/readyz", 200, `"ok"`},
		{"/metrics", 200, "ttsc_engine_host_restarts_total"},
		{"/v1/" + ts.Cred.ProjectID + "/ttsc/tts-jobs", 404, ""},
	} {
		t.Run(test.path, func(t *testing.T) {
			resp, err := http.Get(ts.URL + test.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != test.status || !strings.Contains(string(body), test.want) {
				t.Errorf("GET %s: %d %.80s; want %d with %q", test.path, resp.StatusCode, body, test.status, test.want)
			}
		})
	}
}
