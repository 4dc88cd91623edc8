//go:build cgo && !noespeak

package espeak

import (
	"strings"
	"testing"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/text"
)

// TestVocabularyChangesPronunciation checks the effect of pronunciation
// entries on what the engine says, through its own phonemes.
func TestVocabularyChangesPronunciation(t *testing.T) {
	e := engine(t)
	for _, test := range []struct {
		name, voice, text string
		entry             ttsc.Vocabulary
		want              string // what the engine should now read
	}{
		// espeak-ng reads 重庆 as zhong4 qing4; the city is chong2 qing4.
		{"OKChineseG2P", "cmn-latn-pinyin", "我们去重庆", ttsc.Vocabulary{Type: ttsc.VocabularyG2P, Key: "重庆", Value: "chong2 qing4"}, "我们去 chong2 qing4"},
		{"OKAlias", "en-us", "The WHO met today.", ttsc.Vocabulary{Type: ttsc.VocabularyAlias, Key: "WHO", Value: "World Health Organization"}, "The World Health Organization met today."},
		{"OKTelephone", "en-us", "Dial 110.", ttsc.Vocabulary{Type: ttsc.VocabularySayAs, Key: "110", Value: "telephone"}, "Dial 1 1 0."},
	} {
		t.Run(test.name, func(t *testing.T) {
			before, err := e.Phonemes(test.voice, test.text, false)
			if err != nil {
				t.Fatal(err)
			}
			rw := text.ApplyVocabulary(test.text, []*ttsc.Vocabulary{&test.entry}, text.EspeakPhonemeInput)
			after, err := e.Phonemes(test.voice, rw.Text, false)
			if err != nil {
				t.Fatal(err)
			}
			want, err := e.Phonemes(test.voice, test.want, false)
			if err != nil {
				t.Fatal(err)
			}
			if after == before {
				t.Errorf("the entry changed nothing: %q", after)
			}
			if after != want {
				t.Errorf("with the entry the engine reads %q, want %q (as for %q)", after, want, test.want)
			}
		})
	}
}

// TestPhoneticSymbolsRoundTrip checks the IPA conversion against the
// engine: the IPA espeak-ng gives for a word, turned into phoneme input,
// must read back as the same IPA.
func TestPhoneticSymbolsRoundTrip(t *testing.T) {
	e := engine(t)
	words := strings.Fields("tomato wanted father hot thought nurse butter city judge church thing " +
		"measure better happy near square cure go now boy price face goose foot strut lot bath " +
		"cloth north force start letter comma button little rhythm schedule either data route")
	for _, voice := range []string{"en-us", "en"} {
		t.Run("OK/"+voice, func(t *testing.T) {
			for _, w := range words {
				ipa, err := e.Phonemes(voice, w, true)
				if err != nil {
					t.Fatal(err)
				}
				input, err := text.EspeakPhonemeInput(ipa)
				if err != nil {
					t.Errorf("%s: %q: %v", w, ipa, err)
					continue
				}
				back, err := e.Phonemes(voice, input, true)
				if err != nil {
					t.Fatal(err)
				}
				if back != ipa {
					t.Errorf("%s: IPA %q → %s → %q", w, ipa, input, back)
				}
			}
		})
	}
}

// TestPhoneticSymbolEntry checks that a PHONETIC_SYMBOL entry changes what
// the engine says into the IPA of the entry.
func TestPhoneticSymbolEntry(t *testing.T) {
	e := engine(t)
	const src = "I say tomato."
	entry := &ttsc.Vocabulary{Type: ttsc.VocabularyPhonetic, Key: "tomato", Value: "/təˈmɑːtəʊ/"}
	before, err := e.Phonemes("en-us", src, true)
	if err != nil {
		t.Fatal(err)
	}
	rw := text.ApplyVocabulary(src, []*ttsc.Vocabulary{entry}, text.EspeakPhonemeInput)
	after, err := e.Phonemes("en-us", rw.Text, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(before, "mˈeɪ") || !strings.Contains(after, "mˈɑː") || strings.Contains(after, "mˈeɪ") {
		t.Errorf("tomato reads %q without the entry and %q with it; want the American mˈeɪ, then the British mˈɑː", before, after)
	}
}
