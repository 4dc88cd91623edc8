package text

import (
	"sort"
	"strings"
	"unicode"

	"github.com/openttsc/ttsc"
)

// Rewrite is text after pronunciation rules, with the way back to the
// original: engines read Text, and offsets in Text map to offsets in the
// original for timestamps and subtitles.
type Rewrite struct {
	Text  string
	edits []edit // in text order
}

// edit replaced Orig[oStart:oEnd] with Text[nStart:nEnd].
type edit struct{ oStart, oEnd, nStart, nEnd int }

// Original maps a byte offset in r.Text to the original text. An offset
// inside replaced text maps to the start of what it replaced (or its end,
// when end is set), so a word read from an alias spans the whole key.
func (r *Rewrite) Original(off int, end bool) int {
	delta := 0
	for _, e := range r.edits {
		if off < e.nStart {
			break
		}
		if off < e.nEnd || off == e.nEnd && end {
			if end {
				return e.oEnd
			}
			return e.oStart
		}
		delta = e.oEnd - e.nEnd
	}
	return off + delta
}

// Phonetic turns an IPA transcription into text an engine reads as those
// phonemes, such as EspeakPhonemeInput.
type Phonetic func(ipa string) (string, error)

// ApplyVocabulary rewrites s with a project's pronunciation entries, so the
// engine reads each key as its entry says:
//
//   - ALIAS reads the value instead of the key;
//   - CHINESE_G2P reads the pinyin of the value (the Mandarin voices read
//     Latin text as pinyin with tone digits);
//   - SAY_AS spell and telephone read the key character by character;
//     number, figure and date leave it to the engine's own number rules;
//     english reads the key as a word;
//   - CONTINUUM reads the key without the pauses its spaces and
//     punctuation would make;
//   - PHONETIC_SYMBOL reads the IPA of the value, through phonetic, which
//     turns IPA into what the voice's engine reads as phonemes; entries
//     whose IPA it cannot turn, or all of them when phonetic is nil (the
//     engine takes no phonemes), are left out.
//
// Longer keys win over keys they contain, and the earliest match wins
// between overlapping ones. Matching is exact and case-sensitive; for
// Latin keys a match must not be part of a longer word.
func ApplyVocabulary(s string, entries []*ttsc.Vocabulary, phonetic Phonetic) *Rewrite {
	rules := make([]*ttsc.Vocabulary, 0, len(entries))
	with := make(map[*ttsc.Vocabulary]string, len(entries))
	for _, v := range entries {
		if v.Key == "" {
			continue
		}
		if v.Type == ttsc.VocabularyPhonetic {
			if phonetic == nil {
				continue
			}
			ph, err := phonetic(v.Value)
			if err != nil {
				continue
			}
			with[v] = ph
		} else {
			with[v] = replacement(v)
		}
		rules = append(rules, v)
	}
	sort.SliceStable(rules, func(i, j int) bool { return len(rules[i].Key) > len(rules[j].Key) })
	type match struct {
		start, end int
		with       string
	}
	var found []match
	taken := func(a, b int) bool {
		for _, m := range found {
			if a < m.end && m.start < b {
				return true
			}
		}
		return false
	}
	for _, v := range rules {
		for from := 0; ; {
			i := strings.Index(s[from:], v.Key)
			if i < 0 {
				break
			}
			a, b := from+i, from+i+len(v.Key)
			from = b
			if !wordBounded(s, a, b) || taken(a, b) {
				continue
			}
			found = append(found, match{a, b, with[v]})
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].start < found[j].start })
	r := &Rewrite{}
	var out strings.Builder
	last := 0
	for _, m := range found {
		out.WriteString(s[last:m.start])
		// Spaces keep a pinyin or alias reading apart from neighbouring
		// Chinese characters.
		with := " " + m.with + " "
		n := out.Len()
		out.WriteString(with)
		r.edits = append(r.edits, edit{m.start, m.end, n, n + len(with)})
		last = m.end
	}
	out.WriteString(s[last:])
	r.Text = out.String()
	return r
}

// replacement is what the engine reads for a rule's key.
func replacement(v *ttsc.Vocabulary) string {
	switch v.Type {
	case ttsc.VocabularyAlias, ttsc.VocabularyG2P:
		return v.Value
	case ttsc.VocabularySayAs:
		return sayAs(v.Key, v.Value)
	case ttsc.VocabularyContinuum:
		return continuum(v.Key)
	}
	return v.Key
}

// sayAs is what the engine reads for s interpreted as as (a SAY_AS value
// or an SSML interpret-as): spelled out character by character, as a
// lowercase word, or left to the engine's own rules for numbers and
// dates.
func sayAs(s, as string) string {
	switch as {
	case "spell", "characters", "telephone", "digits":
		var parts []string
		for _, c := range s {
			if !unicode.IsSpace(c) {
				parts = append(parts, string(c))
			}
		}
		return strings.Join(parts, " ")
	case "english":
		return strings.ToLower(s)
	}
	return s
}

// continuum is s read as one unit: without the spaces and punctuation
// that would make the engine pause.
func continuum(s string) string {
	return strings.Map(func(c rune) rune {
		if unicode.IsSpace(c) || unicode.IsPunct(c) {
			return -1
		}
		return c
	}, s)
}

// wordBounded reports whether s[a:b] is not part of a longer Latin word
// or number.
func wordBounded(s string, a, b int) bool {
	isWordByte := func(c byte) bool { return c < 0x80 && (unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))) }
	if a > 0 && isWordByte(s[a-1]) && isWordByte(s[a]) {
		return false
	}
	if b < len(s) && isWordByte(s[b]) && isWordByte(s[b-1]) {
		return false
	}
	return true
}
