package audio_test

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/openttsc/ttsc/internal/audio"
)

// FuzzWAVRoundTrip encodes arbitrary samples and decodes them back.
func FuzzWAVRoundTrip(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4}, uint16(22050), uint8(1))
	f.Add([]byte{}, uint16(8000), uint8(2))
	f.Add([]byte{0xff, 0x7f, 0x00, 0x80, 1}, uint16(1), uint8(2))
	f.Fuzz(func(t *testing.T, raw []byte, rate uint16, channels uint8) {
		if rate == 0 || channels == 0 || channels > 8 {
			t.Skip()
		}
		samples := make([]int16, len(raw)/2)
		for i := range samples {
			samples[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		p, err := audio.DecodeWAV(audio.EncodeWAV(samples, int(rate), int(channels)))
		if err != nil {
			t.Fatal(err)
		}
		whole := len(samples) / int(channels) * int(channels)
		if p.Rate != int(rate) || p.Channels != int(channels) || len(p.Samples) != whole {
			t.Fatalf("decoded rate %d channels %d, %d samples; want %d, %d, %d", p.Rate, p.Channels, len(p.Samples), rate, channels, whole)
		}
		for i := range whole {
			if p.Samples[i] != samples[i] {
				t.Fatalf("sample %d: %d, want %d", i, p.Samples[i], samples[i])
			}
		}
	})
}

// FuzzSRT builds subtitles and audio info for arbitrary text and timings:
// no panic, cues numbered from 1 with times that never run backwards, and
// character offsets inside the text.
func FuzzSRT(f *testing.F) {
	f.Add("Hello world. This is ttsc.", []byte{0, 5, 6, 11, 13, 17}, 20, 1)
	f.Add("你好，世界。", []byte{0, 6, 9, 18}, 0, 2)
	f.Add("", []byte{}, 5, 0)
	f.Fuzz(func(t *testing.T, text string, bounds []byte, maxLen, maxLines int) {
		if !utf8.ValidString(text) || maxLen < 0 || maxLen > 10000 || maxLines < 0 || maxLines > 5000 {
			t.Skip()
		}
		var words []audio.Span
		ms := int64(0)
		for i := 0; i+1 < len(bounds); i += 2 {
			a, b := int(bounds[i])%(len(text)+1), int(bounds[i+1])%(len(text)+1)
			if a > b {
				a, b = b, a
			}
			words = append(words, audio.Span{Start: a, End: b, BeginMs: ms, EndMs: ms + 100})
			ms += 100
		}
		sentences := []audio.Span{{Start: 0, End: len(text), BeginMs: 0, EndMs: ms}}
		srt := string(audio.SRT(text, words, sentences, maxLen, maxLines))
		cue := 0
		last := int64(-1)
		for _, block := range strings.Split(strings.TrimSpace(srt), "\n\n") {
			if block == "" {
				continue
			}
			lines := strings.Split(block, "\n")
			cue++
			if n, err := strconv.Atoi(lines[0]); err != nil || n != cue {
				t.Fatalf("cue %d numbered %q:\n%s", cue, lines[0], srt)
			}
			if len(lines) < 2 {
				t.Fatalf("cue %d has no times:\n%s", cue, srt)
			}
			begin, end, ok := strings.Cut(lines[1], " --> ")
			if !ok {
				t.Fatalf("cue %d times %q", cue, lines[1])
			}
			b, e := srtMillis(t, begin), srtMillis(t, end)
			if b > e || b < last {
				t.Fatalf("cue %d runs %d–%d ms after %d:\n%s", cue, b, e, last, srt)
			}
			last = e
		}
		info := audio.NewInfo(text, words, sentences, 16000, time.Duration(ms)*time.Millisecond)
		n := utf8.RuneCountInString(text)
		for _, m := range info.Words {
			if m.BeginChar < 0 || m.EndChar > n || m.BeginChar > m.EndChar {
				t.Fatalf("word %+v outside the %d characters", m, n)
			}
		}
		if len(info.JSON()) == 0 {
			t.Fatal("no JSON")
		}
	})
}

func srtMillis(t *testing.T, s string) int64 {
	var h, m, sec, ms int64
	if _, err := fmtSscanf(s, &h, &m, &sec, &ms); err != nil {
		t.Fatalf("SRT time %q: %v", s, err)
	}
	return ((h*60+m)*60+sec)*1000 + ms
}

// fmtSscanf reads an SRT time, HH:MM:SS,mmm.
func fmtSscanf(s string, h, m, sec, ms *int64) (int, error) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ',' })
	if len(parts) != 4 {
		return 0, strconv.ErrSyntax
	}
	for i, p := range []*int64{h, m, sec, ms} {
		v, err := strconv.ParseInt(parts[i], 10, 64)
		if err != nil {
			return i, err
		}
		*p = v
	}
	return 4, nil
}
