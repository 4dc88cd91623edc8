package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	metastudio "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/voices"
)

// presetYunge is MetaStudio's published cn-north-4 ID of the preset voice
// Yunge; existing configurations use it.
const presetYunge = "0a4b548fd8d2d6998e1fc3fffb29f9bc"

// voiceID returns a catalogue voice of the language (MetaStudio enum).
func voiceID(t *testing.T, language string) string {
	t.Helper()
	for _, v := range voices.Catalog() {
		if v.Language == language && !v.Preset {
			return v.ID
		}
	}
	t.Fatalf("no %s voice in the catalogue", language)
	return ""
}

func ptr[T any](v T) *T { return &v }

// waitAudition polls a preview until it is complete.
func waitAudition(t *testing.T, c *metastudio.MetaStudioClient, jobID string) *model.ShowTtsAuditionFileResponse {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := c.ShowTtsAuditionFile(&model.ShowTtsAuditionFileRequest{JobId: jobID})
		if err != nil {
			t.Fatalf("ShowTtsAuditionFile: %v", err)
		}
		if resp.IsFileComplete != nil && *resp.IsFileComplete {
			return resp
		}
		if time.Now().After(deadline) {
			t.Fatalf("preview %s not complete after 90s", jobID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// download fetches a URL with no auth headers, as MetaStudio clients do.
func download(t *testing.T, u string) []byte {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", u, resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "audio/wav" {
		t.Errorf("GET %s: Content-Type %q, want audio/wav", u, ct)
	}
	return b
}

// previewPCM runs a preview to completion and returns its audio, all
// segments joined.
func previewPCM(t *testing.T, c *metastudio.MetaStudioClient, body *model.CreateTtsAuditionRequestBody) (*audio.PCM, int) {
	t.Helper()
	created, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: body})
	if err != nil {
		t.Fatalf("CreateTtsAudition: %v", err)
	}
	resp := waitAudition(t, c, *created.JobId)
	if resp.Code == nil || *resp.Code != "0" {
		t.Fatalf("preview failed: code %v message %v", deref(resp.Code), deref(resp.Message))
	}
	if resp.Files == nil || len(*resp.Files) == 0 {
		t.Fatal("complete preview has no files")
	}
	var all *audio.PCM
	for i, f := range *resp.Files {
		p, err := audio.DecodeWAV(download(t, f.DownloadUrl))
		if err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
		if all == nil {
			all = p
			continue
		}
		if p.Rate != all.Rate || p.Channels != all.Channels {
			t.Fatalf("file %d: %d Hz × %d, earlier files %d Hz × %d", i, p.Rate, p.Channels, all.Rate, all.Channels)
		}
		all.Samples = append(all.Samples, p.Samples...)
	}
	return all, len(*resp.Files)
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestPreviewSpeaks(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	for _, test := range []struct {
		name           string
		body           model.CreateTtsAuditionRequestBody
		channels       int
		minDur, maxDur time.Duration
		minFiles       int
	}{
		{
			name:   "OKChinese",
			body:   model.CreateTtsAuditionRequestBody{Text: "你好，欢迎使用", Emotion: voiceID(t, "CN")},
			minDur: 800 * time.Millisecond, maxDur: 5 * time.Second, channels: 1, minFiles: 1,
		},
		{
			name:   "OKEnglish",
			body:   model.CreateTtsAuditionRequestBody{Text: "Hello world", Emotion: voiceID(t, "EN")},
			minDur: 500 * time.Millisecond, maxDur: 3 * time.Second, channels: 1, minFiles: 1,
		},
		{
			name:   "OKPresetVoiceID",
			body:   model.CreateTtsAuditionRequestBody{Text: "你好，欢迎使用", Emotion: presetYunge},
			minDur: 800 * time.Millisecond, maxDur: 5 * time.Second, channels: 1, minFiles: 1,
		},
		{
			name: "OKStereoFastLoud",
			body: model.CreateTtsAuditionRequestBody{Text: "Hello world, this is a test.", Emotion: voiceID(t, "EN"),
				Speed: ptr(int32(200)), Pitch: ptr(int32(150)), Volume: ptr(int32(240)), Channels: ptr(int32(2))},
			minDur: 400 * time.Millisecond, maxDur: 3 * time.Second, channels: 2, minFiles: 1,
		},
		{
			name: "OKLongTextInSegments",
			body: model.CreateTtsAuditionRequestBody{Text: strings.Repeat("The quick brown fox jumps over the lazy dog. ", 12),
				Emotion: voiceID(t, "EN")},
			minDur: 15 * time.Second, maxDur: 60 * time.Second, channels: 1, minFiles: 2,
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			p, files := previewPCM(t, c, &test.body)
			if p.Channels != test.channels {
				t.Errorf("channels = %d, want %d", p.Channels, test.channels)
			}
			if d := p.Duration(); d < test.minDur || d > test.maxDur {
				t.Errorf("duration %v, want between %v and %v for %q", d, test.minDur, test.maxDur, test.body.Text)
			}
			if files < test.minFiles {
				t.Errorf("%d files, want at least %d", files, test.minFiles)
			}
			if err := audio.CheckSpeech(p); err != nil {
				t.Errorf("not speech: %v", err)
			}
		})
	}
}

// TestPreviewFilesGrow checks that a long preview exposes its segments
// while it runs, in order, and that every poll signs fresh URLs.
func TestPreviewFilesGrow(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	text := strings.Repeat("Segments arrive one after another while the rest is still being read. ", 40)
	created, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: text, Emotion: voiceID(t, "EN")}})
	if err != nil {
		t.Fatal(err)
	}
	sawPartial := false
	var last []model.AuditionFile
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := c.ShowTtsAuditionFile(&model.ShowTtsAuditionFileRequest{JobId: *created.JobId})
		if err != nil {
			t.Fatal(err)
		}
		files := *resp.Files
		if len(files) < len(last) {
			t.Fatalf("files shrank from %d to %d", len(last), len(files))
		}
		if !*resp.IsFileComplete && len(files) > 0 {
			sawPartial = true
		}
		last = files
		if *resp.IsFileComplete {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !sawPartial {
		t.Log("never saw a partial file list (synthesis outran polling)")
	}
	if len(last) < 5 {
		t.Fatalf("%d files for a %d-character text, want several segments", len(last), len(text))
	}
	checkPreviewFiles(t, last)
}

// checkPreviewFiles checks that a preview's download URLs name its files
// in order, each once: on S3 objects audio-0000.wav, audio-0001.wav, …;
// on disk parts of its blob audition.wav, one after another.
func checkPreviewFiles(t *testing.T, files []model.AuditionFile) {
	t.Helper()
	end := int64(-1)
	for i, f := range files {
		u, err := url.Parse(f.DownloadUrl)
		if err != nil {
			t.Fatal(err)
		}
		if testMode == "postgres-s3" {
			if want := fmt.Sprintf("audio-%04d.wav", i); !strings.HasSuffix(u.Path, want) {
				t.Errorf("file %d is %s, want it to end in %s", i, u.Path, want)
			}
			continue
		}
		var off, size int64
		if _, err := fmt.Sscanf(u.Query().Get("part"), "%d-%d", &off, &size); err != nil || !strings.HasSuffix(u.Path, "/audition.wav") || off <= end {
			t.Errorf("file %d is %s part %q, want a part of audition.wav after %d", i, u.Path, u.Query().Get("part"), end)
		}
		end = off + size - 1
	}
}

func TestPreviewEngineCrashFailsJobOnly(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	created, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{
		Text:    strings.Repeat("This long first sentence is read without trouble, ", 4) + "and it ends here. " + crashText + " brings the engine down.",
		Emotion: voiceID(t, "EN")}})
	if err != nil {
		t.Fatal(err)
	}
	resp := waitAudition(t, c, *created.JobId)
	if *resp.Code == "0" || *resp.Message == "" {
		t.Errorf("crashed preview: code %q message %q, want a failure code and a message", *resp.Code, *resp.Message)
	}
	if !strings.Contains(*resp.Message, "segment 2 of 2") || !strings.Contains(*resp.Message, "crash") {
		t.Errorf("message %q should name the segment and the crash", *resp.Message)
	}
	// The server and the replaced engine host keep serving.
	p, _ := previewPCM(t, c, &model.CreateTtsAuditionRequestBody{Text: "Still here.", Emotion: voiceID(t, "EN")})
	if err := audio.CheckSpeech(p); err != nil {
		t.Errorf("after a crash: %v", err)
	}
}

// sdkError asserts that err is a MetaStudio error with status and code.
func sdkError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T), want a *sdkerr.ServiceResponseError", err, err)
	}
	if se.StatusCode != status || se.ErrorCode != code {
		t.Errorf("status %d code %q (%s), want %d %q", se.StatusCode, se.ErrorCode, se.ErrorMessage, status, code)
	}
	if se.RequestId == "" {
		t.Error("error has no request ID (X-Request-Id header)")
	}
}

func TestPreviewBadInput(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	en := voiceID(t, "EN")
	for _, test := range []struct {
		name    string
		body    model.CreateTtsAuditionRequestBody
		code    string
		mention []string
	}{
		{"ErrUnknownVoice", model.CreateTtsAuditionRequestBody{Text: "hi", Emotion: "00000000000000000000000000000000"}, "MSS.10001001", []string{"emotion"}},
		{"ErrNoVoice", model.CreateTtsAuditionRequestBody{Text: "hi", Emotion: ""}, "MSS.00000003", []string{"emotion"}},
		{"ErrEmptyText", model.CreateTtsAuditionRequestBody{Text: "", Emotion: en}, "MSS.00000003", []string{"text"}},
		{"ErrBlankText", model.CreateTtsAuditionRequestBody{Text: " \n\t ", Emotion: en}, "MSS.00000003", []string{"text"}},
		{"ErrTextTooLong", model.CreateTtsAuditionRequestBody{Text: strings.Repeat("长", 10001), Emotion: en}, "MSS.00000003", []string{"text", "10001", "10000"}},
		{"ErrSpeedTooHigh", model.CreateTtsAuditionRequestBody{Text: "hi", Emotion: en, Speed: ptr(int32(201))}, "MSS.00000003", []string{"speed", "50", "200"}},
		{"ErrPitchTooLow", model.CreateTtsAuditionRequestBody{Text: "hi", Emotion: en, Pitch: ptr(int32(49))}, "MSS.00000003", []string{"pitch", "50", "200"}},
		{"ErrVolumeTooLow", model.CreateTtsAuditionRequestBody{Text: "hi", Emotion: en, Volume: ptr(int32(80))}, "MSS.00000003", []string{"volume", "90", "240"}},
		{"ErrChannels", model.CreateTtsAuditionRequestBody{Text: "hi", Emotion: en, Channels: ptr(int32(3))}, "MSS.00000003", []string{"channels", "1", "2"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &test.body})
			sdkError(t, err, http.StatusBadRequest, test.code)
			for _, m := range test.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q does not mention %q", err, m)
				}
			}
		})
	}
	t.Run("OKTenThousandCharacters", func(t *testing.T) {
		_, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: strings.Repeat("长", 10000), Emotion: voiceID(t, "CN")}})
		if err != nil {
			t.Fatalf("10,000 characters refused: %v", err)
		}
	})

	// Bodies the SDK would never send.
	for _, test := range []struct {
		name        string
		contentType string
		body        string
		status      int
		code        string
		mention     string
	}{
		{"ErrMalformedJSON", "application/json", `{"text": "hi", `, 400, "MSS.10000002", "JSON"},
		{"ErrNotAnObject", "application/json", `["hi"]`, 400, "MSS.10000002", "object"},
		{"ErrEmptyBody", "application/json", ``, 400, "MSS.10000002", "empty"},
		{"ErrTrailingData", "application/json", `{"text":"hi","emotion":"` + en + `"} {}`, 400, "MSS.10000002", "after"},
		{"ErrSpeedIsString", "application/json", `{"text":"hi","emotion":"` + en + `","speed":"fast"}`, 400, "MSS.00000003", "field speed must be an integer"},
		{"ErrSpeedIsFraction", "application/json", `{"text":"hi","emotion":"` + en + `","speed":1.5}`, 400, "MSS.00000003", "speed"},
		{"ErrSpeedOverflowsInt32", "application/json", `{"text":"hi","emotion":"` + en + `","speed":4294967296}`, 400, "MSS.00000003", "speed"},
		{"ErrTextIsNumber", "application/json", `{"text":5,"emotion":"` + en + `"}`, 400, "MSS.00000003", "text"},
		{"ErrWrongContentType", "text/plain", `{"text":"hi","emotion":"` + en + `"}`, 400, "MSS.10000002", "Content-Type"},
		{"ErrBodyTooLarge", "application/json", `{"text":"` + strings.Repeat("a", 300<<10) + `"}`, 413, "MSS.00000002", "limit"},
	} {
		t.Run(test.name, func(t *testing.T) {
			req := ts.signedRequest(t, "POST", "/v1/"+ts.Cred.ProjectID+"/ttsc/audition", test.body, test.contentType, ts.Clock.Now())
			var e errorBody
			resp := do(t, req, &e)
			if resp.StatusCode != test.status || e.ErrorCode != test.code {
				t.Errorf("status %d code %q (%s), want %d %q", resp.StatusCode, e.ErrorCode, e.ErrorMsg, test.status, test.code)
			}
			if !strings.Contains(e.ErrorMsg, test.mention) {
				t.Errorf("message %q does not mention %q", e.ErrorMsg, test.mention)
			}
			if e.RequestID == "" || e.RequestID != resp.Header.Get("X-Request-Id") {
				t.Errorf("request_id %q, X-Request-Id %q: want the same, not empty", e.RequestID, resp.Header.Get("X-Request-Id"))
			}
		})
	}
}

type errorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

// signedRequest builds a request signed with the test credential at now.
func (ts *testServer) signedRequest(t *testing.T, method, path, body, contentType string, now time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("X-Project-Id", ts.Cred.ProjectID)
	if err := auth.Sign(req, []byte(body), ts.Cred.AccessKey, ts.Cred.SecretKey, now); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestAuthentication(t *testing.T) {
	ts := startServer(t, "")
	en := voiceID(t, "EN")
	body := `{"text":"hi","emotion":"` + en + `"}`
	path := "/v1/" + ts.Cred.ProjectID + "/ttsc/audition"

	t.Run("ErrWrongSecretKey", func(t *testing.T) {
		bad := *ts.Cred
		bad.SecretKey = strings.Repeat("x", len(bad.SecretKey))
		_, err := ts.client(t, &bad).CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "hi", Emotion: en}})
		sdkError(t, err, http.StatusUnauthorized, "APIGW.0301")
	})
	t.Run("ErrUnknownAccessKey", func(t *testing.T) {
		bad := *ts.Cred
		bad.AccessKey = "NOSUCHACCESSKEY00000"
		_, err := ts.client(t, &bad).CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "hi", Emotion: en}})
		sdkError(t, err, http.StatusUnauthorized, "APIGW.0301")
	})
	for _, test := range []struct {
		name   string
		req    func() *http.Request
		status int
		code   string
	}{
		{"ErrStaleDate", func() *http.Request {
			return ts.signedRequest(t, "POST", path, body, "application/json", ts.Clock.Now().Add(-16*time.Minute))
		}, 401, "APIGW.0301"},
		{"ErrFutureDate", func() *http.Request {
			return ts.signedRequest(t, "POST", path, body, "application/json", ts.Clock.Now().Add(16*time.Minute))
		}, 401, "APIGW.0301"},
		{"ErrTamperedBody", func() *http.Request {
			r := ts.signedRequest(t, "POST", path, body, "application/json", ts.Clock.Now())
			tampered := strings.Replace(body, "hi", "ho", 1)
			r.Body = io.NopCloser(strings.NewReader(tampered))
			return r
		}, 401, "APIGW.0301"},
		{"ErrNoCredentials", func() *http.Request {
			r, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(body))
			return r
		}, 401, "APIGW.0301"},
		{"ErrBadToken", func() *http.Request {
			r, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(body))
			r.Header.Set("X-Auth-Token", "ttsc_not-a-real-token")
			return r
		}, 401, "APIGW.0301"},
		{"ErrProjectHeaderMismatch", func() *http.Request {
			r, _ := http.NewRequest("POST", ts.URL+path, strings.NewReader(body))
			r.Header.Set("X-Project-Id", strings.Repeat("a", 32))
			if err := auth.Sign(r, []byte(body), ts.Cred.AccessKey, ts.Cred.SecretKey, ts.Clock.Now()); err != nil {
				t.Fatal(err)
			}
			return r
		}, 403, "MSS.00010009"},
	} {
		t.Run(test.name, func(t *testing.T) {
			var e errorBody
			resp := do(t, test.req(), &e)
			if resp.StatusCode != test.status || e.ErrorCode != test.code {
				t.Errorf("status %d code %q (%s), want %d %q", resp.StatusCode, e.ErrorCode, e.ErrorMsg, test.status, test.code)
			}
			if strings.Contains(e.ErrorMsg, ts.Cred.SecretKey) {
				t.Error("error message contains the secret key")
			}
		})
	}
	t.Run("OKRequestIDEchoed", func(t *testing.T) {
		r := ts.signedRequest(t, "GET", "/v1/"+ts.Cred.ProjectID+"/digital-assets", "", "application/json", ts.Clock.Now())
		r.Header.Set("X-Request-Id", "my-trace-123")
		if err := auth.Sign(r, nil, ts.Cred.AccessKey, ts.Cred.SecretKey, ts.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		resp := do(t, r, nil)
		if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") != "my-trace-123" {
			t.Errorf("status %d, X-Request-Id %q; want 200 and the caller's ID", resp.StatusCode, resp.Header.Get("X-Request-Id"))
		}
	})
}

func TestTokenAuthentication(t *testing.T) {
	ts := startServer(t, "")
	var out bytes.Buffer
	if code := run(context.Background(), []string{"tokens", "create", "--data", ts.Config.Data, "--database", ts.Config.Database, "--project", ts.Cred.ProjectID}, nil, &out, io.Discard); code != 0 {
		t.Fatalf("tokens create exited %d", code)
	}
	var tok struct{ Token, ProjectID string }
	if err := json.Unmarshal(out.Bytes(), &tok); err != nil || tok.Token == "" {
		t.Fatalf("tokens create printed %q: %v", out.String(), err)
	}
	body := `{"text":"Hello from curl","emotion":"` + voiceID(t, "EN") + `"}`
	r, _ := http.NewRequest("POST", ts.URL+"/v1/"+ts.Cred.ProjectID+"/ttsc/audition", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Auth-Token", tok.Token)
	var created struct {
		JobID string `json:"job_id"`
	}
	if resp := do(t, r, &created); resp.StatusCode != 200 || created.JobID == "" {
		t.Fatalf("token request: status %d job %q", resp.StatusCode, created.JobID)
	}

	other, err := newCredential(context.Background(), ts.db, "")
	if err != nil {
		t.Fatal(err)
	}
	r, _ = http.NewRequest("GET", ts.URL+"/v1/"+other.ProjectID+"/ttsc/audition-file/"+created.JobID, nil)
	r.Header.Set("X-Auth-Token", tok.Token)
	if resp := do(t, r, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("token of one project on another project's path: status %d, want 403", resp.StatusCode)
	}
}

func TestProjectIsolation(t *testing.T) {
	ts := startServer(t, "")
	a := ts.client(t, ts.Cred)
	otherCred, err := newCredential(context.Background(), ts.db, "")
	if err != nil {
		t.Fatal(err)
	}
	b := ts.client(t, otherCred)
	created, err := a.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "private", Emotion: voiceID(t, "EN")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.ShowTtsAuditionFile(&model.ShowTtsAuditionFileRequest{JobId: *created.JobId})
	sdkError(t, err, http.StatusNotFound, "MSS.10001002")

	// B's signature on A's path.
	r, _ := http.NewRequest("GET", ts.URL+"/v1/"+ts.Cred.ProjectID+"/ttsc/audition-file/"+*created.JobId, nil)
	if err := auth.Sign(r, nil, otherCred.AccessKey, otherCred.SecretKey, ts.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	var e errorBody
	if resp := do(t, r, &e); resp.StatusCode != http.StatusForbidden {
		t.Errorf("other project's credential on this project's path: status %d (%s), want 403", resp.StatusCode, e.ErrorMsg)
	}
}

func TestUnknownJobAndRoute(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	_, err := c.ShowTtsAuditionFile(&model.ShowTtsAuditionFileRequest{JobId: "0123456789abcdef0123456789abcdef"})
	sdkError(t, err, http.StatusNotFound, "MSS.10001002")

	for _, test := range []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"ErrNoSuchAPI", "GET", "/v1/" + ts.Cred.ProjectID + "/ttsc/nothing-here", 404, "MSS.00010003"},
		{"ErrMethodNotAllowed", "DELETE", "/v1/" + ts.Cred.ProjectID + "/ttsc/audition", 405, "MSS.00010004"},
		// Not redirected to the clean path, which the signature does
		// not cover.
		{"ErrEmptyPathElement", "POST", "/v1/" + ts.Cred.ProjectID + "//ttsc/audition", 404, "MSS.00010003"},
		{"ErrDotDotPathElement", "GET", "/v1/" + ts.Cred.ProjectID + "/ttsc/x/../tts-jobs", 404, "MSS.00010003"},
		{"ErrDotDotDownload", "GET", "/v1/files/../" + ts.Cred.ProjectID + "/ttsc/tts-jobs", 404, "MSS.00010003"},
	} {
		t.Run(test.name, func(t *testing.T) {
			var e errorBody
			resp := do(t, ts.signedRequest(t, test.method, test.path, "", "", ts.Clock.Now()), &e)
			if resp.StatusCode != test.status || e.ErrorCode != test.code {
				t.Errorf("status %d code %q, want %d %q", resp.StatusCode, e.ErrorCode, test.status, test.code)
			}
		})
	}
}

func TestDownloadURLs(t *testing.T) {
	// ttsc signs URLs to files on disk; an S3 store presigns its own
	// (tested in package s3blob).
	onlyOn(t, "sqlite", "postgres")
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	// Two sentences too long to be packed into one segment: two files.
	text := "Download me, the first file of this preview, long enough that the server reads it as a segment of its own instead of joining it to the sentence after it. " +
		"And then download me, the second file of the same preview."
	created, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: text, Emotion: voiceID(t, "EN")}})
	if err != nil {
		t.Fatal(err)
	}
	resp := waitAudition(t, c, *created.JobId)
	if len(*resp.Files) != 2 {
		t.Fatalf("%d files, want 2", len(*resp.Files))
	}
	u, u2 := (*resp.Files)[0].DownloadUrl, (*resp.Files)[1].DownloadUrl
	whole := download(t, u)

	t.Run("OKEachFileWhole", func(t *testing.T) {
		second := download(t, u2)
		for i, b := range [][]byte{whole, second} {
			p, err := audio.DecodeWAV(b)
			if err != nil {
				t.Fatalf("file %d: %v", i, err)
			}
			if err := audio.CheckSpeech(p); err != nil {
				t.Errorf("file %d: %v", i, err)
			}
		}
		// On disk the two are parts of one blob of the job.
		if a, b := strings.Split(u, "?")[0], strings.Split(u2, "?")[0]; a != b {
			t.Errorf("the files are different blobs: %s and %s", a, b)
		}
	})
	t.Run("OKRangeOfSecondFile", func(t *testing.T) {
		r, _ := http.NewRequest("GET", u2, nil)
		r.Header.Set("Range", "bytes=0-3")
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusPartialContent || string(b) != "RIFF" {
			t.Errorf("Range: status %d, %q; want 206 and the second file's first bytes, RIFF", res.StatusCode, b)
		}
	})
	t.Run("OKURLOfAWholeBlobSignedWithoutPart", func(t *testing.T) {
		// URLs signed before files shared blobs name no part: they
		// serve the whole blob, until they expire.
		key, err := auth.LoadKey(filepath.Join(ts.Config.Data, "url-signing.key"), 16)
		if err != nil {
			t.Fatal(err)
		}
		pu, _ := url.Parse(u)
		exp, _ := strconv.ParseInt(pu.Query().Get("expires"), 10, 64)
		blob := strings.TrimPrefix(pu.Path, "/files/")
		pu.RawQuery = ""
		pu.Path = ""
		target := signedTarget(key, blob, blob, exp)
		got := download(t, strings.TrimSuffix(pu.String(), "/")+target)
		if !bytes.HasPrefix(got, whole) || len(got) <= len(whole) {
			t.Errorf("%d bytes, want the whole blob: both files", len(got))
		}
	})
	tamper := func(f func(q url.Values, p string) (url.Values, string)) string {
		pu, _ := url.Parse(u)
		q, p := f(pu.Query(), pu.Path)
		pu.RawQuery, pu.Path = q.Encode(), p
		return pu.String()
	}
	for _, test := range []struct {
		name string
		url  string
	}{
		{"ErrTamperedSignature", tamper(func(q url.Values, p string) (url.Values, string) {
			s := []byte(q.Get("signature"))
			s[0] ^= 1
			q.Set("signature", string(s))
			return q, p
		})},
		{"ErrLaterExpiry", tamper(func(q url.Values, p string) (url.Values, string) {
			q.Set("expires", q.Get("expires")+"0")
			return q, p
		})},
		{"ErrOtherFile", tamper(func(q url.Values, p string) (url.Values, string) {
			return q, strings.Replace(p, "audition.wav", "audio-0000.wav", 1)
		})},
		{"ErrOtherPart", tamper(func(q url.Values, p string) (url.Values, string) {
			q.Set("part", "0-"+strconv.Itoa(len(whole)+1))
			return q, p
		})},
		{"ErrNoPart", tamper(func(q url.Values, p string) (url.Values, string) {
			q.Del("part")
			return q, p
		})},
		{"ErrPathTraversal", tamper(func(q url.Values, p string) (url.Values, string) {
			return q, "/files/../ttsc.db"
		})},
		{"ErrNoSignature", strings.Split(u, "?")[0]},
	} {
		t.Run(test.name, func(t *testing.T) {
			res, err := http.Get(test.url)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 403", test.url, res.StatusCode)
			}
		})
	}
	t.Run("ErrExpired", func(t *testing.T) {
		ts.Clock.Advance(61 * time.Minute)
		defer ts.Clock.Advance(-61 * time.Minute)
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "expired") {
			t.Errorf("expired URL: status %d %s, want 403 saying it expired", res.StatusCode, b)
		}
		// A fresh poll (signed at the server's new time) signs a fresh URL
		// that works.
		var again struct {
			Files []struct {
				DownloadURL string `json:"download_url"`
			} `json:"files"`
		}
		do(t, ts.signedRequest(t, "GET", "/v1/"+ts.Cred.ProjectID+"/ttsc/audition-file/"+*created.JobId, "", "", ts.Clock.Now()), &again)
		if len(again.Files) == 0 {
			t.Fatal("no files on the fresh poll")
		}
		fresh := again.Files[0].DownloadURL
		if fresh == u {
			t.Error("the poll after expiry returned the same URL")
		}
		download(t, fresh)
	})
}

func TestVoiceAssets(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	list, err := c.ListAssets(&model.ListAssetsRequest{
		AssetType:   ptr("VOICE_MODEL"),
		AssetState:  ptr("ACTIVED"),
		AssetSource: ptr(model.GetListAssetsRequestAssetSourceEnum().SYSTEM),
		Limit:       ptr(int32(100)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if *list.Count < 20 || len(*list.Assets) == 0 {
		t.Fatalf("count %d, %d assets; want the whole catalogue", *list.Count, len(*list.Assets))
	}
	cn, err := c.ListAssets(&model.ListAssetsRequest{Language: ptr("CN"), Sex: ptr("FEMALE"), Limit: ptr(int32(100))})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range *cn.Assets {
		m := a.AssetExtraMeta.VoiceModelMeta
		if m.Language.Value() != "CN" || m.Sex.Value() != "FEMALE" {
			t.Errorf("filtered listing has %s %s", m.Language.Value(), m.Sex.Value())
		}
	}
	if *cn.Count == 0 {
		t.Error("no female Mandarin voices")
	}
	page, err := c.ListAssets(&model.ListAssetsRequest{Limit: ptr(int32(2)), Offset: ptr(int32(1))})
	if err != nil {
		t.Fatal(err)
	}
	if len(*page.Assets) != 2 || *page.Count != *list.Count || *(*page.Assets)[0].AssetId != *(*list.Assets)[1].AssetId {
		t.Errorf("paging: %d assets, count %d; want 2 starting at the second, count %d", len(*page.Assets), *page.Count, *list.Count)
	}

	show, err := c.ShowAsset(&model.ShowAssetRequest{AssetId: presetYunge})
	if err != nil {
		t.Fatal(err)
	}
	if *show.AssetId != presetYunge || show.AssetType.Value() != "VOICE_MODEL" {
		t.Errorf("ShowAsset: %v %v", *show.AssetId, show.AssetType.Value())
	}
	check, err := c.CheckVoiceAsset(&model.CheckVoiceAssetRequest{VoiceAssetId: voiceID(t, "EN")})
	if err != nil {
		t.Fatal(err)
	}
	if *check.AssetState != "ACTIVED" || *check.AssetExtraMeta.VoiceModelMeta.Language != "EN" {
		t.Errorf("CheckVoiceAsset: state %s language %s", *check.AssetState, *check.AssetExtraMeta.VoiceModelMeta.Language)
	}
	_, err = c.CheckVoiceAsset(&model.CheckVoiceAssetRequest{VoiceAssetId: "ffffffffffffffffffffffffffffffff"})
	sdkError(t, err, http.StatusBadRequest, "MSS.10001001")
	_, err = c.ListAssets(&model.ListAssetsRequest{Limit: ptr(int32(101))})
	sdkError(t, err, http.StatusBadRequest, "MSS.00000003")
}

func TestCredentialsCommand(t *testing.T) {
	ts := startServer(t, "")
	dir := ts.Config.Data
	runOK := func(args ...string) string {
		t.Helper()
		args = append(args[:2:2], append([]string{"--database", ts.Config.Database}, args[2:]...)...)
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, nil, &out, &errOut); code != 0 {
			t.Fatalf("ttsc %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
		return out.String()
	}
	var created struct {
		ProjectID string `json:"project_id"`
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	out := runOK("credentials", "create", "--data", dir)
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.SecretKey == "" || len(created.ProjectID) != 32 {
		t.Fatalf("credentials create printed %q", out)
	}
	if n := strings.Count(strings.TrimSpace(out), "\n"); n != 0 {
		t.Errorf("credentials create printed %d lines, want one JSON object", n+1)
	}
	// The new key works at once against the running server.
	p, _ := previewPCM(t, ts.client(t, &ttsc.Credential{AccessKey: created.AccessKey, SecretKey: created.SecretKey, ProjectID: created.ProjectID}),
		&model.CreateTtsAuditionRequestBody{Text: "New key.", Emotion: voiceID(t, "EN")})
	if err := audio.CheckSpeech(p); err != nil {
		t.Error(err)
	}
	same := runOK("credentials", "create", "--data", dir, "--project", created.ProjectID)
	if !strings.Contains(same, created.ProjectID) {
		t.Errorf("create --project printed %q", same)
	}
	list := runOK("credentials", "list", "--data", dir)
	if !strings.Contains(list, created.AccessKey) || strings.Contains(list, created.SecretKey) || strings.Contains(list, "secret") {
		t.Errorf("credentials list: %q; want the access key and no secrets", list)
	}
	runOK("credentials", "delete", "--data", dir, created.AccessKey)
	if strings.Contains(runOK("credentials", "list", "--data", dir), created.AccessKey) {
		t.Error("deleted key still listed")
	}
	if code := run(context.Background(), []string{"credentials", "delete", "--data", dir, "--database", ts.Config.Database, created.AccessKey}, nil, io.Discard, io.Discard); code == 0 {
		t.Error("deleting a missing key succeeded")
	}
}

func TestFirstStartPrintsCredentials(t *testing.T) {
	onlyOn(t, "sqlite") // a shared database gets its credentials from the CLI
	ts := startServer(t, "")
	out := ts.Stdout.String()
	for _, want := range []string{"project_id:", "access_key:", "secret_key:", ts.URL} {
		if !strings.Contains(out, want) {
			t.Errorf("startup output lacks %q:\n%s", want, out)
		}
	}
}

// TestShutdownRequeues stops the server while a long preview runs and
// checks that a restart on the same data finishes it with every segment
// exactly once.
func TestShutdownRequeues(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir)
	ts.Config.ShutdownTimeout = 50 * time.Millisecond
	c := ts.client(t, ts.Cred)
	text := strings.Repeat("A restart must neither lose nor repeat a segment of this text. ", 60)
	created, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: text, Emotion: voiceID(t, "EN")}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		r, err := c.ShowTtsAuditionFile(&model.ShowTtsAuditionFileRequest{JobId: *created.JobId})
		if err != nil {
			t.Fatal(err)
		}
		if len(*r.Files) > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := ts.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	cred := ts.Cred

	ts2 := startServer(t, dir, func(c *ServeConfig) { c.Database, c.Blob = ts.Config.Database, ts.Config.Blob })
	c2 := ts2.client(t, cred)
	resp := waitAudition(t, c2, *created.JobId)
	if *resp.Code != "0" {
		t.Fatalf("after restart: code %s message %s", *resp.Code, *resp.Message)
	}
	checkPreviewFiles(t, *resp.Files)
}

// TestEngineMemoryLimit has an engine host allocate without end: the
// memory limit ends that host, the job fails with a message, the host is
// replaced and other jobs go on.
func TestEngineMemoryLimit(t *testing.T) {
	ts := startServer(t, "", func(c *ServeConfig) { c.EngineMemoryMB = 256 })
	c := ts.client(t, ts.Cred)
	created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
		Text: "Read this. " + hogText + " eats memory.", VoiceAssetId: voiceID(t, "EN")}})
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
		Text: "Meanwhile another job is read as usual.", VoiceAssetId: voiceID(t, "EN")}})
	if err != nil {
		t.Fatal(err)
	}
	resp := waitAsync(t, c, *created.JobId)
	if *resp.State != "FAILED" || !strings.Contains(*resp.Message, "crash") {
		t.Errorf("the memory hog: %s %q, want FAILED naming the crash", *resp.State, deref(resp.Message))
	}
	if r := waitAsync(t, c, *other.JobId); *r.State != "SUCCEED" {
		t.Errorf("the other job: %s %q", *r.State, deref(r.Message))
	}
	if n := scrape(t, ts.URL, `ttsc_engine_host_restarts_total`); n < 1 {
		t.Errorf("engine host restarts %v, want the hog's host replaced", n)
	}
	p, _ := previewPCM(t, c, &model.CreateTtsAuditionRequestBody{Text: "Still here.", Emotion: voiceID(t, "EN")})
	if err := audio.CheckSpeech(p); err != nil {
		t.Errorf("after the hog: %v", err)
	}
}
