package main

// Fault injection: the blob store failing writes (a file size limit the
// kernel enforces on the real disk store, an S3 server that goes away and
// comes back) and PostgreSQL going away behind a TCP proxy. In each the
// service must answer clearly, retry what can be retried, never hand out a
// partial file, and recover without a restart.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	metastudio "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/blob/s3blob"
	"github.com/openttsc/ttsc/internal/blob/s3blob/s3test"
	"github.com/openttsc/ttsc/internal/voices"
)

// espeakVoice returns a catalogue voice of the language read by
// espeak-ng (the fast engine).
func espeakVoice(t *testing.T, language string) string {
	t.Helper()
	for _, v := range voices.Catalog() {
		if v.Language == language && !v.Preset && v.Engine == voices.EngineEspeak {
			return v.ID
		}
	}
	t.Fatalf("no espeak-ng %s voice in the catalogue", language)
	return ""
}

// fliteVoice returns a catalogue voice read by flite.
func fliteVoice(t *testing.T) string {
	t.Helper()
	for _, v := range voices.Catalog() {
		if !v.Preset && v.Engine == voices.EngineFlite {
			return v.ID
		}
	}
	t.Fatal("no flite voice in the catalogue")
	return ""
}

// logCount counts the server's log lines with msg that name the job.
func logCount(ts *testServer, msg, jobID string) int {
	n := 0
	for line := range strings.SplitSeq(ts.Logs.String(), "\n") {
		if strings.Contains(line, `"msg":"`+msg+`"`) && strings.Contains(line, jobID) {
			n++
		}
	}
	return n
}

// unavailableNow reports whether err is the SDK's report of a 503
// MSS.00000004: a dependency is down, try again.
func unavailableNow(err error) bool {
	var se *sdkerr.ServiceResponseError
	return errors.As(err, &se) && se.StatusCode == http.StatusServiceUnavailable && se.ErrorCode == "MSS.00000004"
}

// waitAsyncWithin polls an async job until it ends, for at most within;
// 503 answers (a dependency down) are polled through. seen is called
// with every answer.
func waitAsyncWithin(t *testing.T, c *metastudio.MetaStudioClient, id string, within time.Duration, seen func(*model.ShowAsyncTtsJobResponse)) *model.ShowAsyncTtsJobResponse {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := c.ShowAsyncTtsJob(&model.ShowAsyncTtsJobRequest{JobId: id})
		switch {
		case err == nil:
			if seen != nil {
				seen(resp)
			}
			if s := *resp.State; s == "SUCCEED" || s == "FAILED" {
				return resp
			}
		case !unavailableNow(err):
			t.Fatalf("ShowAsyncTtsJob(%s): %v", id, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("async job %s has not ended after %v (last answer: %v)", id, within, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// checkPlayable downloads a WAV and checks that it is speech.
func checkPlayable(t *testing.T, u string) *audio.PCM {
	t.Helper()
	b, _ := fetch(t, u)
	p, err := audio.DecodeWAV(b)
	if err == nil {
		err = audio.CheckSpeech(p)
	}
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return p
}

// limitFileSize makes the kernel refuse, for this whole process, writes
// that would take a file past max bytes: a write crossing the limit is
// cut short and the next fails with EFBIG (Go ignores SIGXFSZ), as on a
// full disk. The limit is lifted when the test ends, or by calling the
// function returned.
func limitFileSize(t *testing.T, max uint64) (lift func()) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skipf("no RLIMIT_FSIZE here: %v", err)
	}
	lim := old
	lim.Cur = min(max, old.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skipf("cannot set RLIMIT_FSIZE: %v", err)
	}
	var once sync.Once
	lift = func() {
		once.Do(func() {
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
				t.Errorf("restoring RLIMIT_FSIZE: %v", err)
			}
		})
	}
	t.Cleanup(lift)
	return lift
}

// longText is about n characters of varied English sentences.
func longText(n int) string {
	sentences := []string{
		"The river runs past the old mill and under the stone bridge.",
		"Seven quiet birds sat on the wire, waiting for the rain to stop.",
		"Nobody remembered who had planted the orchard behind the school.",
		"A lamp was burning in the window long after midnight.",
		"She counted the steps twice and still arrived too early.",
	}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "Part %d. %s ", i+1, sentences[i%len(sentences)])
	}
	return b.String()
}

// TestFaultDiskFull fills the disk under the blob store while a job
// stores its audio: the kernel cuts the write short and fails it. The job
// must be retried, then end FAILED saying that the file storage failed,
// and at no point may a file or URL of it exist. Once the disk has room
// again, the same job succeeds without a restart.
func TestFaultDiskFull(t *testing.T) {
	onlyOn(t, "sqlite", "postgres") // the disk blob store
	dir := t.TempDir()
	ts := startServer(t, dir, func(c *ServeConfig) { c.RateQuery = 0 })
	c := ts.client(t, ts.Cred)
	wav := model.GetCreateAsyncTtsJobRequestBodyAudioFormatEnum().WAV
	body := &model.CreateAsyncTtsJobRequestBody{
		Text: longText(4000), VoiceAssetId: espeakVoice(t, "EN"), AudioFormat: &wav, Speed: ptr(int32(50)),
		GenSrt: ptr(true), NeedTimestamp: ptr(true),
	}
	// The audio (about 20 MiB) cannot be written; the database (SQLite
	// here, well under the limit) and the small timing files can.
	const limit = 8 << 20
	lift := limitFileSize(t, limit)

	created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: body})
	if err != nil {
		t.Fatal(err)
	}
	id := *created.JobId
	jobDir := filepath.Join(dir, "blobs", ts.Cred.ProjectID, id)
	states := map[string]bool{}
	listed := map[string]string{} // file path → state it was listed in
	start := time.Now()
	job := waitAsyncWithin(t, c, id, 60*time.Second, func(r *model.ShowAsyncTtsJobResponse) {
		states[*r.State] = true
		// Not the audio, nor subtitles or timings of audio it lacks.
		for _, u := range []*string{r.AudioFileUrl, r.AudioSrtFileUrl, r.AudioInfoFileUrl} {
			if u != nil && *u != "" {
				listed[strings.Split(*u, "?")[0]] = *r.State
			}
		}
		if err := filepath.WalkDir(jobDir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.Contains(d.Name(), "audio") && !strings.Contains(d.Name(), "~tmp-") {
				t.Errorf("audio file %s exists under its final name", p)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("job ended %s after %v: %s", *job.State, time.Since(start).Round(time.Millisecond), deref(job.Message))

	t.Run("ErrFailedAfterRetries", func(t *testing.T) {
		if *job.State != "FAILED" || deref(job.Code) != "MSS.00000004" {
			t.Fatalf("job %s code %v, want FAILED MSS.00000004", *job.State, deref(job.Code))
		}
		if n := logCount(ts, "job attempt failed; will retry", id); n != 2 {
			t.Errorf("%d attempts failed and were retried, want 2 (3 attempts in all)", n)
		}
		for _, want := range []string{"file storage could not store audio-0000.wav", "file too large", "gave up after 3 attempts"} {
			if !strings.Contains(deref(job.Message).(string), want) {
				t.Errorf("message %q does not say %q", deref(job.Message), want)
			}
		}
		if !states["PROCESSING"] && !states["WAITING"] {
			t.Error("never saw the job before it ended; the poll proves nothing")
		}
	})
	t.Run("ErrNoFileListed", func(t *testing.T) {
		for u, state := range listed {
			t.Errorf("state %s listed %s of a job whose audio could not be stored", state, u)
		}
		for _, u := range []*string{job.AudioFileUrl, job.AudioSrtFileUrl, job.AudioInfoFileUrl} {
			if u != nil && *u != "" {
				t.Errorf("failed job lists %s", *u)
			}
		}
		list, err := c.ShowTtsJob(&model.ShowTtsJobRequest{JobId: &id})
		if err != nil {
			t.Fatal(err)
		}
		if list.Data == nil || len(*list.Data) != 1 {
			t.Fatalf("job records: %v, want the one job", list.Data)
		}
		if j := (*list.Data)[0]; j.Files != nil && len(*j.Files) > 0 {
			t.Errorf("job record lists files %+v", *j.Files)
		}
		// Nothing left on disk: no audio, no temporary file, no
		// subtitles or timings that nothing records.
		filepath.WalkDir(jobDir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				t.Errorf("left on disk: %s", p)
			}
			return nil
		})
	})

	lift()
	t.Run("OKAfterSpaceFreed", func(t *testing.T) {
		again, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: body})
		if err != nil {
			t.Fatal(err)
		}
		j := waitAsyncWithin(t, c, *again.JobId, 60*time.Second, nil)
		if *j.State != "SUCCEED" || j.AudioFileUrl == nil {
			t.Fatalf("job %s (%v) after the disk has room, want SUCCEED", *j.State, deref(j.Message))
		}
		if p := checkPlayable(t, *j.AudioFileUrl); len(p.Samples)*2 <= limit {
			t.Errorf("audio of %d bytes; the test needs more than the %d-byte limit to prove anything", len(p.Samples)*2, limit)
		}
	})
}

// TestFaultObjectStoreDown stops the S3 server while async jobs are
// running and starts it again: the jobs must be retried, not failed, and
// all end SUCCEED with playable audio.
func TestFaultObjectStoreDown(t *testing.T) {
	onlyOn(t, "postgres-s3")
	var srv *s3test.Server
	ts := startServer(t, "", func(c *ServeConfig) {
		// A gateway of its own, which the test can stop and restart
		// (backends' credentials are the same).
		var bucket s3blob.Config
		srv, bucket = s3test.StartServer(t)
		c.Blob = fmt.Sprintf("s3://%s?endpoint=%s&region=%s&secure=false", bucket.Bucket, bucket.Endpoint, bucket.Region)
		c.RateQuery, c.RateSynthesis = 0, 0
	})
	c := ts.client(t, ts.Cred)
	wav := model.GetCreateAsyncTtsJobRequestBodyAudioFormatEnum().WAV
	voice := espeakVoice(t, "EN")
	const n = 8
	ids := make([]string, n)
	for i := range ids {
		created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
			Text: fmt.Sprintf("Job %d. %s", i, longText(1500)), VoiceAssetId: voice, AudioFormat: &wav, GenSrt: ptr(true)}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = *created.JobId
	}
	// Stop it once the first job has been picked up, so jobs meet the
	// outage while they run.
	deadline := time.Now().Add(30 * time.Second)
	for state(t, c, ids[0]) == "WAITING" {
		if time.Now().After(deadline) {
			t.Fatal("no job started within 30s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	srv.Stop()
	down := time.Now()
	t.Log("object store stopped")

	// Wait until an attempt has failed on the outage and been handed
	// back for a retry.
	retried := func() int {
		k := 0
		for _, id := range ids {
			if logCount(ts, "job attempt failed; will retry", id) > 0 {
				k++
			}
		}
		return k
	}
	for retried() == 0 {
		for _, id := range ids {
			if logCount(ts, "job failed", id) > 0 {
				t.Fatalf("job %s was ended FAILED by the outage instead of retried: %v", id, deref(waitAsyncWithin(t, c, id, time.Second, nil).Message))
			}
		}
		if time.Since(down) > 40*time.Second {
			t.Fatal("no attempt failed within 40s of the object store going down")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("a job was handed back for a retry %v after the outage began", time.Since(down).Round(time.Millisecond))
	t.Run("ErrNoJobFailedWhileDown", func(t *testing.T) {
		for _, id := range ids {
			resp, err := c.ShowAsyncTtsJob(&model.ShowAsyncTtsJobRequest{JobId: id})
			if err != nil {
				// A finished job's URL cannot be presigned while the
				// store is down: 503, never 500.
				if !unavailableNow(err) {
					t.Errorf("job %s while the store is down: %v, want it or 503 MSS.00000004", id, err)
				}
				continue
			}
			if *resp.State == "FAILED" {
				t.Errorf("job %s FAILED on a short outage: %v", id, deref(resp.Message))
			}
		}
	})
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	t.Logf("object store back after %v", time.Since(down).Round(time.Millisecond))

	t.Run("OKAllSucceedAfterRestart", func(t *testing.T) {
		for _, id := range ids {
			j := waitAsyncWithin(t, c, id, 90*time.Second, nil)
			if *j.State != "SUCCEED" || j.AudioFileUrl == nil {
				t.Errorf("job %s ended %s: %v", id, *j.State, deref(j.Message))
				continue
			}
			checkPlayable(t, *j.AudioFileUrl)
		}
		t.Logf("%d of %d jobs were retried", retried(), n)
	})
}

// tcpProxy forwards connections to a target; down closes every
// connection and refuses new ones, as a database server that went away;
// stall forwards nothing more, on open connections or new ones, as a
// server that hangs.
type tcpProxy struct {
	t      *testing.T
	target string
	addr   string

	mu      sync.Mutex
	ln      net.Listener
	conns   map[net.Conn]bool
	stalled bool
	wg      sync.WaitGroup
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	p := &tcpProxy{t: t, target: target, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	p.up()
	t.Cleanup(func() {
		p.down()
		p.wg.Wait()
	})
	return p
}

// up listens again on the proxy's address.
func (p *tcpProxy) up() {
	p.t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.forward(c)
			}()
		}
	}()
}

func (p *tcpProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *tcpProxy) forward(c net.Conn) {
	p.mu.Lock()
	stalled := p.stalled
	p.mu.Unlock()
	if stalled {
		// Accept, read, never answer, until down or resume closes it.
		if p.track(c) {
			io.Copy(io.Discard, c)
			p.mu.Lock()
			delete(p.conns, c)
			p.mu.Unlock()
		}
		c.Close()
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c) || !p.track(up) {
		c.Close()
		up.Close()
		return
	}
	done := make(chan struct{}, 2)
	go func() { p.copy(up, c); done <- struct{}{} }()
	go func() { p.copy(c, up); done <- struct{}{} }()
	<-done
	c.Close()
	up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// copy forwards from src to dst, dropping what arrives while stalled.
func (p *tcpProxy) copy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			stalled := p.stalled
			p.mu.Unlock()
			if !stalled {
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// stall stops forwarding: open connections and new ones get no answer
// until resume.
func (p *tcpProxy) stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = true
}

// resume ends a stall: the connections open (whose streams lost bytes)
// are closed, new ones are forwarded again.
func (p *tcpProxy) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stalled = false
	for c := range p.conns {
		c.Close()
	}
}

// down closes the listener and every connection: new connections are
// refused, open ones fail.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

// TestFaultDatabaseDown puts a TCP proxy between the server and
// PostgreSQL and takes it away: the API must answer 503 with
// MetaStudio's body at once (never 500, never a hang), /readyz 503, and
// once the database is back everything works again without a restart and
// the jobs created before the outage complete.
func TestFaultDatabaseDown(t *testing.T) {
	onlyOn(t, "postgres", "postgres-s3")
	var proxy *tcpProxy
	ts := startServer(t, "", func(c *ServeConfig) {
		u, err := url.Parse(c.Database)
		if err != nil {
			t.Fatal(err)
		}
		proxy = startProxy(t, u.Host)
		u.Host = proxy.addr
		c.Database = u.String()
		c.RateQuery, c.RateSynthesis = 0, 0
		// Bound the recovery of a job whose attempt the outage cut off.
		c.JobTimeout, c.RescueAfter = 20*time.Second, 25*time.Second
	})
	c := ts.client(t, ts.Cred)
	token := ts.token(t)
	voice := espeakVoice(t, "EN")
	project := ts.Cred.ProjectID

	// Jobs created before the outage: previews and async jobs, read by
	// flite (slow enough that some run when it starts).
	slow := fliteVoice(t)
	var previews, asyncs []string
	for i := range 3 {
		p, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{
			Text: fmt.Sprintf("Preview %d. %s", i, longText(400)), Emotion: slow}})
		if err != nil {
			t.Fatal(err)
		}
		previews = append(previews, *p.JobId)
		a, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
			Text: fmt.Sprintf("Async %d. %s", i, longText(400)), VoiceAssetId: slow}})
		if err != nil {
			t.Fatal(err)
		}
		asyncs = append(asyncs, *a.JobId)
	}
	// Take it down once every job has been handed to a worker: a fetch
	// the outage cuts off after PostgreSQL committed it leaves its jobs
	// running with no worker until River's rescuer (every 30 s, after
	// RescueAfter) hands them out again, which would only make this test
	// slow.
	deadline := time.Now().Add(15 * time.Second)
	for {
		list, err := c.ShowTtsJob(&model.ShowTtsJobRequest{Limit: ptr(int32(100))})
		if err != nil {
			t.Fatal(err)
		}
		waiting := 0
		for _, j := range *list.Data {
			if deref(j.JobState) == "WAITING" {
				waiting++
			}
		}
		if waiting == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs still waiting after 15s", waiting)
		}
		time.Sleep(5 * time.Millisecond)
	}

	proxy.down()
	t.Log("database down")
	// Credentials verified in the last 5 s are remembered; 6 s on, every
	// request must ask the database.
	ts.Clock.Advance(6 * time.Second)

	const bound = 5 * time.Second
	body := `{"text":"Hello.","emotion":"` + voice + `"}`
	asyncBody := `{"text":"Hello.","voice_asset_id":"` + voice + `"}`
	unknownJob := "0123456789abcdef0123456789abcdef"
	for _, test := range []struct {
		name string
		req  func() *http.Request
	}{
		{"ErrCreatePreview503", func() *http.Request {
			return ts.signedRequest(t, "POST", "/v1/"+project+"/ttsc/audition", body, "application/json", time.Now())
		}},
		{"ErrCreateAsyncJob503", func() *http.Request {
			return ts.signedRequest(t, "POST", "/v1/"+project+"/ttsc/async-jobs", asyncBody, "application/json", time.Now())
		}},
		{"ErrShowPreview503", func() *http.Request {
			return ts.signedRequest(t, "GET", "/v1/"+project+"/ttsc/audition-file/"+unknownJob, "", "", time.Now())
		}},
		{"ErrShowAsyncJob503", func() *http.Request {
			return ts.signedRequest(t, "GET", "/v1/"+project+"/ttsc/async-jobs/"+unknownJob, "", "", time.Now())
		}},
		{"ErrListJobs503", func() *http.Request {
			return ts.signedRequest(t, "GET", "/v1/"+project+"/ttsc/tts-jobs", "", "", time.Now())
		}},
		{"ErrListVoicesSigned503", func() *http.Request {
			return ts.signedRequest(t, "GET", "/v1/"+project+"/digital-assets", "", "", time.Now())
		}},
		{"ErrListVoicesToken503", func() *http.Request {
			r, _ := http.NewRequest("GET", ts.URL+"/v1/"+project+"/digital-assets", nil)
			r.Header.Set("X-Auth-Token", token)
			return r
		}},
		{"ErrVocabulary503", func() *http.Request {
			r, _ := http.NewRequest("GET", ts.URL+"/v1/"+project+"/ttsc/vocabulary-configs", nil)
			r.Header.Set("X-Auth-Token", token)
			return r
		}},
		{"ErrReadyz503", func() *http.Request {
			r, _ := http.NewRequest("GET", ts.URL+"/readyz", nil)
			return r
		}},
		{"ErrHealthz503", func() *http.Request {
			r, _ := http.NewRequest("GET", ts.URL+"/healthz", nil)
			return r
		}},
	} {
		t.Run(test.name, func(t *testing.T) {
			client := &http.Client{Timeout: 2 * bound}
			start := time.Now()
			resp, err := client.Do(test.req())
			if err != nil {
				t.Fatalf("no answer within %v: %v", 2*bound, err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if took := time.Since(start); took > bound {
				t.Errorf("answered after %v, want within %v", took.Round(time.Millisecond), bound)
			}
			var e errorBody
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatalf("status %d, body %q is not MetaStudio's error body: %v", resp.StatusCode, raw, err)
			}
			if resp.StatusCode != http.StatusServiceUnavailable || e.ErrorCode != "MSS.00000004" {
				t.Errorf("status %d code %q (%s), want 503 MSS.00000004", resp.StatusCode, e.ErrorCode, e.ErrorMsg)
			}
			if !strings.Contains(e.ErrorMsg, "database is unavailable") {
				t.Errorf("error_msg %q does not say the database is unavailable", e.ErrorMsg)
			}
			if e.RequestID == "" || e.RequestID != resp.Header.Get("X-Request-Id") {
				t.Errorf("request_id %q, X-Request-Id %q", e.RequestID, resp.Header.Get("X-Request-Id"))
			}
		})
	}
	t.Run("ErrSDKSees503", func(t *testing.T) {
		_, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "Hello.", Emotion: voice}})
		sdkError(t, err, http.StatusServiceUnavailable, "MSS.00000004")
	})
	ts.Clock.Advance(-6 * time.Second)
	// The outage lasts until a running job has met it: its attempt must
	// be handed back for a retry, not end the job.
	t.Run("ErrRunningJobRetried", func(t *testing.T) {
		metIt := func() bool {
			for line := range strings.SplitSeq(ts.Logs.String(), "\n") {
				if strings.Contains(line, "job attempt failed; will retry") && strings.Contains(line, "database is unavailable") {
					return true
				}
			}
			return false
		}
		deadline := time.Now().Add(15 * time.Second)
		for !metIt() {
			if time.Now().After(deadline) {
				t.Fatal("no running job met the outage within 15s; the test proves less than it should")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if strings.Contains(ts.Logs.String(), `"msg":"job failed"`) {
			t.Error("a job was ended FAILED by the outage")
		}
	})

	proxy.up()
	back := time.Now()
	t.Log("database back")
	t.Run("OKRecoversWithoutRestart", func(t *testing.T) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get(ts.URL + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("/readyz not 200 within 30s of the database coming back: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("/readyz 200 %v after the database came back", time.Since(back).Round(time.Millisecond))
		p, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "Back again.", Emotion: voice}})
		if err != nil {
			t.Fatalf("CreateTtsAudition after recovery: %v", err)
		}
		if r := waitAudition(t, c, *p.JobId); deref(r.Code) != "0" {
			t.Errorf("preview after recovery: code %v %v", deref(r.Code), deref(r.Message))
		}
	})
	t.Run("OKJobsFromBeforeComplete", func(t *testing.T) {
		for _, id := range previews {
			r := waitAudition(t, c, id)
			if deref(r.Code) != "0" || r.Files == nil || len(*r.Files) == 0 {
				t.Errorf("preview %s: code %v %v", id, deref(r.Code), deref(r.Message))
				continue
			}
			for _, f := range *r.Files {
				p, err := audio.DecodeWAV(download(t, f.DownloadUrl))
				if err != nil || len(p.Samples) == 0 {
					t.Errorf("preview %s file: %v", id, err)
				}
			}
		}
		for _, id := range asyncs {
			j := waitAsyncWithin(t, c, id, 60*time.Second, nil)
			if *j.State != "SUCCEED" || j.AudioFileUrl == nil {
				t.Errorf("async job %s ended %s: %v", id, *j.State, deref(j.Message))
				continue
			}
			checkPlayable(t, *j.AudioFileUrl)
		}
		t.Logf("all jobs from before the outage done %v after it ended", time.Since(back).Round(time.Millisecond))
	})

	// A database that hangs instead: nothing it is sent is answered, on
	// open connections or new ones. Requests must still end, with 503,
	// once the bound of a store operation (15 s), or of the health check
	// (5 s), has passed.
	proxy.stall()
	ts.Clock.Advance(6 * time.Second) // past the credential cache again
	t.Run("ErrHungDatabase", func(t *testing.T) {
		const hungBound = 17 * time.Second
		for _, test := range []struct{ name, path string }{
			{"Readyz503", "/readyz"},
			{"ListJobs503", "/v1/" + project + "/ttsc/tts-jobs"},
			{"ShowJob503", "/v1/" + project + "/ttsc/async-jobs/" + unknownJob},
		} {
			t.Run(test.name, func(t *testing.T) {
				t.Parallel()
				r, _ := http.NewRequest("GET", ts.URL+test.path, nil)
				r.Header.Set("X-Auth-Token", token)
				start := time.Now()
				resp, err := (&http.Client{Timeout: 2 * hungBound}).Do(r)
				if err != nil {
					t.Fatalf("no answer within %v: %v", 2*hungBound, err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				took := time.Since(start)
				var e errorBody
				json.Unmarshal(raw, &e)
				if took > hungBound || resp.StatusCode != http.StatusServiceUnavailable || e.ErrorCode != "MSS.00000004" {
					t.Errorf("%d %s (%s) after %v; want 503 MSS.00000004 within %v", resp.StatusCode, e.ErrorCode, e.ErrorMsg, took.Round(time.Millisecond), hungBound)
				}
			})
		}
	})
	ts.Clock.Advance(-6 * time.Second)
	proxy.resume()
	t.Run("OKRecoversFromHang", func(t *testing.T) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := c.ShowTtsJob(&model.ShowTtsJobRequest{})
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("API not back within 30s of the database answering again: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	if strings.Contains(ts.Logs.String(), "panic") {
		t.Error("the server logged a panic")
	}
}

// TestFaultJobTimeout runs a job that no attempt can finish within the
// job timeout: it must end FAILED saying so after its attempts. (Before,
// the last attempt's timeout left it PROCESSING for ever: River discarded
// the job and nothing ended it.)
func TestFaultJobTimeout(t *testing.T) {
	const jobTimeout = time.Second
	ts := startServer(t, "", func(c *ServeConfig) {
		c.JobTimeout = jobTimeout
		c.RateQuery = 0
	})
	c := ts.client(t, ts.Cred)
	// flite reads each 300 digits for 3 s or more, and the job has ten.
	created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
		Text: randomRun(4, 3000, "0123456789"), VoiceAssetId: fliteVoice(t)}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	job := waitAsyncWithin(t, c, *created.JobId, 45*time.Second, nil)
	t.Logf("ended %s after %v: %v", *job.State, time.Since(start).Round(time.Millisecond), deref(job.Message))
	t.Run("ErrFailedAfterItsAttempts", func(t *testing.T) {
		want := fmt.Sprintf("did not finish within the time limit of an attempt (%s), in 3 attempts", jobTimeout)
		if *job.State != "FAILED" || deref(job.Code) != "MSS.00000004" || !strings.Contains(deref(job.Message).(string), want) {
			t.Errorf("job %s code %v %q; want FAILED MSS.00000004 saying %q", *job.State, deref(job.Code), deref(job.Message), want)
		}
		if n := logCount(ts, "job attempt failed; will retry", *created.JobId); n != 2 {
			t.Errorf("%d attempts handed back for a retry, want 2", n)
		}
	})
	t.Run("OKServerStillReads", func(t *testing.T) {
		p, _ := previewPCM(t, c, &model.CreateTtsAuditionRequestBody{Text: "Still reading.", Emotion: fliteVoice(t)})
		if err := audio.CheckSpeech(p); err != nil {
			t.Error(err)
		}
	})
}
