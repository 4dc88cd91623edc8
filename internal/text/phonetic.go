package text

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ipaMulti are IPA sequences that map as a unit onto espeak-ng's English
// phoneme mnemonics, longest first: diphthongs, long vowels, r-coloured
// vowels of American English, affricates and syllabic consonants.
var ipaMulti = []struct{ ipa, espeak string }{
	{"ɔːɹ", "O@"}, {"oːɹ", "o@"}, {"ɑːɹ", "A@"},
	{"ɪɹ", "i@3"}, {"ɛɹ", "e@"}, {"ʊɹ", "U@"},
	{"tʃ", "tS"}, {"dʒ", "dZ"},
	{"eɪ", "eI"}, {"aɪ", "aI"}, {"ɔɪ", "OI"}, {"aʊ", "aU"}, {"oʊ", "oU"}, {"əʊ", "oU"},
	{"ɪə", "i@"}, {"eə", "e@"}, {"ɛə", "e@"}, {"ʊə", "U@"},
	{"ɑː", "A:"}, {"ɔː", "O:"}, {"ɜː", "3:"}, {"iː", "i:"}, {"uː", "u:"}, {"oː", "O:"},
	{"n\u0329", "n-"}, {"m\u0329", "m-"}, {"l\u0329", "@L"},
}

// ipaSingle maps single IPA symbols; stress marks become espeak-ng's ' and
// ,.
var ipaSingle = map[rune]string{
	'i': "i", 'ɪ': "I", 'ᵻ': "I#", 'e': "E", 'ɛ': "E", 'æ': "a", 'a': "a", 'ɐ': "a#",
	'ɑ': "A:", 'ɒ': "0", 'ɔ': "O2", 'o': "o", 'ʊ': "U", 'u': "u:", 'ʌ': "V", 'ə': "@",
	'ɚ': "3", 'ɝ': "3:", 'ɜ': "3:",
	'p': "p", 'b': "b", 't': "t", 'd': "d", 'k': "k", 'g': "g", 'ɡ': "g",
	'f': "f", 'v': "v", 'θ': "T", 'ð': "D", 's': "s", 'z': "z", 'ʃ': "S", 'ʒ': "Z",
	'h': "h", 'm': "m", 'n': "n", 'ŋ': "N", 'l': "l", 'ɫ': "l",
	'r': "r", 'ɹ': "r", 'ɾ': "t#", 'w': "w", 'ʍ': "w", 'j': "j", 'ʔ': "?", 'x': "x",
	'ˈ': "'", '\'': "'", 'ˌ': ",", 'ː': ":", ' ': " ",
}

// ipaIgnored are marks that carry nothing espeak-ng needs: slashes and
// brackets around a transcription, syllable breaks and linking marks.
const ipaIgnored = "/[].‿"

// EspeakPhonemes converts an IPA transcription of English, as
// dictionaries and ShowTtsPhoneticSymbol write it, into espeak-ng's
// phoneme mnemonics, which its English voices read inside [[ ]]. It
// returns an error naming the first symbol it cannot map.
func EspeakPhonemes(ipa string) (string, error) {
	ipa = strings.TrimSpace(ipa)
	if ipa == "" {
		return "", fmt.Errorf("the phonetic symbols are empty")
	}
	var out strings.Builder
next:
	for i := 0; i < len(ipa); {
		for _, m := range ipaMulti {
			if strings.HasPrefix(ipa[i:], m.ipa) {
				out.WriteString(m.espeak)
				i += len(m.ipa)
				continue next
			}
		}
		r, n := utf8.DecodeRuneInString(ipa[i:])
		i += n
		if strings.ContainsRune(ipaIgnored, r) {
			continue
		}
		e, ok := ipaSingle[r]
		if !ok {
			return "", fmt.Errorf("the phonetic symbol %q (U+%04X) is not one of the English IPA symbols ttsc reads", r, r)
		}
		out.WriteString(e)
	}
	return out.String(), nil
}

// EspeakPhonemeInput is a Phonetic for espeak-ng's English voices: the
// IPA as phoneme mnemonics in the [[ ]] brackets espeak-ng reads as
// phonemes.
func EspeakPhonemeInput(ipa string) (string, error) {
	p, err := EspeakPhonemes(ipa)
	if err != nil {
		return "", err
	}
	return "[[" + p + "]]", nil
}
