package speech

import (
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/openttsc/ttsc"
)

// letterSpeech reads each run of letters of s as a word, 100 ms apart at
// 1 kHz, with 50 ms after the last.
func letterSpeech(s string) *ttsc.Speech {
	sp := &ttsc.Speech{SampleRate: 1000}
	start := -1
	for i, r := range s + " " {
		switch {
		case unicode.IsLetter(r) && start < 0:
			start = i
		case !unicode.IsLetter(r) && start >= 0:
			sp.Words = append(sp.Words, ttsc.WordEvent{TextStart: start, TextEnd: i, Sample: 100 * len(sp.Words)})
			start = -1
		}
	}
	sp.Samples = make([]int16, 100*len(sp.Words)+50)
	return sp
}

func TestFileWords(t *testing.T) {
	voice := ttsc.Voice{Engine: "test", EngineVoice: "v", Locale: "en-US"}
	alias := []*ttsc.Vocabulary{{Type: ttsc.VocabularyAlias, Key: "WHO", Value: "World Health Organization"}}
	for _, test := range []struct {
		name    string
		src     string
		entries []*ttsc.Vocabulary
		want    [][]ttsc.WordTiming // per segment
	}{
		{
			name: "OKSecondSegmentInCodePoints",
			src:  "Hi there. Ça va? 👋 Oui.",
			want: [][]ttsc.WordTiming{
				{{Text: "Hi", BeginChar: 0, EndChar: 2, BeginMs: 0, EndMs: 100}, {Text: "there", BeginChar: 3, EndChar: 8, BeginMs: 100, EndMs: 250}},
				{{Text: "Ça", BeginChar: 10, EndChar: 12, BeginMs: 0, EndMs: 100}, {Text: "va", BeginChar: 13, EndChar: 15, BeginMs: 100, EndMs: 250}},
				{{Text: "Oui", BeginChar: 19, EndChar: 22, BeginMs: 0, EndMs: 150}},
			},
		},
		{
			name:    "OKAliasIsOneWordOfItsKey",
			src:     "Hi WHO. Ça va?",
			entries: alias,
			want: [][]ttsc.WordTiming{
				{{Text: "Hi", BeginChar: 0, EndChar: 2, BeginMs: 0, EndMs: 100}, {Text: "WHO", BeginChar: 3, EndChar: 6, BeginMs: 100, EndMs: 450}},
				{{Text: "Ça", BeginChar: 8, EndChar: 10, BeginMs: 0, EndMs: 100}, {Text: "va", BeginChar: 11, EndChar: 13, BeginMs: 100, EndMs: 250}},
			},
		},
		{
			name: "OKSSMLDisplayText",
			src:  `<speak>Tom &amp; <sub alias="Jerry Mouse">J.</sub><break time="1s"/>Bye.</speak>`,
			want: [][]ttsc.WordTiming{
				{{Text: "Tom", BeginChar: 0, EndChar: 3, BeginMs: 0, EndMs: 100}, {Text: "J.", BeginChar: 6, EndChar: 8, BeginMs: 100, EndMs: 350}},
				{{Text: "Bye", BeginChar: 9, EndChar: 12, BeginMs: 1000, EndMs: 1150}},
			},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			prep, err := Prepare(test.src, voice, test.entries, Limits{PackRunes: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(prep.Segments) != len(test.want) {
				t.Fatalf("%d segments %+v, want %d", len(prep.Segments), prep.Segments, len(test.want))
			}
			chars := []rune(prep.Display)
			for i, seg := range prep.Segments {
				sp := letterSpeech(seg.Text)
				pad(sp, seg.PauseBeforeMs, seg.PauseAfterMs)
				words := SegmentWords(sp)
				kept := slices.Clone(words)
				got := FileWords(prep, seg, words)
				if diff := cmp.Diff(test.want[i], got); diff != "" {
					t.Errorf("segment %d %q (-want +got):\n%s", i, seg.Text, diff)
				}
				if !slices.Equal(words, kept) {
					t.Errorf("segment %d: FileWords changed its argument", i)
				}
				for _, w := range got {
					if string(chars[w.BeginChar:w.EndChar]) != w.Text {
						t.Errorf("word %q is not the text's characters %d:%d", w.Text, w.BeginChar, w.EndChar)
					}
				}
			}
		})
	}
	t.Run("OKNoWords", func(t *testing.T) {
		prep, err := Prepare("Hello.", voice, nil, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got := FileWords(prep, prep.Segments[0], SegmentWords(&ttsc.Speech{SampleRate: 1000, Samples: make([]int16, 10)})); got != nil {
			t.Errorf("FileWords = %v, want nil", got)
		}
	})
}

func TestCharCounter(t *testing.T) {
	s := "aé👋b"
	c := charCounter(s)
	for _, b := range []int{0, 1, 3, 7, 8, 3, 0, 8} {
		if got, want := c(b), utf8.RuneCountInString(s[:b]); got != want {
			t.Errorf("chars(%d) = %d, want %d", b, got, want)
		}
	}
}

func TestTrimSpace(t *testing.T) {
	for _, c := range []struct {
		s            string
		a, b         int
		wantA, wantB int
	}{
		{" ab ", 0, 4, 1, 3},
		{"\u3000x\u3000", 0, 7, 3, 4},
		{"  ", 0, 2, 2, 2},
		{"ab", 1, 0, 1, 1},
		{"ab", -1, 9, 0, 2},
	} {
		if a, b := trimSpace(c.s, c.a, c.b); a != c.wantA || b != c.wantB {
			t.Errorf("trimSpace(%q, %d, %d) = %d, %d; want %d, %d", c.s, c.a, c.b, a, b, c.wantA, c.wantB)
		}
	}
}
