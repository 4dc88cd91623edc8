package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/openttsc/ttsc/internal/audio"
)

// openAIClient returns an official OpenAI client of the server with a
// fresh token of its project.
func openAIClient(t *testing.T, ts *testServer) openai.Client {
	t.Helper()
	value := ts.token(t)
	return openai.NewClient(option.WithBaseURL(ts.URL+"/v1/"), option.WithAPIKey(value), option.WithMaxRetries(0))
}

func TestOpenAISpeech(t *testing.T) {
	ts := startServer(t, "")
	client := openAIClient(t, ts)
	ctx := context.Background()
	input := "The quick brown fox jumps over the lazy dog. Then it runs away into the forest."
	speak := func(t *testing.T, p openai.AudioSpeechNewParams) ([]byte, *http.Response) {
		t.Helper()
		resp, err := client.Audio.Speech.New(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b, resp
	}
	base := func(voice string, format openai.AudioSpeechNewParamsResponseFormat) openai.AudioSpeechNewParams {
		return openai.AudioSpeechNewParams{Model: openai.SpeechModelTTS1, Input: input, ResponseFormat: format,
			Voice: openai.AudioSpeechNewParamsVoiceUnion{OfString: openai.String(voice)}}
	}
	var wavDuration time.Duration
	t.Run("OKWAVStreamed", func(t *testing.T) {
		b, resp := speak(t, base("alloy", openai.AudioSpeechNewParamsResponseFormatWAV))
		if ct := resp.Header.Get("Content-Type"); ct != "audio/wav" || len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
			t.Errorf("Content-Type %q, Transfer-Encoding %v; want audio/wav, chunked", ct, resp.TransferEncoding)
		}
		p, err := audio.DecodeWAV(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := audio.CheckSpeech(p); err != nil {
			t.Error(err)
		}
		wavDuration = p.Duration()
	})
	t.Run("OKMP3", func(t *testing.T) {
		b, resp := speak(t, base("echo", openai.AudioSpeechNewParamsResponseFormatMP3))
		if ct := resp.Header.Get("Content-Type"); ct != "audio/mpeg" {
			t.Errorf("Content-Type %q", ct)
		}
		if err := audio.CheckSpeech(decodeMP3(t, b)); err != nil {
			t.Error(err)
		}
	})
	t.Run("OKPCMAtDoubleSpeedWithAssetID", func(t *testing.T) {
		p := base(voiceID(t, "EN"), openai.AudioSpeechNewParamsResponseFormatPCM)
		p.Speed = openai.Float(2)
		b, resp := speak(t, p)
		rate := resp.Header.Get("X-Sample-Rate")
		if rate != "16000" {
			t.Fatalf("X-Sample-Rate %q", rate)
		}
		d := time.Duration(len(b)/2) * time.Second / 16000
		if wavDuration > 0 && d > wavDuration*7/10 {
			t.Errorf("at speed 2 the audio lasts %v, at 1 %v", d, wavDuration)
		}
	})
	t.Run("OKVoiceByEngineName", func(t *testing.T) {
		b, _ := speak(t, base("en-us+f5", openai.AudioSpeechNewParamsResponseFormatWAV))
		if _, err := audio.DecodeWAV(b); err != nil {
			t.Error(err)
		}
	})

	for _, test := range []struct {
		name   string
		params openai.AudioSpeechNewParams
		status int
		param  string
	}{
		{"ErrFormatNotBuilt", base("alloy", openai.AudioSpeechNewParamsResponseFormatOpus), 400, "response_format"},
		{"ErrUnknownVoice", base("darth", openai.AudioSpeechNewParamsResponseFormatWAV), 400, "voice"},
		{"ErrSpeed", func() openai.AudioSpeechNewParams {
			p := base("alloy", openai.AudioSpeechNewParamsResponseFormatWAV)
			p.Speed = openai.Float(5)
			return p
		}(), 400, "speed"},
		{"ErrInputTooLong", func() openai.AudioSpeechNewParams {
			p := base("alloy", openai.AudioSpeechNewParamsResponseFormatWAV)
			p.Input = strings.Repeat("a", 10001)
			return p
		}(), 400, "input"},
		{"ErrBadSSML", func() openai.AudioSpeechNewParams {
			p := base("alloy", openai.AudioSpeechNewParamsResponseFormatWAV)
			p.Input = "<speak>Hi <prosody rate='fastest'>x</prosody></speak>"
			return p
		}(), 400, "input"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := client.Audio.Speech.New(ctx, test.params)
			var apiErr *openai.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v, want an OpenAI API error", err)
			}
			if apiErr.StatusCode != test.status || apiErr.Param != test.param || apiErr.Type != "invalid_request_error" || apiErr.Message == "" {
				t.Errorf("status %d param %q type %q message %q; want %d %q invalid_request_error", apiErr.StatusCode, apiErr.Param, apiErr.Type, apiErr.Message, test.status, test.param)
			}
		})
	}
	t.Run("ErrWrongKey", func(t *testing.T) {
		bad := openai.NewClient(option.WithBaseURL(ts.URL+"/v1/"), option.WithAPIKey("sk-not-a-ttsc-token"), option.WithMaxRetries(0))
		_, err := bad.Audio.Speech.New(ctx, base("alloy", openai.AudioSpeechNewParamsResponseFormatWAV))
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "invalid_api_key" {
			t.Errorf("error %v, want 401 invalid_api_key", err)
		}
	})
}
