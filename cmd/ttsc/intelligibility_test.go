package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/audio/mp3"
	"github.com/openttsc/ttsc/internal/voices"
)

// transcribe has Debian's pocketsphinx (en-us) write down what it hears.
// It runs on several goroutines at once, so it returns its errors.
func transcribe(dir string, p *audio.PCM) (string, error) {
	in, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "16k.wav")
	if p.Channels == 2 { // keep the left channel
		mono := make([]int16, len(p.Samples)/2)
		for i := range mono {
			mono[i] = p.Samples[2*i]
		}
		p = &audio.PCM{Rate: p.Rate, Channels: 1, Samples: mono}
	}
	if err := os.WriteFile(in, audio.EncodeWAV(p.Samples, p.Rate, 1), 0o600); err != nil {
		return "", err
	}
	if b, err := exec.Command("sox", in, "-r", "16000", "-c", "1", "-b", "16", out).CombinedOutput(); err != nil {
		return "", fmt.Errorf("sox: %v: %s", err, b)
	}
	b, err := exec.Command("pocketsphinx_continuous", "-infile", out, "-logfn", "/dev/null").Output()
	if err != nil {
		return "", fmt.Errorf("pocketsphinx: %v", err)
	}
	return string(b), nil
}

// wer is the word error rate of hyp against ref: word edits over the
// number of reference words.
func wer(ref, hyp []string) float64 {
	prev := make([]int, len(hyp)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ref); i++ {
		cur := make([]int, len(hyp)+1)
		cur[0] = i
		for j := 1; j <= len(hyp); j++ {
			sub := prev[j-1]
			if ref[i-1] != hyp[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev = cur
	}
	return float64(prev[len(hyp)]) / float64(len(ref))
}

// TestIntelligibility checks that what ttsc hands out is as intelligible
// as the engine's own output: a speech recognizer makes no more mistakes
// on the WAV and MP3 files than on the engine's raw samples. Header checks
// miss sample-rate, byte-order, clipping and encoder bugs; this does not.
func TestIntelligibility(t *testing.T) {
	for _, tool := range []string{"pocketsphinx_continuous", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("TTSC_REQUIRE_ENGINES") == "1" {
				t.Fatalf("%s is required (Debian packages pocketsphinx, pocketsphinx-en-us, sox)", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	if testing.Short() {
		t.Skip("transcribing takes half a minute")
	}
	b, err := os.ReadFile("../../testdata/en-paragraph.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.TrimSpace(string(b))
	voiceAsset := voiceID(t, "EN")
	voice, _ := voices.Lookup(voiceAsset)

	// The raw output of the voice's engine, as an engine host makes it.
	e := hostEngines()[voice.Engine]
	raw, err := e.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: voice.Engine, Voice: voice.EngineVoice, Text: text, Speed: 100, Pitch: 100})
	if err != nil {
		t.Fatal(err)
	}

	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	job := func(format model.CreateAsyncTtsJobRequestBodyAudioFormat) []byte {
		created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
			Text: text, VoiceAssetId: voiceAsset, AudioFormat: &format}})
		if err != nil {
			t.Fatal(err)
		}
		resp := waitAsync(t, c, *created.JobId)
		data, _ := fetch(t, *resp.AudioFileUrl)
		return data
	}
	formats := model.GetCreateAsyncTtsJobRequestBodyAudioFormatEnum()
	wav, err := audio.DecodeWAV(job(formats.WAV))
	if err != nil {
		t.Fatal(err)
	}
	mp3PCM, err := mp3.Decode(job(formats.MP3))
	if err != nil {
		t.Fatal(err)
	}

	ref := words(text)
	rates := map[string]float64{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for name, p := range map[string]*audio.PCM{
		"engine": {Rate: raw.SampleRate, Channels: 1, Samples: raw.Samples},
		"wav":    wav,
		"mp3":    mp3PCM,
	} {
		dir := t.TempDir()
		wg.Add(1)
		go func() {
			defer wg.Done()
			heard, err := transcribe(dir, p)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				return
			}
			rates[name] = wer(ref, words(heard))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	t.Logf("word error rates: engine %.2f, WAV %.2f, MP3 %.2f (%s)", rates["engine"], rates["wav"], rates["mp3"], voice.EngineVoice)
	for _, name := range []string{"wav", "mp3"} {
		if rates[name] > rates["engine"]+0.05 {
			t.Errorf("%s: word error rate %.2f, the engine's own output %.2f; want within 0.05", name, rates[name], rates["engine"])
		}
	}
}
