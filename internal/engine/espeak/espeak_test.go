//go:build cgo && !noespeak

package espeak

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
)

func engine(t testing.TB) *Engine {
	t.Helper()
	e, err := New()
	if err != nil {
		t.Fatalf("espeak-ng unavailable: %v", err)
	}
	return e
}

func synth(t *testing.T, e *Engine, voice, text string, speed, pitch int) *ttsc.Speech {
	t.Helper()
	sp, err := e.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: "espeak", Voice: voice, Text: text, Speed: speed, Pitch: pitch})
	if err != nil {
		t.Fatalf("Synthesize(%s, %q): %v", voice, text, err)
	}
	return sp
}

func pcm(sp *ttsc.Speech) *audio.PCM {
	return &audio.PCM{Rate: sp.SampleRate, Channels: 1, Samples: sp.Samples}
}

func TestSynthesizeSpeaks(t *testing.T) {
	e := engine(t)
	for _, test := range []struct {
		name, voice, text string
		minDur, maxDur    time.Duration
	}{
		{"OKEnglish", "en-us", "Hello world, this is a test of the speech engine.", time.Second, 6 * time.Second},
		{"OKMandarin", "cmn-latn-pinyin", "你好，欢迎使用", 800 * time.Millisecond, 5 * time.Second},
		{"OKFemaleVariant", "en-us+f5", "Good morning.", 300 * time.Millisecond, 3 * time.Second},
	} {
		t.Run(test.name, func(t *testing.T) {
			sp := synth(t, e, test.voice, test.text, 100, 100)
			p := pcm(sp)
			if sp.SampleRate != 22050 {
				t.Errorf("rate %d, want 22050", sp.SampleRate)
			}
			if d := p.Duration(); d < test.minDur || d > test.maxDur {
				t.Errorf("duration %v, want %v…%v", d, test.minDur, test.maxDur)
			}
			if err := audio.CheckSpeech(p); err != nil {
				t.Error(err)
			}
			if len(sp.Words) == 0 {
				t.Fatal("no word events")
			}
			prev := -1
			for _, w := range sp.Words {
				if w.Sample < prev || w.TextStart < 0 || w.TextEnd > len(test.text) || w.TextStart > w.TextEnd {
					t.Errorf("word event %+v out of order or outside the text (%d bytes)", w, len(test.text))
				}
				prev = w.Sample
			}
		})
	}
}

func TestWordOffsetsEnglish(t *testing.T) {
	e := engine(t)
	text := "One two three"
	sp := synth(t, e, "en-us", text, 100, 100)
	var got []string
	for _, w := range sp.Words {
		got = append(got, text[w.TextStart:w.TextEnd])
	}
	if strings.Join(got, "|") != "One|two|three" {
		t.Errorf("words %q, want One|two|three", got)
	}
}

func TestSpeedAndPitch(t *testing.T) {
	e := engine(t)
	text := "The quick brown fox jumps over the lazy dog."
	slow := pcm(synth(t, e, "en-us", text, 50, 100)).Duration()
	fast := pcm(synth(t, e, "en-us", text, 200, 100)).Duration()
	if fast*2 > slow {
		t.Errorf("speed 200 gave %v, speed 50 gave %v; want the fast one under half", fast, slow)
	}
	low := synth(t, e, "en-us", text, 100, 50)
	high := synth(t, e, "en-us", text, 100, 200)
	fl, fh := medianF0(low.Samples, low.SampleRate), medianF0(high.Samples, high.SampleRate)
	if fh < fl*1.3 {
		t.Errorf("pitch 200 has a median F0 of %.0f Hz, pitch 50 %.0f Hz; want clearly higher", fh, fl)
	}
}

// medianF0 estimates the fundamental frequency of the voiced 40 ms frames
// by autocorrelation, between 60 and 500 Hz.
func medianF0(s []int16, rate int) float64 {
	frame := rate * 40 / 1000
	minLag, maxLag := rate/500, rate/60
	var f0s []float64
	for start := 0; start+frame+maxLag < len(s); start += frame {
		var energy float64
		for _, v := range s[start : start+frame] {
			energy += float64(v) * float64(v)
		}
		if energy/float64(frame) < 1e6 { // quieter than about -30 dBFS
			continue
		}
		best, bestLag := 0.0, 0
		for lag := minLag; lag <= maxLag; lag++ {
			var c float64
			for i := start; i < start+frame; i++ {
				c += float64(s[i]) * float64(s[i+lag])
			}
			if c > best {
				best, bestLag = c, lag
			}
		}
		if bestLag > 0 && best > 0.3*energy {
			f0s = append(f0s, float64(rate)/float64(bestLag))
		}
	}
	if len(f0s) == 0 {
		return 0
	}
	slices.Sort(f0s)
	return f0s[len(f0s)/2]
}

func TestErrUnknownVoice(t *testing.T) {
	_, err := engine(t).Synthesize(context.Background(), ttsc.SynthesisRequest{Voice: "xx-nope", Text: "hi"})
	if ttsc.ErrorCode(err) != ttsc.EINVALID {
		t.Errorf("unknown voice: %v, want EINVALID", err)
	}
}

func TestPhonemesMandarin(t *testing.T) {
	e := engine(t)
	pinyin, err := e.Phonemes("cmn-latn-pinyin", "你好", false)
	if err != nil {
		t.Fatal(err)
	}
	letters, err := e.Phonemes("cmn", "你好", false)
	if err != nil {
		t.Fatal(err)
	}
	if pinyin == letters {
		t.Errorf("cmn-latn-pinyin and cmn read 你好 alike (%q)", pinyin)
	}
	if !strings.Contains(letters, "(en)") {
		t.Logf("cmn read 你好 as %q", letters)
	}
	if strings.Contains(pinyin, "(en)") || !strings.ContainsAny(pinyin, "nxh") {
		t.Errorf("cmn-latn-pinyin read 你好 as %q; want pinyin-like phonemes", pinyin)
	}
	ipa, err := e.Phonemes("en-us", "hello", true)
	if err != nil || !strings.Contains(ipa, "l") || ipa == "" {
		t.Errorf("IPA of hello: %q, %v", ipa, err)
	}
}

const paragraph = `The lighthouse keeper climbed the stairs every evening at dusk. ` +
	`He carried a small lamp, a notebook and a flask of tea, and he counted the steps as he went, ` +
	`although he had known their number for thirty years. At the top he wiped the great lens, ` +
	`checked the clockwork that turned it, and wrote down the wind, the sea and the ships he could see. ` +
	`On clear nights the beam reached twenty miles across the water; on foggy ones he sounded the horn ` +
	`every half minute until dawn. Visitors sometimes asked whether he was lonely. He would smile and ` +
	`point at the boats coming home, the gulls asleep on the rocks and the stars over the headland, ` +
	`and say that a man with so much to watch could hardly be alone. When the light was finally automated, ` +
	`he stayed in the village below, and every evening at dusk he still looked up to see it turn.`

func BenchmarkSynthesizeEnglish(b *testing.B) {
	e := engine(b)
	req := ttsc.SynthesisRequest{Voice: "en-us", Text: paragraph, Speed: 100, Pitch: 100}
	chars := 0
	for b.Loop() {
		if _, err := e.Synthesize(context.Background(), req); err != nil {
			b.Fatal(err)
		}
		chars += len([]rune(paragraph))
	}
	b.ReportMetric(float64(chars)/b.Elapsed().Seconds(), "chars/s")
}
