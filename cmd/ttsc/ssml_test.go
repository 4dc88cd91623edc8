package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc/internal/audio"
)

// asyncWAV runs an async WAV job with timestamps and returns its audio and
// audio info.
func asyncWAV(t *testing.T, ts *testServer, text string) (*audio.PCM, *audio.Info) {
	t.Helper()
	c := ts.client(t, ts.Cred)
	created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
		Text: text, VoiceAssetId: voiceID(t, "EN"), NeedTimestamp: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	resp := waitAsync(t, c, *created.JobId)
	if *resp.State != "SUCCEED" {
		t.Fatalf("job %s: %s", *resp.State, deref(resp.Message))
	}
	wav, _ := fetch(t, *resp.AudioFileUrl)
	p, err := audio.DecodeWAV(wav)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := fetch(t, *resp.AudioInfoFileUrl)
	var info audio.Info
	if err := json.Unmarshal(data, &info); err != nil {
		t.Fatal(err)
	}
	return p, &info
}

// longestQuiet returns the longest stretch of p below -50 dBFS.
func longestQuiet(p *audio.PCM) time.Duration {
	const threshold = 32768 / 316 // -50 dBFS
	longest, run := 0, 0
	for _, s := range p.Samples {
		if s < threshold && s > -threshold {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return time.Duration(longest) * time.Second / time.Duration(p.Rate*p.Channels)
}

func TestSSML(t *testing.T) {
	ts := startServer(t, "")
	plain, _ := asyncWAV(t, ts, "The first sentence. The second sentence.")
	t.Run("OKBreakAddsSilence", func(t *testing.T) {
		p, info := asyncWAV(t, ts, `<speak>The first sentence. <break time="2s"/>The second sentence.</speak>`)
		if d := p.Duration() - plain.Duration(); d < 1500*time.Millisecond || d > 2600*time.Millisecond {
			t.Errorf("with a 2 s break the audio lasts %v, without %v", p.Duration(), plain.Duration())
		}
		if q := longestQuiet(p); q < 1900*time.Millisecond {
			t.Errorf("longest silence %v, want the 2 s break", q)
		}
		var words []string
		for _, w := range info.Words {
			words = append(words, w.Text)
		}
		if got := strings.Join(words, " "); got != "The first sentence The second sentence" {
			t.Errorf("timestamps name %q; want the words without markup", got)
		}
		second := info.Words[3]
		if second.BeginChar != 20 || second.BeginMs < 2000 {
			t.Errorf("the second sentence starts at character %d, %d ms; want 20, after the break", second.BeginChar, second.BeginMs)
		}
	})
	t.Run("OKProsodyRate", func(t *testing.T) {
		p, _ := asyncWAV(t, ts, `<speak><prosody rate="x-slow">The first sentence. The second sentence.</prosody></speak>`)
		if r := p.Duration().Seconds() / plain.Duration().Seconds(); r < 1.5 {
			t.Errorf("at x-slow the audio lasts %v, %.2f times the plain %v; want about twice", p.Duration(), r, plain.Duration())
		}
	})
	t.Run("OKProsodyVolume", func(t *testing.T) {
		p, _ := asyncWAV(t, ts, `<speak><prosody volume="-12dB">The first sentence. The second sentence.</prosody></speak>`)
		loud, soft := audio.Analyze(plain), audio.Analyze(p)
		if d := loud.RMSdBFS - soft.RMSdBFS; d < 10 || d > 14 {
			t.Errorf("-12dB made the speech %.1f dB quieter (%s vs %s)", d, soft, loud)
		}
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		c := ts.client(t, ts.Cred)
		_, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{
			Text: `<speak>Hi <prosody rate="fastest">there</prosody></speak>`, Emotion: voiceID(t, "EN")}})
		sdkError(t, err, http.StatusBadRequest, "MSS.00000003")
		for _, want := range []string{"field text", "<prosody>", "line 1, column 11", "fastest"} {
			if err != nil && !strings.Contains(err.Error(), want) {
				t.Errorf("%v does not mention %q", err, want)
			}
		}
	})
}
