package text

import (
	"testing"

	"github.com/openttsc/ttsc"
)

// FuzzPrepare feeds arbitrary text, SSML or not, through the whole text
// pipeline with a few pronunciation entries.
func FuzzPrepare(f *testing.F) {
	for _, s := range []string{
		"Hello world. This is a test.",
		"The WHO met in 重庆 today.",
		`<speak>Hello <break time="500ms"/><prosody rate="fast" volume="+3dB">world</prosody>.</speak>`,
		`<speak><sub alias="x">y</sub><say-as interpret-as="spell">abc</say-as><phoneme ph="təˈmɑːtəʊ">tomato</phoneme><word>e-mail</word></speak>`,
		`<speak><p>One</p><s>Two &amp; three</s><emotion type="SAD">four</emotion></speak>`,
		`<speak>unclosed <prosody>`,
		"<speak>\n<break time='10s'/></speak>",
	} {
		f.Add(s)
	}
	entries := []*ttsc.Vocabulary{
		{Type: ttsc.VocabularyAlias, Key: "WHO", Value: "World Health Organization"},
		{Type: ttsc.VocabularyG2P, Key: "重庆", Value: "chong2 qing4"},
		{Type: ttsc.VocabularyPhonetic, Key: "tomato", Value: "təˈmɑːtəʊ"},
		{Type: ttsc.VocabularyContinuum, Key: "e-mail"},
		{Type: ttsc.VocabularySayAs, Key: "110", Value: "telephone"},
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Prepare(src, Options{Vocabulary: entries, Phonetic: EspeakPhonemeInput, SegmentRunes: 300, Packing: Packing{First: 150, Most: 300}})
		if err != nil {
			if ttsc.ErrorCode(err) != ttsc.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		total := 0
		for _, s := range p.Segments {
			if s.Start < 0 || s.End() > len(p.Text) || p.Text[s.Start:s.End()] != s.Text {
				t.Fatalf("segment %+v is not a slice of the text %q", s, p.Text)
			}
			if s.Prosody.Rate < 0.5 || s.Prosody.Rate > 2 || s.Prosody.Pitch < 0.5 || s.Prosody.Pitch > 2 || s.Prosody.Volume < 0 || s.Prosody.Volume > 2 {
				t.Fatalf("segment prosody %+v out of range", s.Prosody)
			}
			if s.PauseBeforeMs < 0 || s.PauseAfterMs < 0 {
				t.Fatalf("negative pause in %+v", s)
			}
			total += s.PauseBeforeMs + s.PauseAfterMs
		}
		if total > MaxTotalBreakMs {
			t.Fatalf("pauses add up to %d ms", total)
		}
		for off := 0; off <= len(p.Text); off++ {
			a, b := p.Original(off, false), p.Original(off, true)
			if a < 0 || a > len(p.Display) || b < 0 || b > len(p.Display) {
				t.Fatalf("offset %d maps to %d/%d, outside the display text of %d bytes", off, a, b, len(p.Display))
			}
		}
	})
}
