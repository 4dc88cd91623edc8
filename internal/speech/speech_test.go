package speech

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/text"
)

// toneEngine answers every request with one second of a square wave at
// 1 kHz sampling and records what it was asked.
type toneEngine struct{ reqs []ttsc.SynthesisRequest }

func (e *toneEngine) Synthesize(_ context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	e.reqs = append(e.reqs, req)
	sp := &ttsc.Speech{SampleRate: 1000, Samples: make([]int16, 1000), Words: []ttsc.WordEvent{{TextStart: 0, TextEnd: 1, Sample: 10}}}
	for i := range sp.Samples {
		sp.Samples[i] = 1000
		if i%2 == 1 {
			sp.Samples[i] = -1000
		}
	}
	return sp, nil
}

func TestRead(t *testing.T) {
	voice := ttsc.Voice{Engine: "test", EngineVoice: "v", Locale: "en-US"}
	for _, test := range []struct {
		name                  string
		src                   string
		prosody               ttsc.Prosody
		gainDB                float64
		wantSpeed, wantPitch  int
		wantSamples, wantWord int // samples and first word's sample
		wantPeak              int16
	}{
		{"OKPlain", "Hello.", ttsc.DefaultProsody(), 0, 100, 100, 1000, 10, 1000},
		{"OKRequestProsody", "Hello.", ttsc.Prosody{Speed: 150, Pitch: 80, Volume: 90, Channels: 1}, 0, 150, 80, 1000, 10, 643},
		{"OKSSMLScalesRequest", `<speak><prosody rate="x-fast" pitch="x-low" volume="-6dB">Hello.</prosody></speak>`,
			ttsc.Prosody{Speed: 90, Pitch: 100, Volume: 140, Channels: 1}, 0, 180, 50, 1000, 10, 501},
		{"OKBreaksPad", `<speak><break time="200ms"/>Hello.<break time="300ms"/></speak>`, ttsc.DefaultProsody(), 0, 100, 100, 1500, 210, 1000},
		{"OKVoiceLevel", "Hello.", ttsc.DefaultProsody(), 6.0206, 100, 100, 1000, 10, 2000},
	} {
		t.Run(test.name, func(t *testing.T) {
			e := &toneEngine{}
			v := voice
			v.GainDB = test.gainDB
			prep, err := Prepare(test.src, v, nil, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			var got *ttsc.Speech
			err = Reader{Engine: e}.Speak(context.Background(), v, test.prosody, prep, func(i int, sp *ttsc.Speech) error {
				got = sp
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if r := e.reqs[0]; r.Speed != test.wantSpeed || r.Pitch != test.wantPitch || r.Engine != "test" || r.Voice != "v" {
				t.Errorf("engine asked %+v; want speed %d pitch %d", r, test.wantSpeed, test.wantPitch)
			}
			if len(got.Samples) != test.wantSamples || got.Words[0].Sample != test.wantWord {
				t.Errorf("%d samples, first word at %d; want %d, %d", len(got.Samples), got.Words[0].Sample, test.wantSamples, test.wantWord)
			}
			var peak int16
			for _, s := range got.Samples {
				peak = max(peak, s)
			}
			if d := int(peak) - int(test.wantPeak); d < -2 || d > 2 {
				t.Errorf("peak %d, want %d", peak, test.wantPeak)
			}
		})
	}
	t.Run("ErrNothingToRead", func(t *testing.T) {
		prep, _ := text.Prepare(`<speak><break/></speak>`, text.Options{})
		err := Reader{Engine: &toneEngine{}}.Speak(context.Background(), voice, ttsc.DefaultProsody(), prep, func(int, *ttsc.Speech) error { return nil })
		if ttsc.ErrorCode(err) != ttsc.EINVALID {
			t.Errorf("Speak = %v, want EINVALID", err)
		}
	})
}

func TestPrepareSegments(t *testing.T) {
	voice := ttsc.Voice{Engine: "test", EngineVoice: "v", Locale: "en-US"}
	sentence := "This sentence has forty-seven characters in it. " // and a space
	long := strings.Repeat(sentence, 60)
	for _, test := range []struct {
		name   string
		src    string
		limits Limits
		want   []int // code points of each segment
	}{
		{"OKShortTextIsOneSegment", "Hello there. How are you?", Limits{}, []int{25}},
		// Within 150, then 300 code points: 3, then 6 sentences, and
		// the 3 left.
		{"OKDefaultsGrowToSegmentRunes", long, Limits{}, []int{143, 287, 287, 287, 287, 287, 287, 287, 287, 287, 143}},
		{"OKPackRunesOfOneIsASentenceEach", strings.Repeat(sentence, 3), Limits{PackRunes: 1}, []int{47, 47, 47}},
	} {
		t.Run(test.name, func(t *testing.T) {
			prep, err := Prepare(test.src, voice, nil, test.limits)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, seg := range prep.Segments {
				got = append(got, utf8.RuneCountInString(seg.Text))
			}
			if !slices.Equal(got, test.want) {
				t.Errorf("segments of %v code points, want %v", got, test.want)
			}
		})
	}
}
