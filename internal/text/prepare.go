package text

import (
	"strings"

	"github.com/openttsc/ttsc"
)

// MaxTotalBreakMs bounds the pauses of one SSML document together, so a
// short request cannot ask for hours of silence.
const MaxTotalBreakMs = 120_000

// Prosody is how a stretch of text is read relative to the request's
// speed, pitch and volume: 1 is as requested.
type Prosody struct {
	Rate, Pitch, Volume float64
}

// Neutral is the prosody of text outside any <prosody> element.
var Neutral = Prosody{Rate: 1, Pitch: 1, Volume: 1}

// Options says how to prepare a text.
type Options struct {
	// Vocabulary are the pronunciation entries that apply; nil applies
	// none. They apply to plain text and to the text of SSML outside
	// <say-as>, <sub>, <phoneme> and <word>, whose markup says already
	// how to read it.
	Vocabulary []*ttsc.Vocabulary
	// Phonetic turns IPA into what the voice's engine reads as phonemes;
	// nil when the engine takes none.
	Phonetic Phonetic
	// SegmentRunes is the limit of Split, and Packing how Pack joins
	// what it splits.
	SegmentRunes int
	Packing      Packing
}

// Prepared is a request's text made ready for an engine.
type Prepared struct {
	// SSML reports whether the text was SSML.
	SSML bool
	// Display is the text timestamps and subtitles refer to: the
	// request's text, or for SSML its text with the markup removed and
	// entities decoded.
	Display string
	// Text is what the engine reads, and Segments the slices of it read
	// one at a time.
	Text     string
	Segments []Segment
	rw       *Rewrite
}

// Original maps a byte offset in Text to Display (see Rewrite.Original).
func (p *Prepared) Original(off int, end bool) int { return p.rw.Original(off, end) }

// Prepare parses src (SSML or plain text), applies the pronunciation
// entries and cuts the result into segments, each with its prosody and
// the pauses around it. Bad SSML gives an EINVALID error naming the
// element and its position.
func Prepare(src string, o Options) (*Prepared, error) {
	b := &builder{runs: []run{{prosody: Neutral}}}
	p := &Prepared{SSML: IsSSML(src)}
	if p.SSML {
		if err := parseSSML(src, b, o); err != nil {
			return nil, err
		}
	} else {
		b.plain(src, o)
	}
	p.Display, p.Text = b.display.String(), b.text.String()
	p.rw = &Rewrite{Text: p.Text, edits: b.edits}
	carry := 0
	for i, r := range b.runs {
		end := len(p.Text)
		if i+1 < len(b.runs) {
			end = b.runs[i+1].start
		}
		sub := p.Text[r.start:end]
		segs := Pack(sub, Split(sub, o.SegmentRunes), o.Packing, len(p.Segments))
		carry += r.pauseMs
		if len(segs) == 0 {
			continue
		}
		for k := range segs {
			segs[k].Start += r.start
			segs[k].Prosody = r.prosody
		}
		segs[0].PauseBeforeMs, carry = carry, 0
		p.Segments = append(p.Segments, segs...)
	}
	if n := len(p.Segments); n > 0 {
		p.Segments[n-1].PauseAfterMs = carry
	}
	return p, nil
}

// run is a stretch of Text read with one prosody, after a pause.
type run struct {
	start   int
	prosody Prosody
	pauseMs int
}

// builder assembles the display text and the engine text side by side,
// recording where they differ.
type builder struct {
	display, text strings.Builder
	edits         []edit // Text → Display
	runs          []run
	pausedMs      int
}

// cur returns the run being written, starting a new one at the end of
// the text when the last one already has text.
func (b *builder) fresh() *run {
	last := &b.runs[len(b.runs)-1]
	if last.start == b.text.Len() {
		return last
	}
	b.runs = append(b.runs, run{start: b.text.Len(), prosody: last.prosody})
	return &b.runs[len(b.runs)-1]
}

// setProsody makes the text that follows read with pr.
func (b *builder) setProsody(pr Prosody) {
	if b.runs[len(b.runs)-1].prosody != pr {
		b.fresh().prosody = pr
	}
}

// pause inserts a pause of ms before the text that follows.
func (b *builder) pause(ms int) error {
	if b.pausedMs += ms; b.pausedMs > MaxTotalBreakMs {
		return ttsc.Errorf(ttsc.EINVALID, "SSML: the <break> elements add up to more than %d ms", MaxTotalBreakMs)
	}
	b.separate(" ")
	b.fresh().pauseMs += ms
	return nil
}

// sentenceBreak ends the sentence being written (<p>, <s>).
func (b *builder) sentenceBreak() { b.separate("\n") }

// separate appends sep to both texts unless they are empty or already end
// in whitespace.
func (b *builder) separate(sep string) {
	d := b.display.String()
	if d == "" || strings.HasSuffix(d, " ") || strings.HasSuffix(d, "\n") {
		return
	}
	b.display.WriteString(sep)
	b.text.WriteString(sep)
}

// plain appends text as written, with the pronunciation entries applied.
func (b *builder) plain(s string, o Options) {
	rw := ApplyVocabulary(s, o.Vocabulary, o.Phonetic)
	d0, n0 := b.display.Len(), b.text.Len()
	b.display.WriteString(s)
	b.text.WriteString(rw.Text)
	for _, e := range rw.edits {
		b.edits = append(b.edits, edit{e.oStart + d0, e.oEnd + d0, e.nStart + n0, e.nEnd + n0})
	}
}

// read appends display text d that the engine reads as t. Spaces keep t
// apart from neighbouring text, as for pronunciation entries.
func (b *builder) read(d, t string) {
	if d == t {
		b.display.WriteString(d)
		b.text.WriteString(t)
		return
	}
	d0, n0 := b.display.Len(), b.text.Len()
	t = " " + t + " "
	b.display.WriteString(d)
	b.text.WriteString(t)
	b.edits = append(b.edits, edit{d0, d0 + len(d), n0, n0 + len(t)})
}
