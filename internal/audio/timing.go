package audio

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Span is a piece of a text with the time it is spoken: Start and End are
// byte offsets in the text, BeginMs and EndMs milliseconds from the start
// of the audio.
type Span struct {
	Start, End     int
	BeginMs, EndMs int64
}

// Info is the audio info file of a job: word and sentence timings, in
// characters (code points) of the text the engine read and milliseconds
// of the audio. docs/api-notes.md documents it.
type Info struct {
	Version    int    `json:"version"`
	SampleRate int    `json:"sample_rate"`
	DurationMs int64  `json:"duration_ms"`
	Words      []Mark `json:"words"`
	Sentences  []Mark `json:"sentences"`
}

// Mark is one timed word or sentence of Info.
type Mark struct {
	Text      string `json:"text"`
	BeginChar int    `json:"begin_char"`
	EndChar   int    `json:"end_char"`
	BeginMs   int64  `json:"begin_ms"`
	EndMs     int64  `json:"end_ms"`
}

// NewInfo builds the audio info of text from its timed words and
// sentences.
func NewInfo(text string, words, sentences []Span, rate int, duration time.Duration) *Info {
	words, sentences = orderedSpans(words, text), orderedSpans(sentences, text)
	chars := charIndex(text)
	marks := func(spans []Span) []Mark {
		out := make([]Mark, 0, len(spans))
		for _, s := range spans {
			out = append(out, Mark{
				Text:      strings.TrimSpace(text[s.Start:s.End]),
				BeginChar: chars(s.Start), EndChar: chars(s.End),
				BeginMs: s.BeginMs, EndMs: s.EndMs,
			})
		}
		return out
	}
	return &Info{Version: 1, SampleRate: rate, DurationMs: duration.Milliseconds(), Words: marks(words), Sentences: marks(sentences)}
}

// JSON encodes the info file.
func (i *Info) JSON() []byte {
	b, _ := json.MarshalIndent(i, "", "  ") // plain structs: cannot fail
	return append(b, '\n')
}

// charIndex returns a function from byte offsets in s to code point
// offsets.
func charIndex(s string) func(int) int {
	if utf8.RuneCountInString(s) == len(s) {
		return func(b int) int { return b }
	}
	return func(b int) int { return utf8.RuneCountInString(s[:b]) }
}

// SRT writes subtitles for text: one cue per sentence, or several when a
// sentence does not fit in maxLines lines of maxLen characters (maxLen 0:
// lines of any length; maxLines 0 means 1). Cues break between words and
// take their times from the words they hold.
func SRT(text string, words, sentences []Span, maxLen, maxLines int) []byte {
	if maxLines <= 0 {
		maxLines = 1
	}
	words = orderedSpans(words, text)
	sentences = orderedSpans(sentences, text)
	var b strings.Builder
	n := 0
	var last int64 // cues never run backwards, whatever the timings say
	cue := func(start, end int, begin, finish int64) {
		lines := wrap(strings.Join(strings.Fields(text[start:end]), " "), maxLen)
		if len(lines) == 0 {
			return
		}
		begin = max(begin, last)
		finish = max(finish, begin)
		last = finish
		n++
		fmt.Fprintf(&b, "%d\n%s --> %s\n%s\n\n", n, srtTime(begin), srtTime(finish), strings.Join(lines, "\n"))
	}
	wi := 0
	for _, s := range sentences {
		// The words of this sentence.
		var ws []Span
		for wi < len(words) && words[wi].Start < s.End {
			if words[wi].Start >= s.Start {
				ws = append(ws, words[wi])
			}
			wi++
		}
		if maxLen <= 0 || len(ws) == 0 {
			cue(s.Start, s.End, s.BeginMs, s.EndMs)
			continue
		}
		fits := func(from, to int) bool {
			return len(wrap(strings.Join(strings.Fields(text[from:to]), " "), maxLen)) <= maxLines
		}
		// Fill each cue with as many words as fit in its lines; the
		// punctuation after a word stays with it.
		for cs := 0; cs < len(ws); {
			ce := cs + 1
			for ce < len(ws) && fits(ws[cs].Start, ws[ce].End) {
				ce++
			}
			start, end, finish := ws[cs].Start, s.End, s.EndMs
			if cs == 0 {
				start = s.Start
			}
			if ce < len(ws) {
				end, finish = ws[ce].Start, ws[ce].BeginMs
			}
			cue(start, end, ws[cs].BeginMs, finish)
			cs = ce
		}
	}
	return []byte(b.String())
}

// orderedSpans returns spans inside text, on character boundaries, each
// with Start <= End, in text order: timings from engines come that way,
// but a bad one must not make the writers slice out of range or split a
// character.
func orderedSpans(spans []Span, text string) []Span {
	n := len(text)
	out := make([]Span, 0, len(spans))
	for _, s := range spans {
		s.Start, s.End = min(max(s.Start, 0), n), min(max(s.End, 0), n)
		if s.End < s.Start {
			s.Start, s.End = s.End, s.Start
		}
		for s.Start > 0 && s.Start < n && !utf8.RuneStart(text[s.Start]) {
			s.Start--
		}
		for s.End < n && !utf8.RuneStart(text[s.End]) {
			s.End++
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b Span) int { return a.Start - b.Start })
	return out
}

// wrap breaks s into lines of at most max characters, between words where
// it can (a text without spaces, such as Chinese, breaks anywhere).
func wrap(s string, max int) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return []string{s}
	}
	var lines []string
	for s != "" {
		if utf8.RuneCountInString(s) <= max {
			lines = append(lines, s)
			break
		}
		cut := byteAt(s, max)
		if sp := strings.LastIndexByte(s[:cut+1], ' '); sp > 0 {
			cut = sp
		}
		lines = append(lines, strings.TrimSpace(s[:cut]))
		s = strings.TrimSpace(s[cut:])
	}
	return lines
}

// byteAt returns the byte offset of the n-th code point of s.
func byteAt(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

func srtTime(ms int64) string {
	return fmt.Sprintf("%02d:%02d:%02d,%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}
