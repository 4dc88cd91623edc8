package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
)

// streamResult is what one START brought back.
type streamResult struct {
	start, end map[string]any
	words      []string
	pcm        []int16
	errFrame   map[string]any
}

// readStream reads frames up to the "end" or "error" of one command.
func readStream(t *testing.T, ctx context.Context, c *websocket.Conn) streamResult {
	t.Helper()
	var r streamResult
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if typ == websocket.MessageBinary {
			if r.start == nil {
				t.Fatal("audio before the start frame")
			}
			for i := 0; i+1 < len(b); i += 2 {
				r.pcm = append(r.pcm, int16(binary.LittleEndian.Uint16(b[i:])))
			}
			continue
		}
		var f map[string]any
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		switch f["type"] {
		case "start":
			r.start = f
		case "word":
			r.words = append(r.words, f["text"].(string))
		case "end", "preloaded":
			r.end = f
			return r
		case "error":
			r.errFrame = f
			return r
		}
	}
}

func TestStreaming(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	value := ts.token(t)
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/v1/" + ts.Cred.ProjectID + "/ttsc/jobs"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	voice := voiceID(t, "EN")

	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"X-Auth-Token": {value}, "X-Voice-Asset-Id": {voice}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	texts := []string{"Streaming reads the text as it goes. The first words arrive at once.", "A second text on the same connection."}
	for i, text := range texts {
		t.Run("OKText"+string(rune('1'+i)), func(t *testing.T) {
			if err := wsjson.Write(ctx, conn, map[string]any{"command": "START", "text": text, "job_id": "client-" + string(rune('a'+i))}); err != nil {
				t.Fatal(err)
			}
			r := readStream(t, ctx, conn)
			if r.errFrame != nil {
				t.Fatalf("error frame %v", r.errFrame)
			}
			rate := int(r.start["sample_rate"].(float64))
			p := &audio.PCM{Rate: rate, Channels: 1, Samples: r.pcm}
			if err := audio.CheckSpeech(p); err != nil {
				t.Error(err)
			}
			if d := int64(r.end["duration_ms"].(float64)); d != p.Duration().Milliseconds() {
				t.Errorf("end says %d ms, audio lasts %v", d, p.Duration())
			}
			if got, want := strings.Join(r.words, " "), strings.Join(words(text), " "); !strings.EqualFold(strings.ReplaceAll(got, ".", ""), want) {
				t.Errorf("word frames %q, want %q", got, want)
			}
		})
	}
	t.Run("OKPreload", func(t *testing.T) {
		wsjson.Write(ctx, conn, map[string]any{"command": "PRELOAD"})
		if r := readStream(t, ctx, conn); r.end == nil {
			t.Errorf("no preloaded frame: %+v", r)
		}
	})
	t.Run("ErrBadCommandKeepsConnection", func(t *testing.T) {
		for _, cmd := range []map[string]any{{"command": "STOP"}, {"command": "START", "text": ""}, {"command": "START", "text": "<speak><voice/></speak>"}} {
			wsjson.Write(ctx, conn, cmd)
			r := readStream(t, ctx, conn)
			if r.errFrame == nil || r.errFrame["error_code"] != "MSS.00000003" {
				t.Errorf("%v: %+v, want an MSS.00000003 error frame", cmd, r.errFrame)
			}
		}
		wsjson.Write(ctx, conn, map[string]any{"command": "START", "text": "Still here."})
		if r := readStream(t, ctx, conn); r.end == nil {
			t.Error("the connection did not survive the errors")
		}
	})
	conn.Close(websocket.StatusNormalClosure, "")

	t.Run("OKOnceCodeSingleUse", func(t *testing.T) {
		code, err := c.CreateTtsOnceCode(&model.CreateTtsOnceCodeRequest{})
		if err != nil {
			t.Fatal(err)
		}
		u := wsURL + "?once_code=" + *code.OnceCode + "&voice_asset_id=" + voice
		conn, _, err := websocket.Dial(ctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		wsjson.Write(ctx, conn, map[string]any{"command": "START", "text": "With a once code."})
		if r := readStream(t, ctx, conn); r.end == nil {
			t.Errorf("%+v", r)
		}
		conn.Close(websocket.StatusNormalClosure, "")
		if _, resp, err := websocket.Dial(ctx, u, nil); err == nil || resp == nil || resp.StatusCode != 401 {
			t.Errorf("the once code worked twice: %v", err)
		}
	})
	t.Run("ErrDial", func(t *testing.T) {
		for _, test := range []struct {
			name   string
			url    string
			header http.Header
			status int
		}{
			{"NoCredentials", wsURL + "?voice_asset_id=" + voice, nil, 401},
			{"UnknownVoice", wsURL, http.Header{"X-Auth-Token": {value}, "X-Voice-Asset-Id": {strings.Repeat("0", 32)}}, 400},
			{"NoVoice", wsURL, http.Header{"X-Auth-Token": {value}}, 400},
		} {
			_, resp, err := websocket.Dial(ctx, test.url, &websocket.DialOptions{HTTPHeader: test.header})
			if err == nil || resp == nil || resp.StatusCode != test.status {
				t.Errorf("%s: %v %v, want %d", test.name, resp, err, test.status)
			}
		}
	})
	t.Run("OKListedAsWebsocketJobs", func(t *testing.T) {
		list, err := c.ShowTtsJob(&model.ShowTtsJobRequest{JobType: ptr("WEBSOCKET")})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, d := range *list.Data {
			if d.WebsocketJobId != nil && *d.WebsocketJobId == "client-a" && *d.JobState == "SUCCEED" {
				found = true
			}
		}
		if *list.Count < 4 || !found {
			t.Errorf("%d WEBSOCKET jobs, client-a found %v", *list.Count, found)
		}
	})
}

// TestStreamPastItsTimeoutEndsFailed checks the bound the orphan sweep
// relies on to tell a dead process's streamed jobs from live ones: a
// START still streaming at --job-timeout ends FAILED.
func TestStreamPastItsTimeoutEndsFailed(t *testing.T) {
	ts := startServer(t, "", func(c *ServeConfig) { c.JobTimeout = time.Second })
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/v1/" + ts.Cred.ProjectID + "/ttsc/jobs"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{
		"X-Auth-Token": {ts.token(t)}, "X-Voice-Asset-Id": {fliteVoice(t)}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	// flite reads 3,000 digits for half a minute or more.
	if err := wsjson.Write(ctx, conn, map[string]any{"command": "START", "text": randomRun(5, 3000, "0123456789")}); err != nil {
		t.Fatal(err)
	}
	// The bound ends the START with an error frame, or, when it cuts a
	// frame short, with the connection.
	var errFrame map[string]any
	for errFrame == nil {
		typ, b, err := conn.Read(ctx)
		if err != nil {
			t.Logf("connection closed: %v", err)
			break
		}
		var f map[string]any
		if typ == websocket.MessageText && json.Unmarshal(b, &f) == nil && f["type"] == "error" {
			errFrame = f
		}
		if typ == websocket.MessageText && f["type"] == "end" {
			t.Fatal("the stream ended within its time limit; the test proves nothing")
		}
	}
	const message = "the stream of this text did not end within the time limit of a streamed job (1s)"
	if errFrame != nil && (errFrame["error_code"] != "MSS.00000004" || !strings.HasPrefix(errFrame["error_msg"].(string), message)) {
		t.Errorf("error frame %v; want MSS.00000004 %q…", errFrame, message)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		jobs, _, err := ts.db.ListJobs(ctx, ttsc.JobFilter{ProjectID: ts.Cred.ProjectID, Type: ttsc.JobWebSocket})
		if err != nil || len(jobs) != 1 {
			t.Fatalf("streamed jobs %v, %v; want one", jobs, err)
		}
		if j := jobs[0]; j.State.Ended() {
			if j.State != ttsc.JobFailed || j.Code != "MSS.00000004" || !strings.HasPrefix(j.Message, message) {
				t.Errorf("job %s %q %q; want FAILED MSS.00000004 %q…", j.State, j.Code, j.Message, message)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job is %s 10 s after its time limit", jobs[0].State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestShutdownFinishesStreams stops the server while one stream reads a
// long text and another waits for its next: the busy one gets the whole
// text and its end frame before its connection closes, the idle one is
// closed at once, both with StatusGoingAway, and the text's job is
// recorded SUCCEED (a restart would end it FAILED otherwise).
func TestShutdownFinishesStreams(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir)
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/v1/" + ts.Cred.ProjectID + "/ttsc/jobs"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dial := func() *websocket.Conn {
		conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{
			"X-Auth-Token": {ts.token(t)}, "X-Voice-Asset-Id": {voiceID(t, "EN")}}})
		if err != nil {
			t.Fatal(err)
		}
		conn.SetReadLimit(16 << 20)
		t.Cleanup(func() { conn.CloseNow() })
		return conn
	}
	busy, idle := dial(), dial()
	// About three minutes of audio: more than the connection's buffers
	// hold, so the server is still sending it while it shuts down.
	text := longText(3000)
	if err := wsjson.Write(ctx, busy, map[string]any{"command": "START", "text": text}); err != nil {
		t.Fatal(err)
	}
	// The drain begins while the text is being sent: its audio fills the
	// connection's buffers long before the last of it is read.
	time.Sleep(200 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- ts.Close() }()
	time.Sleep(200 * time.Millisecond)

	t.Run("OKIdleStreamClosedGoingAway", func(t *testing.T) {
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		_, _, err := idle.Read(rctx)
		if st := websocket.CloseStatus(err); st != websocket.StatusGoingAway {
			t.Errorf("idle stream: %v (status %v), want StatusGoingAway", err, st)
		}
	})
	t.Run("OKBusyStreamEndsItsTextThenGoingAway", func(t *testing.T) {
		r := readStream(t, ctx, busy)
		if r.errFrame != nil || r.end == nil {
			t.Fatalf("busy stream ended with %v, want its end frame", r.errFrame)
		}
		if d := int64(r.end["duration_ms"].(float64)); d != int64(len(r.pcm))*1000/int64(r.start["sample_rate"].(float64)) {
			t.Errorf("end frame says %d ms, %d samples came", d, len(r.pcm))
		}
		_, _, err := busy.Read(ctx)
		if st := websocket.CloseStatus(err); st != websocket.StatusGoingAway {
			t.Errorf("after its text: %v (status %v), want StatusGoingAway", err, st)
		}
	})
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Run("OKJobRecordedSucceed", func(t *testing.T) {
		cred := ts.Cred
		ts2 := startServer(t, dir, func(c *ServeConfig) { c.Database, c.Blob = ts.Config.Database, ts.Config.Blob })
		jobs, _, err := ts2.db.ListJobs(ctx, ttsc.JobFilter{ProjectID: cred.ProjectID, Type: ttsc.JobWebSocket})
		if err != nil || len(jobs) != 1 {
			t.Fatalf("streamed jobs %v, %v; want one", jobs, err)
		}
		if j := jobs[0]; j.State != ttsc.JobSucceeded {
			t.Errorf("streamed job %s %q %q; want SUCCEED", j.State, j.Code, j.Message)
		}
	})
}

// TestStreamOfClientGoneStopsWaiting has one stream hold the only engine
// host for seconds while a second waits for it; the second client goes
// away, and its text ends FAILED at once, before the first stream's audio
// comes, rather than being read to nobody once the host is free.
func TestStreamOfClientGoneStopsWaiting(t *testing.T) {
	ts := startServer(t, "", func(c *ServeConfig) { c.EngineWorkers = 1 })
	wsURL := "ws" + strings.TrimPrefix(ts.URL, "http") + "/v1/" + ts.Cred.ProjectID + "/ttsc/jobs"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dial := func(voice string) *websocket.Conn {
		conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{
			"X-Auth-Token": {ts.token(t)}, "X-Voice-Asset-Id": {voice}}})
		if err != nil {
			t.Fatal(err)
		}
		conn.SetReadLimit(16 << 20)
		t.Cleanup(func() { conn.CloseNow() })
		return conn
	}
	// streamed returns the streamed jobs once there are n, all PROCESSING.
	streamed := func(n int) []*ttsc.Job {
		for {
			jobs, _, err := ts.db.ListJobs(ctx, ttsc.JobFilter{ProjectID: ts.Cred.ProjectID, Type: ttsc.JobWebSocket})
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs) == n && !slices.ContainsFunc(jobs, func(j *ttsc.Job) bool { return j.State != ttsc.JobProcessing }) {
				return jobs
			}
			if ctx.Err() != nil {
				t.Fatalf("waiting for %d streamed jobs, PROCESSING: %v", n, jobs)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// flite reads one segment of 300 digits at speed 50 for about 3 s.
	holder := dial(fliteVoice(t))
	if err := wsjson.Write(ctx, holder, map[string]any{"command": "START", "text": randomRun(7, 300, "0123456789"), "speed": 50}); err != nil {
		t.Fatal(err)
	}
	held := streamed(1)[0]
	firstAudio := make(chan time.Time, 1)
	go func() {
		for {
			typ, _, err := holder.Read(ctx)
			if err != nil || typ == websocket.MessageBinary {
				firstAudio <- time.Now()
				return
			}
		}
	}()

	gone := dial(espeakVoice(t, "EN"))
	if err := wsjson.Write(ctx, gone, map[string]any{"command": "START", "text": "Nobody will hear this."}); err != nil {
		t.Fatal(err)
	}
	var waiting *ttsc.Job
	for _, j := range streamed(2) {
		if j.ID != held.ID {
			waiting = j
		}
	}
	gone.CloseNow()
	for {
		j, err := ts.db.Job(ctx, ts.Cred.ProjectID, waiting.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State.Ended() {
			if j.State != ttsc.JobFailed {
				t.Errorf("the gone client's job ended %s, want FAILED", j.State)
			}
			break
		}
		select {
		case at := <-firstAudio:
			t.Fatalf("the first stream's audio came at %v while the gone client's job was still %s", at.Format(time.StampMilli), j.State)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
