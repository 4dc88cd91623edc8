package text

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openttsc/ttsc"
)

// seg is what a test expects of a segment.
type seg struct {
	Text          string
	Prosody       Prosody
	Before, After int
}

func segsOf(p *Prepared) []seg {
	var out []seg
	for _, s := range p.Segments {
		out = append(out, seg{s.Text, s.Prosody, s.PauseBeforeMs, s.PauseAfterMs})
	}
	return out
}

func TestPrepareSSML(t *testing.T) {
	n := Neutral
	fast := Prosody{Rate: 1.5, Pitch: 1, Volume: 1}
	for _, test := range []struct {
		name     string
		src      string
		display  string
		text     string
		segments []seg
	}{
		{"OK/plain text passes through", "a < b & c.", "a < b & c.", "a < b & c.", []seg{{"a < b & c.", n, 0, 0}}},
		{"OK/break splits and pauses", `<speak>Hello <break time="1.5s"/>world.</speak>`, "Hello world.", "Hello world.",
			[]seg{{"Hello", n, 0, 0}, {"world.", n, 1500, 0}}},
		{"OK/break strength", `<speak>One. <break strength="x-strong"/>Two.</speak>`, "One. Two.", "One. Two.",
			[]seg{{"One.", n, 0, 0}, {"Two.", n, 1000, 0}}},
		{"OK/break without attributes is medium", `<speak>One.<break/>Two.</speak>`, "One. Two.", "One. Two.",
			[]seg{{"One.", n, 0, 0}, {"Two.", n, 400, 0}}},
		{"OK/trailing break pads the end", `<speak>Done.<break time="300ms"/></speak>`, "Done. ", "Done. ",
			[]seg{{"Done.", n, 0, 300}}},
		{"OK/prosody keywords", `<speak>Slow. <prosody rate="fast">Quick.</prosody></speak>`, "Slow. Quick.", "Slow. Quick.",
			[]seg{{"Slow.", n, 0, 0}, {"Quick.", fast, 0, 0}}},
		{"OK/nested prosody multiplies", `<speak><prosody rate="150%"><prosody rate="-20%" pitch="x-high" volume="-6dB">In.</prosody></prosody></speak>`,
			"In.", "In.", []seg{{"In.", Prosody{Rate: 1.2, Pitch: 1.5, Volume: 0.501187}, 0, 0}}},
		{"OK/sub reads the alias", `<speak>The <sub alias="World Health Organization">WHO</sub> met.</speak>`,
			"The WHO met.", "The  World Health Organization  met.", []seg{{"The  World Health Organization  met.", n, 0, 0}}},
		{"OK/say-as spells", `<speak>Call <say-as interpret-as="telephone">110</say-as>.</speak>`, "Call 110.", "Call  1 1 0 .", []seg{{"Call  1 1 0 .", n, 0, 0}}},
		{"OK/phoneme ipa", `<speak>A <phoneme alphabet="ipa" ph="təˈmɑːtəʊ">tomato</phoneme>.</speak>`, "A tomato.", "A  [[t@'mA:toU]] .", []seg{{"A  [[t@'mA:toU]] .", n, 0, 0}}},
		{"OK/phoneme pinyin", `<speak>去<phoneme alphabet="pinyin" ph="chong2 qing4">重庆</phoneme></speak>`, "去重庆", "去 chong2 qing4 ", []seg{{"去 chong2 qing4", n, 0, 0}}},
		{"OK/word joins", `<speak><word>e-mail</word> me.</speak>`, "e-mail me.", " email  me.", []seg{{"email  me.", n, 0, 0}}},
		{"OK/entities decoded", `<speak>Fish &amp; chips &#x263A;.</speak>`, "Fish & chips ☺.", "Fish & chips ☺.", []seg{{"Fish & chips ☺.", n, 0, 0}}},
		{"OK/emotion, mark and insert-action are accepted", `<speak><emotion type="HAPPY">Yes<mark name="m"/><insert-action name="wave" tag="1"/>.</emotion></speak>`,
			"Yes.", "Yes.", []seg{{"Yes.", n, 0, 0}}},
		{"OK/paragraphs end sentences", `<speak><p>First one here</p><p>second one here</p></speak>`, "First one here\nsecond one here\n", "First one here\nsecond one here\n",
			[]seg{{"First one here\nsecond one here", n, 0, 0}}},
		{"OK/declaration and attributes of speak", `<?xml version="1.0"?><speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">Hi there.</speak>`,
			"Hi there.", "Hi there.", []seg{{"Hi there.", n, 0, 0}}},
	} {
		t.Run(test.name, func(t *testing.T) {
			p, err := Prepare(test.src, Options{Phonetic: EspeakPhonemeInput, SegmentRunes: 300, Packing: Packing{First: 150, Most: 300}})
			if err != nil {
				t.Fatal(err)
			}
			if p.Display != test.display || p.Text != test.text {
				t.Errorf("display %q, text %q; want %q, %q", p.Display, p.Text, test.display, test.text)
			}
			round := cmp.Comparer(func(a, b float64) bool { return a-b < 1e-5 && b-a < 1e-5 })
			if diff := cmp.Diff(test.segments, segsOf(p), round); diff != "" {
				t.Errorf("segments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrepareSSMLOffsets(t *testing.T) {
	p, err := Prepare(`<speak>The <sub alias="World Health Organization">WHO</sub> met <break/>today.</speak>`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Every word of the engine text maps back into the display text; the
	// alias's words map onto WHO.
	for _, test := range []struct {
		word string
		want string
	}{{"The", "The"}, {"World", "WHO"}, {"Organization", "WHO"}, {"met", "met"}, {"today", "today"}} {
		i := strings.Index(p.Text, test.word)
		a, b := p.Original(i, false), p.Original(i+len(test.word), true)
		if got := p.Display[a:b]; got != test.want {
			t.Errorf("%s maps to %q, want %q", test.word, got, test.want)
		}
	}
}

func TestPrepareSSMLErrors(t *testing.T) {
	for _, test := range []struct {
		name, src string
		want      []string // parts of the message
	}{
		{"Error/unknown element names position", "<speak>\n  Hi <voice name='x'>x</voice></speak>", []string{"<voice>", "line 2, column 6", "unknown element"}},
		{"Error/unknown attribute", `<speak><break duration="1s"/></speak>`, []string{"<break>", "attribute duration"}},
		{"Error/break too long", `<speak>a<break time="11s"/></speak>`, []string{"<break>", "10000 ms"}},
		{"Error/break time unit", `<speak>a<break time="5"/></speak>`, []string{"<break>", "500ms or 2s"}},
		{"Error/break strength", `<speak>a<break strength="huge"/></speak>`, []string{"strength \"huge\""}},
		{"Error/breaks add up", "<speak>" + strings.Repeat(`a<break time="10s"/>`, 13) + "</speak>", []string{"add up to more than 120000 ms"}},
		{"Error/rate word", `<speak><prosody rate="fastest">x</prosody></speak>`, []string{"<prosody>", "rate \"fastest\"", "x-fast"}},
		{"Error/nested rate out of range", `<speak><prosody rate="2"><prosody rate="150%">x</prosody></prosody></speak>`, []string{"<prosody>", "line 1, column 26", "0.5 to 2"}},
		{"Error/volume too loud", `<speak><prosody volume="+12dB">x</prosody></speak>`, []string{"volume"}},
		{"Error/say-as interpret-as", `<speak><say-as interpret-as="morse">x</say-as></speak>`, []string{"<say-as>", "interpret-as \"morse\""}},
		{"Error/sub without alias", `<speak><sub>x</sub></speak>`, []string{"<sub>", "alias is required"}},
		{"Error/element inside sub", `<speak><sub alias="y"><break/></sub></speak>`, []string{"<break>", "<sub> may only contain text"}},
		{"Error/phoneme without ph", `<speak><phoneme>x</phoneme></speak>`, []string{"<phoneme>", "ph is required"}},
		{"Error/phoneme symbol", `<speak><phoneme alphabet="ipa" ph="ʙ">x</phoneme></speak>`, []string{"<phoneme>", "U+0299"}},
		{"Error/phoneme alphabet", `<speak><phoneme alphabet="x-sampa" ph="t@">x</phoneme></speak>`, []string{"alphabet \"x-sampa\""}},
		{"Error/text in break", `<speak><break>x</break></speak>`, []string{"<break>", "takes no text"}},
		{"Error/not closed", `<speak>Hi <prosody rate="fast">there`, []string{"not well-formed"}},
		{"Error/mismatched tags", `<speak>Hi <prosody rate="fast">there</speak></prosody>`, []string{"not well-formed"}},
		{"Error/text after speak", `<speak>Hi</speak> there`, []string{"text outside <speak>"}},
		{"Error/second root", `<speak>Hi</speak><speak>x</speak>`, []string{"one <speak>"}},
		{"Error/nested speak", `<speak>Hi<speak>x</speak></speak>`, []string{"<speak> may only be the root"}},
		{"Error/doctype", `<speak><!DOCTYPE x>Hi</speak>`, []string{"declarations"}},
		{"Error/too deep", "<speak>" + strings.Repeat("<emotion>", 40) + "x" + strings.Repeat("</emotion>", 40) + "</speak>", []string{"deeper than 32"}},
		{"Error/too many elements", "<speak>" + strings.Repeat("<mark/>", 1001) + "</speak>", []string{"more than 1000 elements"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := Prepare(test.src, Options{})
			if ttsc.ErrorCode(err) != ttsc.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
			for _, w := range test.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", ttsc.ErrorMessage(err), w)
				}
			}
		})
	}
}

func TestPrepareVocabularyAndSSML(t *testing.T) {
	entries := []*ttsc.Vocabulary{{Type: ttsc.VocabularyAlias, Key: "WHO", Value: "the organisation"}}
	p, err := Prepare(`<speak>WHO and <sub alias="who">WHO</sub></speak>`, Options{Vocabulary: entries})
	if err != nil {
		t.Fatal(err)
	}
	// The entry applies to plain text; the markup decides inside <sub>.
	if want := " the organisation  and  who "; p.Text != want {
		t.Errorf("text %q, want %q", p.Text, want)
	}
}
