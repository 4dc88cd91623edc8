package text

import (
	"testing"

	"github.com/openttsc/ttsc"
)

func TestApplyVocabulary(t *testing.T) {
	v := func(typ ttsc.VocabularyType, key, value string) *ttsc.Vocabulary {
		return &ttsc.Vocabulary{Type: typ, Key: key, Value: value}
	}
	for _, test := range []struct {
		name    string
		text    string
		entries []*ttsc.Vocabulary
		want    string
	}{
		{"OKAlias", "The WHO said so.", []*ttsc.Vocabulary{v(ttsc.VocabularyAlias, "WHO", "World Health Organization")}, "The  World Health Organization  said so."},
		{"OKNotInsideWords", "WHOM and WHO", []*ttsc.Vocabulary{v(ttsc.VocabularyAlias, "WHO", "W")}, "WHOM and  W "},
		{"OKPinyin", "我去重庆。", []*ttsc.Vocabulary{v(ttsc.VocabularyG2P, "重庆", "chong2 qing4")}, "我去 chong2 qing4 。"},
		{"OKLongestKeyWins", "New York City", []*ttsc.Vocabulary{v(ttsc.VocabularyAlias, "New York", "NY"), v(ttsc.VocabularyAlias, "New York City", "NYC")}, " NYC "},
		{"OKSpell", "Call 110 now", []*ttsc.Vocabulary{v(ttsc.VocabularySayAs, "110", "telephone")}, "Call  1 1 0  now"},
		{"OKContinuum", "e-mail me", []*ttsc.Vocabulary{v(ttsc.VocabularyContinuum, "e-mail", "")}, " email  me"},
		{"OKPhonetic", "a tomato", []*ttsc.Vocabulary{v(ttsc.VocabularyPhonetic, "tomato", "/təˈmɑːtəʊ/")}, "a  [[t@'mA:toU]] "},
		{"OKPhoneticSkippedWithoutEngineSupport", "a tomato", []*ttsc.Vocabulary{v(ttsc.VocabularyPhonetic, "tomato", "təˈmɑːtəʊ")}, "a tomato"},
		{"OKPhoneticSkippedWhenUnreadable", "a tomato", []*ttsc.Vocabulary{v(ttsc.VocabularyPhonetic, "tomato", "tə☃")}, "a tomato"},
	} {
		t.Run(test.name, func(t *testing.T) {
			phonetic := Phonetic(EspeakPhonemeInput)
			if test.name == "OKPhoneticSkippedWithoutEngineSupport" {
				phonetic = nil
			}
			if got := ApplyVocabulary(test.text, test.entries, phonetic).Text; got != test.want {
				t.Errorf("got %q, want %q", got, test.want)
			}
		})
	}
}

func TestRewriteOriginal(t *testing.T) {
	r := ApplyVocabulary("The WHO said so.", []*ttsc.Vocabulary{{Type: ttsc.VocabularyAlias, Key: "WHO", Value: "World Health Organization"}}, nil)
	// "The  World Health Organization  said so."
	for _, test := range []struct {
		off  int
		end  bool
		want int
	}{
		{0, false, 0},  // T
		{5, false, 4},  // inside the alias → start of WHO
		{30, true, 7},  // end of the alias → end of WHO
		{32, false, 8}, // "said" moves back by the length difference
		{len(r.Text), true, len("The WHO said so.")},
	} {
		if got := r.Original(test.off, test.end); got != test.want {
			t.Errorf("Original(%d, %v) = %d, want %d (text %q)", test.off, test.end, got, test.want, r.Text)
		}
	}
}

func TestEspeakPhonemes(t *testing.T) {
	for _, test := range []struct {
		name, ipa, want string
		wantErr         bool
	}{
		{"OKBritish", "təˈmɑːtəʊ", "t@'mA:toU", false},
		{"OKAmericanRhotic", "nˈɔːɹθ fˈoːɹs", "n'O@T f'o@s", false},
		{"OKAffricatesAndDiphthongs", "dʒˈʌdʒ tʃˈɜːtʃ bˈɔɪ", "dZ'VdZ tS'3:tS b'OI", false},
		{"OKSlashesAndSyllableBreaks", "/ˈbʌ.tn̩/", "'bVtn-", false},
		{"OKASCIIStress", "'hɛloʊ", "'hEloU", false},
		{"ErrUnknownSymbol", "ʙ", "", true},
		{"ErrEmpty", "  ", "", true},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := EspeakPhonemes(test.ipa)
			if (err != nil) != test.wantErr || got != test.want {
				t.Errorf("EspeakPhonemes(%q) = %q, %v; want %q, error %v", test.ipa, got, err, test.want, test.wantErr)
			}
		})
	}
}
