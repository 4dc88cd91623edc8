package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/callback"
)

// receiver is a client's web server: it takes callbacks, failing the
// first ones it is told to, and uploads by path.
type receiver struct {
	*httptest.Server
	mu        sync.Mutex
	failFirst int
	calls     []receivedCallback
	uploads   map[string][]byte
	types     map[string]string
}

type receivedCallback struct {
	signature string
	body      []byte
	at        time.Time
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	rc := &receiver{failFirst: failFirst, uploads: map[string][]byte{}, types: map[string]string{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/callback":
			rc.calls = append(rc.calls, receivedCallback{r.Header.Get(auth.CallbackSignatureHeader), body, time.Now()})
			if len(rc.calls) <= rc.failFirst {
				http.Error(w, "not now", http.StatusServiceUnavailable)
			}
		case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/forbidden/"):
			http.Error(w, "no", http.StatusForbidden)
		case r.Method == http.MethodPut:
			rc.uploads[r.URL.Path] = body
			rc.types[r.URL.Path] = r.Header.Get("Content-Type")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

// waitCalls waits for n callbacks and returns them.
func (rc *receiver) waitCalls(t *testing.T, n int) []receivedCallback {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rc.mu.Lock()
		calls := append([]receivedCallback(nil), rc.calls...)
		rc.mu.Unlock()
		if len(calls) >= n {
			return calls
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d callbacks after 30s, want %d", len(calls), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCallbackAndUploads(t *testing.T) {
	rc := newReceiver(t, 1)
	ts := startServer(t, "", func(c *ServeConfig) {
		c.CallbackAllow = "127.0.0.1"
		c.ExternalURLAllow = "127.0.0.1"
		c.callbackRetryBase = 50 * time.Millisecond
	})
	c := ts.client(t, ts.Cred)
	var key struct {
		CallbackKey     string `json:"callback_key"`
		SignatureHeader string `json:"signature_header"`
	}
	if resp := do(t, ts.signedRequest(t, "GET", "/v1/"+ts.Cred.ProjectID+"/ttsc/callback-key", "", "", ts.Clock.Now()), &key); resp.StatusCode != 200 || len(key.CallbackKey) != 64 {
		t.Fatalf("callback-key: %d %+v", resp.StatusCode, key)
	}
	mp3Format := model.GetCreateAsyncTtsJobRequestBodyAudioFormatEnum().MP3
	created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
		Text: "A callback tells the client that its job is done. The files go to its own server too.", VoiceAssetId: voiceID(t, "EN"),
		AudioFormat: &mp3Format, GenSrt: ptr(true), NeedTimestamp: ptr(true),
		CallbackConfig:          &model.TtsCallBackConfig{CallbackUrl: rc.URL + "/callback"},
		OutputExternalUrl:       ptr(rc.URL + "/out/audio.mp3"),
		SrtOutputExternalUrl:    ptr(rc.URL + "/out/subtitle.srt"),
		ActionOutputExternalUrl: ptr(rc.URL + "/out/info.json"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	job := waitAsync(t, c, *created.JobId)
	if *job.State != "SUCCEED" {
		t.Fatalf("job %s: %s", *job.State, deref(job.Message))
	}

	calls := rc.waitCalls(t, 2)
	time.Sleep(300 * time.Millisecond) // a third delivery would be a duplicate
	if n := len(rc.waitCalls(t, 2)); n != 2 {
		t.Errorf("%d callback attempts, want 2 (one refused, one accepted)", n)
	}
	t.Run("OKRetriedAfterRefusal", func(t *testing.T) {
		// Each attempt carries fresh download URLs; the rest is the same.
		var first, second callback.Payload
		json.Unmarshal(calls[0].body, &first)
		json.Unmarshal(calls[1].body, &second)
		first.AudioFileDownloadURL, first.SubtitleFileDownloadURL, first.AudioInfoFileDownloadURL = "", "", ""
		second.AudioFileDownloadURL, second.SubtitleFileDownloadURL, second.AudioInfoFileDownloadURL = "", "", ""
		if first != second || first.JobID == "" {
			t.Errorf("the retry reported otherwise:\n%+v\n%+v", first, second)
		}
	})
	got := calls[1]
	t.Run("OKSignatureVerifies", func(t *testing.T) {
		if err := auth.VerifyCallback(key.CallbackKey, got.signature, got.body, time.Now(), 5*time.Minute); err != nil {
			t.Errorf("VerifyCallback: %v (header %q)", err, got.signature)
		}
		tampered := bytes.Replace(got.body, []byte("FINISHED"), []byte("ERROR"), 1)
		if auth.VerifyCallback(key.CallbackKey, got.signature, tampered, time.Now(), 5*time.Minute) == nil {
			t.Error("a changed body verified")
		}
	})
	var p callback.Payload
	if err := json.Unmarshal(got.body, &p); err != nil {
		t.Fatal(err)
	}
	t.Run("OKPayload", func(t *testing.T) {
		if p.JobID != *created.JobId || p.ProjectID != ts.Cred.ProjectID || p.Status != "FINISHED" || p.State != "SUCCEED" || p.Code != "0" {
			t.Errorf("payload %+v", p)
		}
		audioBytes, _ := fetch(t, p.AudioFileDownloadURL)
		pcm := decodeMP3(t, audioBytes)
		if d := pcm.Duration().Seconds(); p.AudioDuration < 2 || p.AudioDuration > d+0.2 || p.AudioDuration < d-0.2 {
			t.Errorf("audio_duration %.3f s, decoded MP3 %.3f s", p.AudioDuration, d)
		}
		srt, _ := fetch(t, p.SubtitleFileDownloadURL)
		info, _ := fetch(t, p.AudioInfoFileDownloadURL)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, u := range []struct {
			path, ctype string
			want        []byte
		}{
			{"/out/audio.mp3", "audio/mpeg", audioBytes},
			{"/out/subtitle.srt", "application/x-subrip", srt},
			{"/out/info.json", "application/json", info},
		} {
			if !bytes.Equal(rc.uploads[u.path], u.want) {
				t.Errorf("upload %s: %d bytes, want the %d bytes of the job's file", u.path, len(rc.uploads[u.path]), len(u.want))
			}
			if rc.types[u.path] != u.ctype {
				t.Errorf("upload %s: Content-Type %q, want %q", u.path, rc.types[u.path], u.ctype)
			}
		}
	})
}

func TestCallbackOfFailedJob(t *testing.T) {
	rc := newReceiver(t, 0)
	ts := startServer(t, "", func(c *ServeConfig) {
		c.CallbackAllow = "127.0.0.0/8"
		c.ExternalURLAllow = "127.0.0.1"
	})
	c := ts.client(t, ts.Cred)
	for _, test := range []struct {
		name, text, upload, wantMessage string
	}{
		{"ErrEngineCrash", "ENGINE-CRASH-NOW", "", "segment 1"},
		{"ErrUploadForbidden", "Upload this.", rc.URL + "/forbidden/a.wav", "output_external_url"},
	} {
		t.Run(test.name, func(t *testing.T) {
			rc.mu.Lock()
			before := len(rc.calls)
			rc.mu.Unlock()
			body := &model.CreateAsyncTtsJobRequestBody{
				Text: test.text, VoiceAssetId: voiceID(t, "EN"),
				CallbackConfig: &model.TtsCallBackConfig{CallbackUrl: rc.URL + "/callback"},
			}
			if test.upload != "" {
				body.OutputExternalUrl = &test.upload
			}
			created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: body})
			if err != nil {
				t.Fatal(err)
			}
			job := waitAsync(t, c, *created.JobId)
			if *job.State != "FAILED" || !strings.Contains(deref(job.Message).(string), test.wantMessage) {
				t.Errorf("job %s %q, want FAILED mentioning %q", *job.State, deref(job.Message), test.wantMessage)
			}
			calls := rc.waitCalls(t, before+1)
			var p callback.Payload
			if err := json.Unmarshal(calls[before].body, &p); err != nil {
				t.Fatal(err)
			}
			if p.JobID != *created.JobId || p.Status != "ERROR" || p.State != "FAILED" || p.Code == "0" || p.Message != deref(job.Message) {
				t.Errorf("payload %+v", p)
			}
		})
	}
}

// TestHangingCallbackReceiver has a receiver that never answers: each
// attempt gives up after the callback timeout, so the receiver cannot
// hold a worker, and other jobs go on.
func TestHangingCallbackReceiver(t *testing.T) {
	attempts := make(chan struct{}, 16)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second): // far beyond the callback timeout
		}
	}))
	defer hang.Close()
	ts := startServer(t, "", func(c *ServeConfig) {
		c.CallbackAllow = "127.0.0.1"
		c.CallbackTimeout = 300 * time.Millisecond
		c.callbackRetryBase = 50 * time.Millisecond
		c.EngineWorkers = 1 // few queue workers: a held one would show
	})
	c := ts.client(t, ts.Cred)
	en := voiceID(t, "EN")
	for range 3 {
		if _, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
			Text: "Call a receiver that hangs.", VoiceAssetId: en, CallbackConfig: &model.TtsCallBackConfig{CallbackUrl: hang.URL + "/cb"}}}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	// Each of the three callbacks is tried, gives up and is tried again.
	for i := range 6 {
		select {
		case <-attempts:
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d callback attempts in 20 s", i)
		}
	}
	// Meanwhile the queue still works other jobs.
	created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{Text: "Not held up.", VoiceAssetId: en}})
	if err != nil {
		t.Fatal(err)
	}
	if r := waitAsync(t, c, *created.JobId); *r.State != "SUCCEED" {
		t.Errorf("a job beside hanging callbacks: %s", *r.State)
	}
	t.Logf("6 attempts and another job within %v", time.Since(start))
}
