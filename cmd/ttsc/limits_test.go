package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"
)

func TestRateLimit(t *testing.T) {
	ts := startServer(t, "", func(c *ServeConfig) { c.RateSynthesis = 1 })
	c := ts.client(t, ts.Cred)
	en := voiceID(t, "EN")
	var refused error
	for range 5 {
		if _, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "Throttled.", Emotion: en}}); err != nil {
			refused = err
			break
		}
	}
	sdkError(t, refused, http.StatusTooManyRequests, "APIGW.0308")
	// Reads are another family: still allowed.
	if _, err := c.ShowTtsJob(&model.ShowTtsJobRequest{}); err != nil {
		t.Errorf("a query after synthesis was throttled: %v", err)
	}
	// The raw answer says when to retry.
	var e errorBody
	resp := do(t, ts.signedRequest(t, "POST", "/v1/"+ts.Cred.ProjectID+"/ttsc/audition",
		`{"text":"again","emotion":"`+en+`"}`, "application/json", ts.Clock.Now()), &e)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(e.ErrorMsg, "synthesis") {
		t.Errorf("status %d, Retry-After %q, message %q", resp.StatusCode, resp.Header.Get("Retry-After"), e.ErrorMsg)
	}
}

func TestUnfinishedJobsCap(t *testing.T) {
	ts := startServer(t, "", func(c *ServeConfig) { c.MaxUnfinished = 1 })
	c := ts.client(t, ts.Cred)
	long := strings.Repeat("A long text keeps the first job busy for a while. ", 150)
	first, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{Text: long, VoiceAssetId: voiceID(t, "EN")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{Text: "Second.", VoiceAssetId: voiceID(t, "EN")}})
	sdkError(t, err, http.StatusTooManyRequests, "APIGW.0308")
	waitAsync(t, c, *first.JobId)
	if _, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{Text: "Now.", VoiceAssetId: voiceID(t, "EN")}}); err != nil {
		t.Errorf("after the first job ended: %v", err)
	}
}

func TestStreamLimit(t *testing.T) {
	ts := startServer(t, "", func(c *ServeConfig) { c.MaxStreamsPerProject = 1 })
	value := ts.token(t)
	u := "ws" + strings.TrimPrefix(ts.URL, "http") + "/v1/" + ts.Cred.ProjectID + "/ttsc/jobs"
	opts := &websocket.DialOptions{HTTPHeader: http.Header{"X-Auth-Token": {value}, "X-Voice-Asset-Id": {voiceID(t, "EN")}}}
	ctx := context.Background()
	first, _, err := websocket.Dial(ctx, u, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, resp, err := websocket.Dial(ctx, u, opts); err == nil || resp == nil || resp.StatusCode != 429 {
		t.Errorf("a second stream: %v, want 429", err)
	}
	first.Close(websocket.StatusNormalClosure, "")
	time.Sleep(100 * time.Millisecond)
	second, _, err := websocket.Dial(ctx, u, opts)
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	second.Close(websocket.StatusNormalClosure, "")
}
