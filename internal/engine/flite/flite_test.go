package flite

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
)

// engine returns the engine, or skips the test in a build without cgo
// after checking that New says why.
func engine(t testing.TB) *Engine {
	t.Helper()
	e, err := New()
	if !cgoBuild {
		if ttsc.ErrorCode(err) != ttsc.EUNAVAILABLE || e != nil {
			t.Fatalf("New without cgo: %v, %v; want EUNAVAILABLE", e, err)
		}
		t.Skip("flite needs cgo")
	}
	if err != nil {
		t.Fatalf("flite unavailable: %v", err)
	}
	return e
}

func synth(t testing.TB, e *Engine, voice, text string, speed, pitch int) *ttsc.Speech {
	t.Helper()
	sp, err := e.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: "flite", Voice: voice, Text: text, Speed: speed, Pitch: pitch})
	if err != nil {
		t.Fatalf("Synthesize(%s, %q): %v", voice, text, err)
	}
	return sp
}

func pcm(sp *ttsc.Speech) *audio.PCM {
	return &audio.PCM{Rate: sp.SampleRate, Channels: 1, Samples: sp.Samples}
}

// spoken returns the text of each word event, joined by "|".
func spoken(text string, words []ttsc.WordEvent) string {
	var s []string
	for _, w := range words {
		s = append(s, text[w.TextStart:w.TextEnd])
	}
	return strings.Join(s, "|")
}

// checkWords reports word events that are out of order, empty, outside the
// text or the audio, or that do not start a word.
func checkWords(t *testing.T, text string, sp *ttsc.Speech) {
	t.Helper()
	prevSample, prevEnd := 0, 0
	for i, w := range sp.Words {
		if w.TextStart < prevEnd || w.TextEnd <= w.TextStart || w.TextEnd > len(text) ||
			w.Sample < prevSample || w.Sample > len(sp.Samples) {
			t.Errorf("word event %d %+v out of order or outside the text (%d bytes) or audio (%d samples)", i, w, len(text), len(sp.Samples))
			continue
		}
		if s := text[w.TextStart:w.TextEnd]; strings.ContainsAny(s, whitespace) || !utf8.ValidString(s) {
			t.Errorf("word event %d covers %q", i, s)
		}
		prevSample, prevEnd = w.Sample, w.TextEnd
	}
}

// same reports whether a and b are the same audio with the same words.
func same(a, b *ttsc.Speech) bool {
	return a.SampleRate == b.SampleRate && slices.Equal(a.Samples, b.Samples) && slices.Equal(a.Words, b.Words)
}

func TestNew(t *testing.T) {
	e := engine(t)
	t.Run("EveryVoiceIs16kHz", func(t *testing.T) {
		for _, v := range Voices {
			if rate, err := e.SampleRate(v); rate != 16000 || err != nil {
				t.Errorf("SampleRate(%s) = %d, %v; want 16000", v, rate, err)
			}
		}
	})
	t.Run("SecondCallSharesVoices", func(t *testing.T) {
		e2 := engine(t)
		if e2.voices["slt"] != e.voices["slt"] {
			t.Error("New registered the voices again")
		}
	})
}

func TestSynthesizeSpeaks(t *testing.T) {
	e := engine(t)
	const text = "The quick brown fox jumps over the lazy dog today."
	for _, voice := range Voices {
		t.Run("OK"+voice, func(t *testing.T) {
			sp := synth(t, e, voice, text, 100, 100)
			p := pcm(sp)
			if rate, _ := e.SampleRate(voice); sp.SampleRate != rate || rate != 16000 {
				t.Errorf("rate %d, SampleRate says %d; want 16000", sp.SampleRate, rate)
			}
			if d := p.Duration(); d < time.Second || d > 6*time.Second {
				t.Errorf("duration %v, want 1s…6s for ten words", d)
			}
			if err := audio.CheckSpeech(p); err != nil {
				t.Error(err)
			}
			if len(sp.Words) != 10 {
				t.Errorf("%d word events (%s), want 10", len(sp.Words), spoken(text, sp.Words))
			}
			checkWords(t, text, sp)
		})
	}
}

func TestWordEvents(t *testing.T) {
	e := engine(t)
	for _, test := range []struct {
		name, text, want string
	}{
		{"NumberIsOneEvent", "Hello world, 123 apples.", "Hello|world|123|apples"},
		{"PunctuationIsLeftOut", `He said "hi" (twice) -- it's 5:30.`, "He|said|hi|twice|it's|5:30"},
		{"AbbreviationsAndMoneyAreOneEventEach", "Well-known U.S.A. costs $45.50 ... ok", "Well-known|U.S.A|costs|$45.50|ok"},
		{"UnspeakableCharactersAreSkipped", "café naïve 你好 😀 über", "café|naïve|über"},
		{"NULIsASpace", "one\x00two", "one|two"},
		{"RepeatedWordsEachCount", "the the the", "the|the|the"},
	} {
		for _, voice := range Voices {
			t.Run(test.name+"/"+voice, func(t *testing.T) {
				sp := synth(t, e, voice, test.text, 100, 100)
				if got := spoken(test.text, sp.Words); got != test.want {
					t.Errorf("words %q, want %q", got, test.want)
				}
				checkWords(t, test.text, sp)
				for i := 1; i < len(sp.Words); i++ {
					if sp.Words[i].Sample <= sp.Words[i-1].Sample {
						t.Errorf("word %d starts at sample %d, word %d at %d", i-1, sp.Words[i-1].Sample, i, sp.Words[i].Sample)
					}
				}
				if len(sp.Words) > 0 && (sp.Words[0].Sample == 0 || sp.Words[len(sp.Words)-1].Sample >= len(sp.Samples)) {
					t.Errorf("words start at %d…%d of %d samples; want after the leading pause and before the end",
						sp.Words[0].Sample, sp.Words[len(sp.Words)-1].Sample, len(sp.Samples))
				}
			})
		}
	}
}

// TestWordEventsAlignWithAudio checks that words after a pause start where
// the sound does.
func TestWordEventsAlignWithAudio(t *testing.T) {
	e := engine(t)
	const text = "Hello. Seven. Apples, bananas. Maybe!"
	for _, voice := range Voices {
		t.Run("OnsetAtEvent"+voice, func(t *testing.T) {
			sp := synth(t, e, voice, text, 100, 100)
			window := sp.SampleRate * 40 / 1000
			for _, w := range sp.Words {
				word := text[w.TextStart:w.TextEnd]
				if word != "Apples" && word != "Maybe" {
					continue
				}
				if w.Sample < window || w.Sample+window > len(sp.Samples) {
					t.Fatalf("%s at sample %d of %d", word, w.Sample, len(sp.Samples))
				}
				before := audio.Analyze(pcm(&ttsc.Speech{SampleRate: sp.SampleRate, Samples: sp.Samples[w.Sample-window : w.Sample]})).RMSdBFS
				after := audio.Analyze(pcm(&ttsc.Speech{SampleRate: sp.SampleRate, Samples: sp.Samples[w.Sample : w.Sample+window]})).RMSdBFS
				if after < before+10 {
					t.Errorf("%s at sample %d: %.1f dBFS in the 40 ms before, %.1f after; want a clear onset", word, w.Sample, before, after)
				}
			}
		})
	}
}

func TestSynthesizeOddText(t *testing.T) {
	e := engine(t)
	for _, test := range []struct {
		name, text string
		speech     bool
	}{
		{"EmptyIsNoAudio", "", false},
		{"WhitespaceIsNoAudio", " \t\r\n  ", false},
		{"PunctuationOnlyIsSilent", "... !? --", false},
		{"ControlCharactersSpeak", "\x01\x02\x7f tab\there", true},
		{"LongNumberSpeaks", "12345678901234567890", true},
		{"SymbolsSpeak", "$$$ %%% ### @@@ &&& ***", true},
		{"FractionsTimesAndPercentSpeak", "1/2 3:45 12.5% -7 +8 1e10 0x1F", true},
		{"CurlyQuotesAndDashesSpeak", "«quoted» — dash – “curly” ‘single’", true},
		{"LongTokenSpeaks", strings.Repeat("ab", 40), true},
	} {
		for _, voice := range Voices {
			t.Run(test.name+"/"+voice, func(t *testing.T) {
				sp := synth(t, e, voice, test.text, 100, 100)
				if sp.SampleRate != 16000 {
					t.Errorf("rate %d, want 16000", sp.SampleRate)
				}
				checkWords(t, test.text, sp)
				st := audio.Analyze(pcm(sp))
				switch {
				case test.speech && (len(sp.Words) == 0 || st.PeakdBFS < -20):
					t.Errorf("%d words, %v; want speech", len(sp.Words), st)
				case !test.speech && (len(sp.Words) > 0 || st.PeakdBFS > -40):
					t.Errorf("%d words, %v; want silence", len(sp.Words), st)
				case !test.speech && strings.Trim(test.text, whitespace) == "" && len(sp.Samples) > 0:
					t.Errorf("%d samples for blank text, want none", len(sp.Samples))
				}
			})
		}
	}
}

func TestSpeed(t *testing.T) {
	e := engine(t)
	const text = "The quick brown fox jumps over the lazy dog."
	for _, voice := range Voices {
		t.Run("FasterIsShorter"+voice, func(t *testing.T) {
			slow := pcm(synth(t, e, voice, text, 50, 100)).Duration()
			normal := pcm(synth(t, e, voice, text, 100, 100)).Duration()
			fast := pcm(synth(t, e, voice, text, 200, 100)).Duration()
			if !(fast < normal && normal < slow) || fast*3 > slow {
				t.Errorf("speed 50: %v, 100: %v, 200: %v; want 200 under a third of 50", slow, normal, fast)
			}
		})
	}
}

func TestPitch(t *testing.T) {
	e := engine(t)
	const text = "The quick brown fox jumps over the lazy dog."
	for _, voice := range Voices {
		t.Run("HigherIsHigher"+voice, func(t *testing.T) {
			f0 := map[int]float64{}
			for _, pitch := range []int{50, 100, 200} {
				sp := synth(t, e, voice, text, 100, pitch)
				f0[pitch] = medianF0(sp.Samples, sp.SampleRate)
				if err := audio.CheckSpeech(pcm(sp)); err != nil {
					t.Errorf("pitch %d: %v", pitch, err)
				}
			}
			def := e.voices[voice].f0Mean
			if f0[100] < def/1.4 || f0[100] > def*1.4 {
				t.Errorf("pitch 100 has a median F0 of %.0f Hz; want near the voice's %.0f Hz", f0[100], def)
			}
			if f0[200] < 1.5*f0[100] || f0[50] > 0.8*f0[100] {
				t.Errorf("median F0 %.0f Hz at pitch 50, %.0f at 100, %.0f at 200; want clearly lower and higher", f0[50], f0[100], f0[200])
			}
		})
	}
}

// medianF0 estimates the fundamental frequency of the voiced 40 ms frames,
// between 45 and 600 Hz, by normalised autocorrelation.
func medianF0(s []int16, rate int) float64 {
	frame := rate * 40 / 1000
	minLag, maxLag := rate/600, rate/45
	var f0s []float64
	for start := 0; start+frame+maxLag < len(s); start += frame / 2 {
		var e0 float64
		for _, v := range s[start : start+frame] {
			e0 += float64(v) * float64(v)
		}
		if e0/float64(frame) < 1e6 { // quieter than about −30 dBFS
			continue
		}
		best, bestLag := 0.0, 0
		for lag := minLag; lag <= maxLag; lag++ {
			var c, el float64
			for i := start; i < start+frame; i++ {
				c += float64(s[i]) * float64(s[i+lag])
				el += float64(s[i+lag]) * float64(s[i+lag])
			}
			if el == 0 {
				continue
			}
			if r := c / math.Sqrt(e0*el); r > best {
				best, bestLag = r, lag
			}
		}
		if best > 0.6 {
			f0s = append(f0s, float64(rate)/float64(bestLag))
		}
	}
	if len(f0s) == 0 {
		return 0
	}
	slices.Sort(f0s)
	return f0s[len(f0s)/2]
}

func TestDeterminism(t *testing.T) {
	e := engine(t)
	const text = "Hello world, this is a test."
	for _, voice := range Voices {
		t.Run("SameOutputEveryCall/"+voice, func(t *testing.T) {
			a := synth(t, e, voice, text, 100, 100)
			b := synth(t, e, voice, text, 100, 100)
			if !same(a, b) {
				t.Errorf("second call differs: %d and %d samples, words %v and %v", len(a.Samples), len(b.Samples), a.Words, b.Words)
			}
		})
		t.Run("SettingsDoNotLeak/"+voice, func(t *testing.T) {
			before := synth(t, e, voice, text, 100, 100)
			synth(t, e, voice, text, 50, 200)
			synth(t, e, voice, text, 200, 50)
			if after := synth(t, e, voice, text, 0, 0); !same(before, after) {
				t.Errorf("default settings after others differ: %d and %d samples", len(before.Samples), len(after.Samples))
			}
		})
	}
	// Without srand, clustergen's noise continues libc's rand() sequence
	// from call to call; kal16 does not use it.
	for _, voice := range Voices {
		clustergen := e.voices[voice].clustergen
		name := "SameWithoutReseed/" + voice
		if clustergen {
			name = "DiffersWithoutReseed/" + voice
		}
		t.Run(name, func(t *testing.T) {
			var got [2]*ttsc.Speech
			for i := range got {
				sp, err := e.synthesize(context.Background(), ttsc.SynthesisRequest{Voice: voice, Text: text}, false)
				if err != nil {
					t.Fatal(err)
				}
				got[i] = sp
			}
			if len(got[0].Samples) != len(got[1].Samples) || !slices.Equal(got[0].Words, got[1].Words) {
				t.Fatalf("lengths %d and %d, words %v and %v; want the same", len(got[0].Samples), len(got[1].Samples), got[0].Words, got[1].Words)
			}
			if same := slices.Equal(got[0].Samples, got[1].Samples); same == clustergen {
				t.Errorf("two calls without srand give identical samples: %v; want %v", same, !clustergen)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	e := engine(t)
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, test := range []struct {
		name    string
		ctx     context.Context
		req     ttsc.SynthesisRequest
		code    string
		message string
		is      error
	}{
		{"UnknownVoiceIsInvalid", context.Background(), ttsc.SynthesisRequest{Voice: "kal", Text: "hi"}, ttsc.EINVALID, `"kal"`, nil},
		{"EmptyVoiceIsInvalid", context.Background(), ttsc.SynthesisRequest{Text: "hi"}, ttsc.EINVALID, `""`, nil},
		{"BadUTF8IsInvalid", context.Background(), ttsc.SynthesisRequest{Voice: "slt", Text: "caf\xe9"}, ttsc.EINVALID, "UTF-8", nil},
		{"CanceledContextFails", canceled, ttsc.SynthesisRequest{Voice: "slt", Text: "hi"}, ttsc.ESYNTHESIS, "not started", context.Canceled},
	} {
		t.Run(test.name, func(t *testing.T) {
			sp, err := e.Synthesize(test.ctx, test.req)
			if sp != nil || ttsc.ErrorCode(err) != test.code || !strings.Contains(ttsc.ErrorMessage(err), test.message) {
				t.Errorf("Synthesize: %v, %v; want %s mentioning %s", sp, err, test.code, test.message)
			}
			if test.is != nil && !errors.Is(err, test.is) {
				t.Errorf("error %v is not %v", err, test.is)
			}
		})
	}
	t.Run("SampleRateOfUnknownVoiceIsInvalid", func(t *testing.T) {
		if _, err := e.SampleRate("kal"); ttsc.ErrorCode(err) != ttsc.EINVALID {
			t.Errorf("SampleRate: %v, want EINVALID", err)
		}
	})
	t.Run("NilEngineIsUnavailable", func(t *testing.T) {
		if _, err := (*Engine)(nil).SampleRate("slt"); ttsc.ErrorCode(err) != ttsc.EUNAVAILABLE {
			t.Errorf("SampleRate: %v, want EUNAVAILABLE", err)
		}
	})
}

// TestConcurrentSameAsSerial runs requests for every voice from several
// goroutines at once (run it with -race) and compares them with the same
// requests made one by one.
func TestConcurrentSameAsSerial(t *testing.T) {
	e := engine(t)
	var reqs []ttsc.SynthesisRequest
	for _, voice := range Voices {
		reqs = append(reqs,
			ttsc.SynthesisRequest{Voice: voice, Text: "Hello world, 123 apples.", Speed: 100, Pitch: 100},
			ttsc.SynthesisRequest{Voice: voice, Text: "Dr. Smith paid $45.50 at 7:30 pm.", Speed: 150, Pitch: 80},
		)
	}
	serial := make([]*ttsc.Speech, len(reqs))
	for i, req := range reqs {
		serial[i] = synth(t, e, req.Voice, req.Text, req.Speed, req.Pitch)
	}
	const goroutines = 4
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*len(reqs))
	for g := range goroutines {
		wg.Go(func() {
			for k := range reqs {
				i := (k + g*3) % len(reqs) // each goroutine in its own order
				sp, err := e.Synthesize(context.Background(), reqs[i])
				switch {
				case err != nil:
					errs <- err
				case !same(sp, serial[i]):
					errs <- fmt.Errorf("%s %q differs from the serial result", reqs[i].Voice, reqs[i].Text)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSettings(t *testing.T) {
	kal := &voiceInfo{stretch: 1.1, f0Mean: 95, f0Stddev: 11}
	for _, test := range []struct {
		name         string
		speed, pitch int
		want         settings
	}{
		{"DefaultIsTheVoice", 100, 100, settings{1.1, 95, 11, 1}},
		{"UnsetIsTheVoice", 0, 0, settings{1.1, 95, 11, 1}},
		{"DoubleSpeedHalvesDurations", 200, 100, settings{0.55, 95, 11, 1}},
		{"HalfSpeedDoublesDurations", 50, 100, settings{2.2, 95, 11, 1}},
		{"DoublePitchDoublesF0", 100, 200, settings{1.1, 190, 22, 2}},
		{"HalfPitchHalvesF0", 100, 50, settings{1.1, 47.5, 5.5, 0.5}},
		{"TooFastIsClamped", 1000, 100, settings{0.55, 95, 11, 1}},
		{"TooLowIsClamped", 100, 10, settings{1.1, 47.5, 5.5, 0.5}},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := kal.settings(test.speed, test.pitch)
			if !cmp.Equal(got, test.want, cmp.AllowUnexported(settings{}), cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })) {
				t.Errorf("settings(%d, %d) = %+v, want %+v", test.speed, test.pitch, got, test.want)
			}
		})
	}
}

func TestWordEventsMapping(t *testing.T) {
	ev := func(start, end, sample int) ttsc.WordEvent {
		return ttsc.WordEvent{TextStart: start, TextEnd: end, Sample: sample}
	}
	tok := func(ws, pre, name, punc string, sample int) token {
		return token{name: name, whitespace: ws, prepunc: pre, punc: punc, sample: sample}
	}
	for _, test := range []struct {
		name string
		text string
		toks []token
		n    int
		want []ttsc.WordEvent
	}{
		{"PunctuationIsLeftOut", `"Hi," she said.`,
			[]token{tok("", `"`, "Hi", `,"`, 10), tok(" ", "", "she", "", 20), tok(" ", "", "said", ".", 30)}, 100,
			[]ttsc.WordEvent{ev(1, 3, 10), ev(6, 9, 20), ev(10, 14, 30)}},
		{"UnspokenTokenAdvances", "a - b",
			[]token{tok("", "", "a", "", 5), tok(" ", "", "-", "", -1), tok(" ", "", "b", "", 9)}, 100,
			[]ttsc.WordEvent{ev(0, 1, 5), ev(4, 5, 9)}},
		{"DroppedTokenIsSearchedPast", "x (( y",
			[]token{tok("", "", "x", "", 1), tok(" ", "", "y", "", 2)}, 100,
			[]ttsc.WordEvent{ev(0, 1, 1), ev(5, 6, 2)}},
		{"MissingTokenIsLeftOut", "one two",
			[]token{tok("", "", "one", "", 1), tok(" ", "", "zzz", "", 2), tok(" ", "", "two", "", 3)}, 100,
			[]ttsc.WordEvent{ev(0, 3, 1), ev(4, 7, 3)}},
		{"RepeatsMapInOrder", "no no no",
			[]token{tok("", "", "no", "", 1), tok(" ", "", "no", "", 2), tok(" ", "", "no", "", 3)}, 100,
			[]ttsc.WordEvent{ev(0, 2, 1), ev(3, 5, 2), ev(6, 8, 3)}},
		{"SamplesAreMonotoneAndInAudio", "a b c",
			[]token{tok("", "", "a", "", 50), tok(" ", "", "b", "", 40), tok(" ", "", "c", "", 500)}, 100,
			[]ttsc.WordEvent{ev(0, 1, 50), ev(2, 3, 50), ev(4, 5, 100)}},
		{"EmptyNameIsSkipped", "a",
			[]token{tok("", "", "", "", 1), tok("", "", "a", "", 2)}, 100,
			[]ttsc.WordEvent{ev(0, 1, 2)}},
	} {
		t.Run(test.name, func(t *testing.T) {
			if diff := cmp.Diff(test.want, wordEvents(test.text, test.toks, test.n)); diff != "" {
				t.Errorf("wordEvents (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkSynthesize reads the reference English paragraph with each voice.
func BenchmarkSynthesize(b *testing.B) {
	e := engine(b)
	text, err := os.ReadFile("../../../testdata/en-paragraph.txt")
	if err != nil {
		b.Fatal(err)
	}
	chars := utf8.RuneCount(text)
	for _, voice := range Voices {
		b.Run(voice, func(b *testing.B) {
			req := ttsc.SynthesisRequest{Voice: voice, Text: string(text), Speed: 100, Pitch: 100}
			var audioSeconds float64
			for b.Loop() {
				sp, err := e.Synthesize(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				audioSeconds += float64(len(sp.Samples)) / float64(sp.SampleRate)
			}
			b.ReportMetric(float64(chars*b.N)/b.Elapsed().Seconds(), "chars/s")
			b.ReportMetric(audioSeconds/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}
