package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// volatile names JSON fields whose values change from run to run.
var volatile = map[string]string{
	"request_id":     "<request-id>",
	"download_url":   "<signed-url>",
	"project_id":     "<project-id>",
	"job_id":         "<job-id>",
	"audio_file_url": "<signed-url>",
	"create_time":    "<time>",
	// Word times depend on the engine's version.
	"begin_ms": "<ms>",
	"end_ms":   "<ms>",
}

// normalize replaces volatile values so the shape can be compared.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if ph, ok := volatile[k]; ok {
				x[k] = ph
				continue
			}
			x[k] = normalize(val)
		}
	case []any:
		for i := range x {
			x[i] = normalize(x[i])
		}
	}
	return v
}

// compareGolden checks a JSON body against testdata/golden/name.json.
func compareGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: %v: %s", name, err, body)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(normalize(v)); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from %s (-want +got):\n%s", name, path, diff)
	}
}

func TestGoldenShapes(t *testing.T) {
	ts := startServer(t, "")
	p := "/v1/" + ts.Cred.ProjectID
	en := voiceID(t, "EN")

	var created struct {
		JobID string `json:"job_id"`
	}
	do(t, ts.signedRequest(t, "POST", p+"/ttsc/audition", `{"text":"Golden.","emotion":"`+en+`"}`, "application/json", ts.Clock.Now()), &created)
	waitAudition(t, ts.client(t, ts.Cred), created.JobID)
	var async struct {
		JobID string `json:"job_id"`
	}
	do(t, ts.signedRequest(t, "POST", p+"/ttsc/async-jobs", `{"text":"Golden async.","voice_asset_id":"`+en+`","audio_format":"MP3"}`, "application/json", ts.Clock.Now()), &async)
	waitAsync(t, ts.client(t, ts.Cred), async.JobID)

	for _, test := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"audition_file_complete", "GET", p + "/ttsc/audition-file/" + created.JobID, "", 200},
		{"async_job_complete", "GET", p + "/ttsc/async-jobs/" + async.JobID, "", 200},
		{"tts_jobs_async", "GET", p + "/ttsc/tts-jobs?job_type=ASYNC_JOB", "", 200},
		{"list_assets_first_two", "GET", p + "/digital-assets?asset_type=VOICE_MODEL&limit=2", "", 200},
		{"show_asset_preset", "GET", p + "/digital-assets/" + presetYunge, "", 200},
		{"check_voice_asset", "POST", p + "/ttsc/check-voice-asset/" + en, "", 200},
		{"error_out_of_range", "POST", p + "/ttsc/audition", `{"text":"hi","emotion":"` + en + `","speed":300}`, 400},
		{"error_unknown_job", "GET", p + "/ttsc/audition-file/ffffffffffffffffffffffffffffffff", "", 404},
	} {
		t.Run(test.name, func(t *testing.T) {
			ct := ""
			if test.body != "" {
				ct = "application/json"
			}
			req := ts.signedRequest(t, test.method, test.path, test.body, ct, ts.Clock.Now())
			var raw json.RawMessage
			resp := do(t, req, &raw)
			if resp.StatusCode != test.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, test.status, raw)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			compareGolden(t, test.name, raw)
		})
	}
}
