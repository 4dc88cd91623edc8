//go:build cgo && !noespeak

package espeak

import (
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
			rw := text.ApplyVocabulary(test.text, []*ttsc.Vocabulary{&test.entry})
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
