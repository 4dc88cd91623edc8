package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	metastudio "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/audio/mp3"
)

// waitAsync polls an async job until it ends.
func waitAsync(t *testing.T, c *metastudio.MetaStudioClient, jobID string) *model.ShowAsyncTtsJobResponse {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := c.ShowAsyncTtsJob(&model.ShowAsyncTtsJobRequest{JobId: jobID})
		if err != nil {
			t.Fatalf("ShowAsyncTtsJob: %v", err)
		}
		if s := *resp.State; s == "SUCCEED" || s == "FAILED" {
			return resp
		}
		if time.Now().After(deadline) {
			t.Fatalf("async job %s still %s after 90s", jobID, *resp.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fetch(t *testing.T, u string) ([]byte, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", u, resp.StatusCode, err)
	}
	return b, resp.Header.Get("Content-Type")
}

// decodeMP3 decodes to PCM (always stereo).
func decodeMP3(t *testing.T, b []byte) *audio.PCM {
	t.Helper()
	p, err := mp3.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAsyncJobs(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	text := "An asynchronous job reads the whole text into one file. It may be long, so it is split into sentences first. Then the sentences are joined again."
	mp3Format := model.GetCreateAsyncTtsJobRequestBodyAudioFormatEnum().MP3
	wavFormat := model.GetCreateAsyncTtsJobRequestBodyAudioFormatEnum().WAV
	var wavDuration time.Duration
	for _, test := range []struct {
		name        string
		format      *model.CreateAsyncTtsJobRequestBodyAudioFormat
		channels    int32
		contentType string
	}{
		{"OKDefaultWAV", nil, 1, "audio/wav"},
		{"OKWAVStereo", &wavFormat, 2, "audio/wav"},
		{"OKMP3", &mp3Format, 1, "audio/mpeg"},
		{"OKMP3Stereo", &mp3Format, 2, "audio/mpeg"},
	} {
		t.Run(test.name, func(t *testing.T) {
			created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
				Text: text, VoiceAssetId: voiceID(t, "EN"), AudioFormat: test.format, Channels: ptr(test.channels), Priority: ptr(int32(2)),
			}})
			if err != nil {
				t.Fatal(err)
			}
			resp := waitAsync(t, c, *created.JobId)
			if *resp.State != "SUCCEED" || *resp.Code != "0" || resp.AudioFileUrl == nil {
				t.Fatalf("state %s code %s message %s", *resp.State, *resp.Code, *resp.Message)
			}
			b, ct := fetch(t, *resp.AudioFileUrl)
			if ct != test.contentType {
				t.Errorf("Content-Type %q, want %q", ct, test.contentType)
			}
			var p *audio.PCM
			if test.contentType == "audio/mpeg" {
				p = decodeMP3(t, b)
				// Bit rate: 64 kbit/s mono, 128 stereo, so speech stays intelligible.
				kbps := float64(len(b)*8) / p.Duration().Seconds() / 1000
				if want := 64.0 * float64(test.channels); kbps < want*0.9 || kbps > want*1.1 {
					t.Errorf("%.0f kbit/s, want about %.0f", kbps, want)
				}
			} else {
				if p, err = audio.DecodeWAV(b); err != nil {
					t.Fatal(err)
				}
				if p.Channels != int(test.channels) {
					t.Errorf("%d channels, want %d", p.Channels, test.channels)
				}
				if test.channels == 1 {
					wavDuration = p.Duration()
				}
			}
			if err := audio.CheckSpeech(p); err != nil {
				t.Errorf("not speech: %v", err)
			}
			if wavDuration > 0 {
				if d := p.Duration() - wavDuration; d < -100*time.Millisecond || d > 100*time.Millisecond {
					t.Errorf("duration %v, the WAV was %v", p.Duration(), wavDuration)
				}
			}
		})
	}
}

func TestAsyncBadInput(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	en := voiceID(t, "EN")
	for _, test := range []struct {
		name    string
		body    model.CreateAsyncTtsJobRequestBody
		code    string
		mention string
	}{
		{"ErrNoVoice", model.CreateAsyncTtsJobRequestBody{Text: "hi"}, "MSS.00000003", "voice_asset_id"},
		{"ErrUnknownVoice", model.CreateAsyncTtsJobRequestBody{Text: "hi", VoiceAssetId: strings.Repeat("0", 32)}, "MSS.10001001", "voice_asset_id"},
		{"ErrPriority", model.CreateAsyncTtsJobRequestBody{Text: "hi", VoiceAssetId: en, Priority: ptr(int32(11))}, "MSS.00000003", "priority"},
		{"ErrSilenceTime", model.CreateAsyncTtsJobRequestBody{Text: "hi", VoiceAssetId: en, SilenceTimeMs: ptr(int32(5001))}, "MSS.00000003", "silence_time_ms"},
		{"ErrCallbackLoopback", model.CreateAsyncTtsJobRequestBody{Text: "hi", VoiceAssetId: en, CallbackConfig: &model.TtsCallBackConfig{CallbackUrl: "http://127.0.0.1:1/x"}}, "MSS.00000003", "callback_config.callback_url"},
		{"ErrCallbackMetadata", model.CreateAsyncTtsJobRequestBody{Text: "hi", VoiceAssetId: en, CallbackConfig: &model.TtsCallBackConfig{CallbackUrl: "http://169.254.169.254/latest"}}, "MSS.00000003", "callback_config.callback_url"},
		{"ErrCallbackScheme", model.CreateAsyncTtsJobRequestBody{Text: "hi", VoiceAssetId: en, CallbackConfig: &model.TtsCallBackConfig{CallbackUrl: "ftp://hooks.example.com/x"}}, "MSS.00000003", "callback_config.callback_url"},
		{"ErrUploadHostNotAllowed", model.CreateAsyncTtsJobRequestBody{Text: "hi", VoiceAssetId: en, OutputExternalUrl: ptr("https://bucket.example.com/a.wav")}, "MSS.00000003", "output_external_url"},
		{"ErrSRTUploadWithoutSRT", model.CreateAsyncTtsJobRequestBody{Text: "hi", VoiceAssetId: en, SrtOutputExternalUrl: ptr("https://bucket.example.com/a.srt")}, "MSS.00000003", "gen_srt"},
		{"ErrActionUploadWithoutTimestamps", model.CreateAsyncTtsJobRequestBody{Text: "hi", VoiceAssetId: en, ActionOutputExternalUrl: ptr("https://bucket.example.com/a.json")}, "MSS.00000003", "need_timestamp"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &test.body})
			sdkError(t, err, http.StatusBadRequest, test.code)
			if err != nil && !strings.Contains(err.Error(), test.mention) {
				t.Errorf("%v does not mention %s", err, test.mention)
			}
		})
	}
	var e errorBody
	resp := do(t, ts.signedRequest(t, "POST", "/v1/"+ts.Cred.ProjectID+"/ttsc/async-jobs",
		`{"text":"hi","voice_asset_id":"`+en+`","audio_format":"FLAC"}`, "application/json", ts.Clock.Now()), &e)
	if resp.StatusCode != 400 || !strings.Contains(e.ErrorMsg, "audio_format") {
		t.Errorf("FLAC: %d %s", resp.StatusCode, e.ErrorMsg)
	}
	// A preview's ID is not an async job.
	created, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "hi", Emotion: en}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ShowAsyncTtsJob(&model.ShowAsyncTtsJobRequest{JobId: *created.JobId})
	sdkError(t, err, http.StatusNotFound, "MSS.10001002")
}

func TestListJobs(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	en := voiceID(t, "EN")
	var previews, asyncs []string
	for range 3 {
		r, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "Listed.", Emotion: en}})
		if err != nil {
			t.Fatal(err)
		}
		previews = append(previews, *r.JobId)
	}
	for range 2 {
		r, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{Text: "Listed too.", VoiceAssetId: en}})
		if err != nil {
			t.Fatal(err)
		}
		asyncs = append(asyncs, *r.JobId)
		waitAsync(t, c, *r.JobId)
	}
	for _, id := range previews {
		waitAudition(t, c, id)
	}
	// Another project's jobs never show.
	other, _ := newCredential(t.Context(), ts.db, "")
	if _, err := ts.client(t, other).CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "Hidden.", Emotion: en}}); err != nil {
		t.Fatal(err)
	}

	all, err := c.ShowTtsJob(&model.ShowTtsJobRequest{Limit: ptr(int32(100))})
	if err != nil {
		t.Fatal(err)
	}
	if *all.Count != 5 || len(*all.Data) != 5 {
		t.Fatalf("count %d, %d records; want 5", *all.Count, len(*all.Data))
	}
	if got := *(*all.Data)[0].JobId; got != previews[2] && got != asyncs[1] {
		t.Errorf("newest record is %s", got)
	}
	for _, d := range *all.Data {
		if *d.JobState != "SUCCEED" || len(*d.Files) == 0 || *d.TextLength == 0 || *d.CreateTime == "" {
			t.Errorf("record %s: state %s, %d files, text_length %d", *d.JobId, *d.JobState, len(*d.Files), *d.TextLength)
		}
	}
	async, err := c.ShowTtsJob(&model.ShowTtsJobRequest{JobType: ptr("ASYNC_JOB")})
	if err != nil {
		t.Fatal(err)
	}
	if *async.Count != 2 {
		t.Errorf("ASYNC_JOB count %d, want 2", *async.Count)
	}
	page, err := c.ShowTtsJob(&model.ShowTtsJobRequest{Limit: ptr(int32(2)), Offset: ptr(int32(4))})
	if err != nil {
		t.Fatal(err)
	}
	if *page.Count != 5 || len(*page.Data) != 1 {
		t.Errorf("last page: count %d, %d records; want 5 and 1", *page.Count, len(*page.Data))
	}
	one, err := c.ShowTtsJob(&model.ShowTtsJobRequest{JobId: ptr(asyncs[0])})
	if err != nil || *one.Count != 1 || *(*one.Data)[0].JobType != "ASYNC_JOB" {
		t.Errorf("by job_id: %+v, %v", one, err)
	}
	future, err := c.ShowTtsJob(&model.ShowTtsJobRequest{CreateSince: ptr(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))})
	if err != nil || *future.Count != 0 {
		t.Errorf("create_since in the future: %+v, %v", future, err)
	}
	_, err = c.ShowTtsJob(&model.ShowTtsJobRequest{JobType: ptr("BATCH")})
	sdkError(t, err, http.StatusBadRequest, "MSS.00000003")
	_, err = c.ShowTtsJob(&model.ShowTtsJobRequest{CreateSince: ptr("yesterday")})
	sdkError(t, err, http.StatusBadRequest, "MSS.00000003")
}

func TestAsyncSilenceOnFailure(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	for _, test := range []struct {
		name   string
		flag   *bool
		ms     *int32
		wantMs int64
	}{
		{"OKSilenceGiven", ptr(true), ptr(int32(1500)), 1500},
		{"OKSilenceDefault", ptr(true), nil, 2000},
		{"OKNoSilence", nil, nil, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
				Text: crashText, VoiceAssetId: voiceID(t, "EN"), SilenceFlag: test.flag, SilenceTimeMs: test.ms}})
			if err != nil {
				t.Fatal(err)
			}
			resp := waitAsync(t, c, *created.JobId)
			if *resp.State != "FAILED" || *resp.Code == "0" || *resp.Message == "" {
				t.Fatalf("state %s code %s message %q; want FAILED with a reason", *resp.State, *resp.Code, *resp.Message)
			}
			if test.wantMs == 0 {
				if resp.AudioFileUrl != nil {
					t.Errorf("a failed job without silence_flag has audio %s", *resp.AudioFileUrl)
				}
				return
			}
			if resp.AudioFileUrl == nil {
				t.Fatal("silence_flag: no audio file")
			}
			b, _ := fetch(t, *resp.AudioFileUrl)
			p, err := audio.DecodeWAV(b)
			if err != nil {
				t.Fatal(err)
			}
			st := audio.Analyze(p)
			if p.Duration().Milliseconds() != test.wantMs || st.PeakdBFS > -90 {
				t.Errorf("silence: %v, peak %.0f dBFS; want %d ms of silence", p.Duration(), st.PeakdBFS, test.wantMs)
			}
		})
	}
}
