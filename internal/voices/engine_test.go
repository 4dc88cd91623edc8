package voices_test

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/engine/flite"
	"github.com/openttsc/ttsc/internal/voices"
)

// espeak returns the path of the espeak-ng CLI. Without it the test is
// skipped, unless TTSC_REQUIRE_ENGINES=1 says the engines must be there
// (as in CI), where a skip would hide a catalogue that no longer matches.
func espeak(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("espeak-ng")
	if err != nil {
		if os.Getenv("TTSC_REQUIRE_ENGINES") == "1" {
			t.Fatalf("espeak-ng is required (TTSC_REQUIRE_ENGINES=1) but not found: %v", err)
		}
		t.Skipf("espeak-ng CLI not installed (%v); install it or set TTSC_REQUIRE_ENGINES=1 to make this a failure", err)
	}
	return path
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// espeakVoices returns the voice names of `espeak-ng --voices` (language
// tags and file names) and the
// variant names (the file names under !v/) of `--voices=variant`.
func espeakVoices(t *testing.T, bin string) (langs, variants map[string]bool) {
	t.Helper()
	column := func(out string, i int) map[string]bool {
		m := map[string]bool{}
		for _, line := range strings.Split(out, "\n")[1:] {
			if f := strings.Fields(line); len(f) > i {
				m[strings.ToLower(f[i])] = true
			}
		}
		return m
	}
	// The library finds a voice by its file's base name ("gmw/en" is
	// "en"); the command line also by its language tag.
	out := run(t, bin, "--voices")
	langs = column(out, 1)
	for file := range column(out, 4) {
		langs[file[strings.LastIndex(file, "/")+1:]] = true
	}
	variants = map[string]bool{}
	for file := range column(run(t, bin, "--voices=variant"), 4) {
		variants[strings.TrimPrefix(file, "!v/")] = true
	}
	return langs, variants
}

// localVoices returns each engine voice of the catalogue once, with the
// catalogue entry that first names it.
func localVoices(t *testing.T) []struct{ voice, lang, sample string } {
	t.Helper()
	var out []struct{ voice, lang, sample string }
	seen := map[string]bool{}
	for _, v := range voices.Catalog() {
		if v.Engine == voices.EngineFlite {
			continue // checked by TestFliteVoices
		}
		if v.Engine != voices.EngineEspeak {
			t.Fatalf("%s: engine %q has no test here; add one", v.Name, v.Engine)
		}
		if !seen[v.EngineVoice] {
			seen[v.EngineVoice] = true
			out = append(out, struct{ voice, lang, sample string }{v.EngineVoice, v.Language, v.Sample})
		}
	}
	return out
}

func TestEspeakHasEveryVoice(t *testing.T) {
	bin := espeak(t)
	langs, variants := espeakVoices(t, bin)
	for _, v := range localVoices(t) {
		base, variant, _ := strings.Cut(v.voice, "+")
		if !langs[base] {
			t.Errorf("espeak-ng has no voice %q (of %s)", base, v.voice)
		}
		if variant != "" && !variants[variant] {
			t.Errorf("espeak-ng has no variant %q (of %s)", variant, v.voice)
		}
	}
}

// languageSwitch matches espeak-ng's marks, in phoneme output, of text it
// read with another language's rules, such as "(en)" when a Mandarin voice
// spells out characters it cannot read.
var languageSwitch = regexp.MustCompile(`\([a-z]{2,3}(-[a-z0-9]+)*\)`)

// TestSamplesReadInTheirLanguage is the guard against a voice that speaks
// gibberish: the engine must turn each sample into phonemes of the voice's
// own language.
func TestSamplesReadInTheirLanguage(t *testing.T) {
	bin := espeak(t)
	phonemes := func(t *testing.T, voice, text string) string {
		return strings.TrimSpace(run(t, bin, "-q", "-x", "-v", voice, text))
	}
	for _, v := range localVoices(t) {
		t.Run(v.voice, func(t *testing.T) {
			got := phonemes(t, v.voice, v.sample)
			if got == "" {
				t.Fatalf("espeak-ng -v %s gives no phonemes for %q", v.voice, v.sample)
			}
			if m := languageSwitch.FindString(got); m != "" {
				t.Errorf("espeak-ng -v %s switches to %s reading %q, so the voice cannot read it: %s", v.voice, m, v.sample, got)
			}
			if v.lang == "CN" {
				// Plain cmn reads characters with English letter rules;
				// a Mandarin voice that agrees with it does the same.
				if plain := phonemes(t, "cmn", v.sample); plain == got {
					t.Errorf("espeak-ng -v %s reads %q as plain cmn does (English letter rules): %s", v.voice, v.sample, got)
				}
			}
		})
	}
}

// TestSamplesSoundLikeSpeech synthesizes every sample and checks that the
// audio is speech at a normal level, at the natural volume and after
// MetaStudio's extreme volumes.
func TestSamplesSoundLikeSpeech(t *testing.T) {
	bin := espeak(t)
	dir := t.TempDir()
	for _, v := range localVoices(t) {
		t.Run(v.voice, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(v.voice, "+", "_")+".wav")
			run(t, bin, "-v", v.voice, "-w", path, v.sample)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := audio.DecodeWAV(b)
			if err != nil {
				t.Fatal(err)
			}
			for _, volume := range []int{90, 140, 240} {
				q := *p
				q.Samples = slices.Clone(p.Samples)
				audio.ApplyVolume(q.Samples, volume)
				if err := audio.CheckSpeech(&q); err != nil {
					t.Errorf("volume %d: %v", volume, err)
				}
			}
		})
	}
}

// TestFliteVoices checks that flite has every catalogue voice of its and
// that each reads its sample as speech, at MetaStudio's extreme volumes
// too.
func TestFliteVoices(t *testing.T) {
	e, err := flite.New()
	if err != nil {
		if os.Getenv("TTSC_REQUIRE_ENGINES") == "1" {
			t.Fatalf("flite is required (TTSC_REQUIRE_ENGINES=1): %v", err)
		}
		t.Skip(err)
	}
	for _, v := range voices.List(voices.Filter{Engine: voices.EngineFlite}) {
		t.Run(v.EngineVoice, func(t *testing.T) {
			if !slices.Contains(flite.Voices, v.EngineVoice) {
				t.Fatalf("flite has no voice %q", v.EngineVoice)
			}
			sp, err := e.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: v.Engine, Voice: v.EngineVoice, Text: v.Sample, Speed: 100, Pitch: 100})
			if err != nil {
				t.Fatal(err)
			}
			for _, volume := range []int{90, 140, 240} {
				p := &audio.PCM{Rate: sp.SampleRate, Channels: 1, Samples: slices.Clone(sp.Samples)}
				audio.Gain(p.Samples, math.Pow(10, v.GainDB/20)*float64(volume)/ttsc.VolumeDefault)
				if err := audio.CheckSpeech(p); err != nil {
					t.Errorf("volume %d: %v", volume, err)
				}
			}
		})
	}
}
