package speech

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/text"
)

// TimeWords places a segment's word events in the whole text and audio:
// offset is the number of samples before the segment. Spans are byte
// offsets in the prepared text (the engine's) and milliseconds of the
// whole audio. A word lasts until the next one starts, the last one
// until the segment's audio ends.
func TimeWords(seg text.Segment, sp *ttsc.Speech, offset, rate int) []audio.Span {
	if rate <= 0 {
		return nil
	}
	ms := func(sample int) int64 { return int64(offset+sample) * 1000 / int64(rate) }
	out := make([]audio.Span, 0, len(sp.Words))
	for k, wd := range sp.Words {
		end := len(sp.Samples)
		if k+1 < len(sp.Words) {
			end = sp.Words[k+1].Sample
		}
		out = append(out, audio.Span{
			Start: seg.Start + wd.TextStart, End: seg.Start + wd.TextEnd,
			BeginMs: ms(wd.Sample), EndMs: ms(max(end, wd.Sample)),
		})
	}
	return out
}

// SegmentWords times the words of one segment's speech on their own:
// byte offsets in the segment's text and milliseconds from the start of
// its audio, pauses included. FileWords places them in a request's text.
func SegmentWords(sp *ttsc.Speech) []audio.Span {
	return TimeWords(text.Segment{}, sp, 0, sp.SampleRate)
}

// OriginalWords maps timed words of the rewritten text back onto the
// text the client sent; the words an alias was read as become one word
// spanning its key. It reuses the memory of words.
func OriginalWords(rw interface{ Original(int, bool) int }, words []audio.Span) []audio.Span {
	out := words[:0]
	for _, wd := range words {
		wd.Start, wd.End = rw.Original(wd.Start, false), rw.Original(wd.End, true)
		if n := len(out); n > 0 && out[n-1].Start == wd.Start {
			out[n-1].End, out[n-1].EndMs = max(out[n-1].End, wd.End), wd.EndMs
			continue
		}
		out = append(out, wd)
	}
	return out
}

// FileWords turns the words of seg, a segment of prep timed by
// SegmentWords, into the timings of the file that holds the segment
// alone: each word is the slice of prep.Display it was read from, in code
// points, with its times in the file. Words are never empty and never
// start or end with white space. words is left as it is.
func FileWords(prep *text.Prepared, seg text.Segment, words []audio.Span) []ttsc.WordTiming {
	if len(words) == 0 {
		return nil
	}
	spans := make([]audio.Span, len(words))
	for k, wd := range words {
		wd.Start += seg.Start
		wd.End += seg.Start
		spans[k] = wd
	}
	spans = OriginalWords(prep, spans)
	display := prep.Display
	chars := charCounter(display)
	out := make([]ttsc.WordTiming, 0, len(spans))
	for _, wd := range spans {
		a, b := trimSpace(display, wd.Start, wd.End)
		if a >= b {
			continue
		}
		out = append(out, ttsc.WordTiming{
			Text:      display[a:b],
			BeginChar: chars(a), EndChar: chars(b),
			BeginMs: wd.BeginMs, EndMs: wd.EndMs,
		})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// trimSpace narrows the byte range [a, b) of s to leave out white space
// at either end; out-of-range or reversed ranges become empty.
func trimSpace(s string, a, b int) (int, int) {
	a, b = max(a, 0), min(b, len(s))
	if a >= b {
		return a, a
	}
	w := s[a:b]
	t := strings.TrimLeftFunc(w, unicode.IsSpace)
	a += len(w) - len(t)
	t = strings.TrimRightFunc(t, unicode.IsSpace)
	return a, a + len(t)
}

// charCounter returns a function from byte offsets in s to code point
// offsets, fast when asked in increasing order.
func charCounter(s string) func(int) int {
	if utf8.RuneCountInString(s) == len(s) {
		return func(b int) int { return b }
	}
	at, n := 0, 0
	return func(b int) int {
		if b < at {
			at, n = 0, 0
		}
		n += utf8.RuneCountInString(s[at:b])
		at = b
		return n
	}
}
