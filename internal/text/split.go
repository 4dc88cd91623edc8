// Package text prepares text for synthesis: it splits what a client sent
// into sentence-sized segments, each of which an engine reads on its own and
// the worker stores as one audio file.
//
// Every segment is a slice of the original text, so its byte offset there
// is all later stages need to map engine word events back onto the request
// (timestamps, subtitles).
package text

import (
	"unicode"
	"unicode/utf8"
)

// Segment is one piece of text to synthesize: a trimmed sentence, or part
// of a sentence that was too long to read at once.
type Segment struct {
	// Text is exactly s[Start:Start+len(Text)] of the text that was split;
	// it is never rewritten, so offsets computed on it hold in the original.
	Text string
	// Start is the byte offset of Text in the original text.
	Start int
	// Prosody is how to read the segment relative to the request, and
	// PauseBeforeMs and PauseAfterMs the silence around it (from SSML;
	// Split leaves them zero, Prepare sets them).
	Prosody                     Prosody
	PauseBeforeMs, PauseAfterMs int
}

// End returns the byte offset just past the segment in the original text.
func (g Segment) End() int { return g.Start + len(g.Text) }

// minRunes is the length below which a sentence is merged with its
// neighbour: engines read a lone "OK." or "好。" with odd prosody, and a
// file per interjection helps no one.
const minRunes = 4

// Runes returns the number of Unicode code points in s, the unit in which
// MetaStudio and ttsc count text length. Invalid UTF-8 counts one per byte.
func Runes(s string) int { return utf8.RuneCountInString(s) }

// Split cuts s into segments of at most maxRunes code points (no limit when
// maxRunes <= 0), in text order.
//
// Each segment is one sentence, keeping its closing punctuation and quotes.
// Sentences end at . ! ? … 。！？； and line breaks, but a full stop inside
// a number ("3.14"), after an abbreviation or initial ("Mr.", "J.", "e.g.")
// or before a lowercase word does not end one. Splitting wrongly hurts
// prosody more than merging wrongly, so where in doubt Split keeps text
// together. A sentence shorter than a few characters, or with no letter or
// digit, is merged with the next one (the last with the one before) when
// the result fits. A sentence longer than maxRunes is cut at its last clause
// boundary (，,、;：: or a space) within the limit, or hard at the limit when
// it has none.
//
// Whitespace around segments is dropped; nothing else is: the segments
// together hold every other character of s. Whitespace-only text gives no
// segments. Split is deterministic, so a retried job gets the same segments.
func Split(s string, maxRunes int) []Segment {
	segs := make([]Segment, 0, len(s)/80+1)
	scanSentences(s, func(start, end int) {
		segs = splitLong(segs, s, start, end, maxRunes)
	})
	return mergeShort(segs, s, maxRunes)
}

// scanSentences calls emit with the trimmed, non-empty byte range of each
// sentence of s.
func scanSentences(s string, emit func(start, end int)) {
	flush := func(start, end int) {
		start, end = trim(s, start, end)
		if start < end {
			emit(start, end)
		}
	}
	start := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch {
		case isLineBreak(r):
			if !softWrap(s, start, i) {
				flush(start, i)
				start = i + size
			}
			i += size
		case isTerminator(r):
			end, run := absorb(s, i)
			if endsSentence(s, i, end, run) {
				flush(start, end)
				start = end
			}
			i = end
		default:
			i += size
		}
	}
	flush(start, len(s))
}

// runInfo describes a run of sentence-ending punctuation.
type runInfo struct {
	dots     int  // ASCII full stops
	ellipsis bool // a "…" in the run
	strong   bool // ! ? and the like, which no abbreviation or ellipsis rule holds back
	wide     bool // a CJK terminator: these languages have no spaces to wait for
}

// absorb returns the end of the run of terminators and closing quotes or
// brackets that starts at i, so "?!”" and "...)" stay with their sentence.
func absorb(s string, i int) (int, runInfo) {
	var info runInfo
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '.':
			info.dots++
		case r == '…':
			info.ellipsis = true
		case isWideTerminator(r):
			info.wide = true
		case isTerminator(r):
			info.strong = true
		case isCloser(r):
		case r == '"' || r == '\'':
			// A straight quote after a terminator closes the sentence's
			// quotation unless a word follows at once ("'s", "\"a").
			next, _ := utf8.DecodeRuneInString(s[i+size:])
			if i+size < len(s) && (unicode.IsLetter(next) || unicode.IsDigit(next)) {
				return i, info
			}
		default:
			return i, info
		}
		i += size
	}
	return i, info
}

// endsSentence decides whether the terminator run s[i:end] ends a sentence.
func endsSentence(s string, i, end int, run runInfo) bool {
	if run.wide || end == len(s) {
		return true
	}
	next, _ := utf8.DecodeRuneInString(s[end:])
	if !isSpace(next) {
		// "3.14", "example.com", "e.g", "?a=1": no sentence ends inside a
		// word. Chinese after an English full stop has no space to show.
		return isWide(next)
	}
	if run.strong {
		return true
	}
	j := end
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !isSpace(r) {
			break
		}
		if isLineBreak(r) {
			return true
		}
		j += size
	}
	if j == len(s) {
		return true
	}
	after, _ := utf8.DecodeRuneInString(s[j:])
	if unicode.IsLower(after) {
		// "Wait... what?", "approx. five": the sentence goes on.
		return false
	}
	if run.ellipsis || run.dots > 1 {
		return true
	}
	return !abbreviation(s[:i])
}

// abbreviation reports whether the word that ends before is one that
// takes a full stop without ending a sentence.
func abbreviation(before string) bool {
	start := len(before)
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(before[:start])
		if !unicode.IsLetter(r) && r != '.' {
			break
		}
		start -= size
	}
	word := before[start:]
	if word == "" {
		return false
	}
	for i := 0; i < len(word); i++ {
		if word[i] == '.' {
			return true // "e.g.", "U.S.", "z.B."
		}
	}
	if r, size := utf8.DecodeRuneInString(word); size == len(word) {
		return unicode.IsUpper(r) && r != 'I' // an initial, as in "J. R. R."
	}
	if len(word) > maxAbbrevLen {
		return false
	}
	var buf [maxAbbrevLen]byte
	lower := buf[:0]
	for i := 0; i < len(word); i++ {
		c := word[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower = append(lower, c)
	}
	return abbreviations[string(lower)]
}

const maxAbbrevLen = 8

// abbreviations are words commonly written with a full stop before a
// capitalised word or a number, in the languages of the catalogue. Words
// that as often end sentences ("etc.") are left out: a wrong merge only
// makes a segment longer, but a wrong split reads "Dr." as a full sentence.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "sr": true,
	"jr": true, "st": true, "mt": true, "vs": true, "no": true, "nr": true,
	"fig": true, "vol": true, "pp": true, "ed": true, "cf": true, "ca": true,
	"approx": true, "dept": true, "inc": true, "ltd": true, "corp": true,
	"gen": true, "col": true, "lt": true, "sgt": true, "capt": true,
	"rev": true, "hon": true, "jan": true, "feb": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
	"mme": true, "mlle": true, "mgr": true, "sra": true, "srta": true,
	"dra": true, "hr": true, "fr": true, "bzw": true, "usw": true,
	"str": true, "tel": true,
}

// softWrap reports whether the line break at i only wraps a line inside a
// sentence: a single break after a line that does not end in punctuation,
// before a lowercase word. Hard-wrapped prose would otherwise be read as a
// string of fragments.
func softWrap(s string, start, i int) bool {
	a, b := trim(s, start, i)
	if a == b {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(s[a:b])
	if !unicode.IsLetter(last) && !unicode.IsDigit(last) && last != ',' {
		return false
	}
	breaks := 0
	for j := i; j < len(s); {
		r, size := utf8.DecodeRuneInString(s[j:])
		switch {
		case r == '\r' && j+1 < len(s) && s[j+1] == '\n':
			// Counted with its \n.
		case isLineBreak(r):
			breaks++
		case isSpace(r):
		default:
			return breaks == 1 && unicode.IsLower(r)
		}
		j += size
	}
	return false
}

// splitLong appends s[start:end] to segs, cut into pieces of at most
// maxRunes code points.
func splitLong(segs []Segment, s string, start, end, maxRunes int) []Segment {
	for maxRunes > 0 {
		cut, ok := cutPoint(s, start, end, maxRunes)
		if !ok {
			break
		}
		a, b := trim(s, start, cut)
		segs = append(segs, Segment{Text: s[a:b], Start: a})
		start, end = trim(s, cut, end)
		if start == end {
			return segs
		}
	}
	return append(segs, Segment{Text: s[start:end], Start: start})
}

// cutPoint returns where to cut s[start:end] so that the part before holds
// at most maxRunes code points, or false when the whole fits.
func cutPoint(s string, start, end, maxRunes int) (int, bool) {
	clause, space := -1, -1 // byte offsets of the candidate cuts
	clauseN, spaceN := 0, 0 // code points before each
	i, n := start, 0
	for i < end && n < maxRunes {
		r, size := utf8.DecodeRuneInString(s[i:end])
		n++
		switch {
		case isClauseBreak(s, i, size, r):
			clause, clauseN = i+size, n
		case isSpace(r):
			space, spaceN = i, n-1
		}
		i += size
	}
	if i >= end {
		return 0, false
	}
	if r, _ := utf8.DecodeRuneInString(s[i:end]); isSpace(r) {
		return i, true
	}
	// A clause boundary in the second half of the window reads best; a
	// space is the next best; a clause boundary early in the window beats
	// cutting a word in two.
	switch {
	case clause >= 0 && 2*clauseN >= maxRunes:
		return clause, true
	case space > start && (clause < 0 || spaceN > clauseN):
		return space, true
	case clause >= 0:
		return clause, true
	}
	// Hard cut: step back over combining marks so that a character keeps
	// its accents and joiners.
	j := i
	for j > start {
		if r, _ := utf8.DecodeRuneInString(s[j:end]); !isMark(r) {
			break
		}
		_, back := utf8.DecodeLastRuneInString(s[start:j])
		j -= back
	}
	if j > start {
		return j, true
	}
	return i, true
}

func isMark(r rune) bool {
	return r == '\u200d' || r >= 0x300 && unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc)
}

// mergeShort merges each too-short segment into the next one, or the last
// into the one before, when the result fits in maxRunes. segs is reused.
func mergeShort(segs []Segment, s string, maxRunes int) []Segment {
	out := segs[:0]
	for k := 0; k < len(segs); k++ {
		cur := segs[k]
		for short(cur.Text) && k+1 < len(segs) && fits(s, cur.Start, segs[k+1].End(), maxRunes) {
			k++
			cur = Segment{Text: s[cur.Start:segs[k].End()], Start: cur.Start}
		}
		if short(cur.Text) && k == len(segs)-1 && len(out) > 0 {
			prev := out[len(out)-1]
			if fits(s, prev.Start, cur.End(), maxRunes) {
				out[len(out)-1] = Segment{Text: s[prev.Start:cur.End()], Start: prev.Start}
				continue
			}
		}
		out = append(out, cur)
	}
	return out
}

// short reports whether t is too short to be read on its own, or has
// nothing to read but punctuation.
func short(t string) bool {
	n, speakable := 0, false
	for _, r := range t {
		n++
		if !speakable && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			speakable = true
		}
		if n >= minRunes && speakable {
			return false
		}
	}
	return true
}

func fits(s string, start, end, maxRunes int) bool {
	return maxRunes <= 0 || utf8.RuneCountInString(s[start:end]) <= maxRunes
}

// trim narrows s[start:end] to exclude leading and trailing space.
func trim(s string, start, end int) (int, int) {
	for start < end {
		r, size := utf8.DecodeRuneInString(s[start:end])
		if !isSpace(r) {
			break
		}
		start += size
	}
	for end > start {
		r, size := utf8.DecodeLastRuneInString(s[start:end])
		if !isSpace(r) {
			break
		}
		end -= size
	}
	return start, end
}

// isSpace reports white space, including the invisible characters that
// editors leave in text (zero-width space, BOM, word joiner), so that a text
// of only those has nothing to read.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || '\t' <= r && r <= '\r'
	}
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u2060' || r == '\u180e'
}

func isLineBreak(r rune) bool {
	return r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == '\u2028' || r == '\u2029' || r == '\u0085'
}

// isTerminator reports punctuation that can end a sentence.
func isTerminator(r rune) bool {
	switch r {
	case '.', '!', '?', '…', '‼', '⁇', '⁈', '⁉', '؟', '।', '॥', '։', '።':
		return true
	}
	return isWideTerminator(r)
}

// isWideTerminator reports the full-width terminators of Chinese, Japanese
// and Korean text, which end a sentence whatever follows.
func isWideTerminator(r rune) bool {
	switch r {
	case '。', '！', '？', '；', '｡', '．':
		return true
	}
	return false
}

// isCloser reports closing quotes and brackets, which belong to the
// sentence they close.
func isCloser(r rune) bool {
	switch r {
	case ')', ']', '}', '”', '’', '»', '›', '」', '』', '）', '］', '｝', '】', '〕', '〉', '》', '〗', '〙', '〛', '＂', '＇':
		return true
	}
	return false
}

// isClauseBreak reports punctuation after which a long sentence may be cut.
// Commas and colons between digits ("10,000", "10:30") are not breaks.
func isClauseBreak(s string, i, size int, r rune) bool {
	switch r {
	case '，', '、', '；', '：', '﹐', '﹑', '､', '،', '؛':
		return true
	case ';':
		return true
	case ',', ':':
		if i == 0 || i+size >= len(s) {
			return true
		}
		return !(isDigit(s[i-1]) && isDigit(s[i+size]))
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isWide reports characters of scripts written without spaces between
// words or sentences: CJK ideographs, kana, hangul and their punctuation.
func isWide(r rune) bool {
	switch {
	case r < 0x2e80:
		return false
	case r <= 0x9fff, 0xac00 <= r && r <= 0xd7a3, 0xf900 <= r && r <= 0xfaff,
		0xfe30 <= r && r <= 0xfe4f, 0xff00 <= r && r <= 0xffef, 0x20000 <= r && r <= 0x3ffff:
		return true
	}
	return false
}
