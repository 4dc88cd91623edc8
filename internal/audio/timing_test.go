package audio

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// spans times each space-separated word of text 100 ms apart.
func spans(text string) []Span {
	var out []Span
	start := -1
	for i := 0; i <= len(text); i++ {
		if i < len(text) && text[i] != ' ' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			n := int64(len(out))
			out = append(out, Span{Start: start, End: i, BeginMs: n * 100, EndMs: n*100 + 100})
			start = -1
		}
	}
	return out
}

func TestSRT(t *testing.T) {
	text := "One two three four. Five six."
	words := spans(text)
	sentences := []Span{
		{Start: 0, End: 19, BeginMs: 0, EndMs: 400},
		{Start: 20, End: len(text), BeginMs: 400, EndMs: 600},
	}
	for _, test := range []struct {
		name            string
		maxLen, maxLine int
		want            string
	}{
		{"OKSentencePerCue", 0, 1, "1\n00:00:00,000 --> 00:00:00,400\nOne two three four.\n\n2\n00:00:00,400 --> 00:00:00,600\nFive six.\n\n"},
		{"OKShortLines", 9, 1, "1\n00:00:00,000 --> 00:00:00,200\nOne two\n\n2\n00:00:00,200 --> 00:00:00,300\nthree\n\n3\n00:00:00,300 --> 00:00:00,400\nfour.\n\n4\n00:00:00,400 --> 00:00:00,600\nFive six.\n\n"},
		{"OKTwoLines", 9, 2, "1\n00:00:00,000 --> 00:00:00,300\nOne two\nthree\n\n2\n00:00:00,300 --> 00:00:00,400\nfour.\n\n3\n00:00:00,400 --> 00:00:00,600\nFive six.\n\n"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := string(SRT(text, words, sentences, test.maxLen, test.maxLine))
			if diff := cmp.Diff(test.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	for _, test := range []struct {
		s    string
		max  int
		want []string
	}{
		{"a b c", 0, []string{"a b c"}},
		{"hello world again", 11, []string{"hello world", "again"}},
		{"你好欢迎使用语音", 3, []string{"你好欢", "迎使用", "语音"}},
		{"supercalifragilistic is long", 10, []string{"supercalif", "ragilistic", "is long"}},
		{"  ", 5, nil},
	} {
		if got := wrap(test.s, test.max); !cmp.Equal(got, test.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", test.s, test.max, got, test.want)
		}
	}
}

func TestInfoCharacterOffsets(t *testing.T) {
	text := "你好，world"
	info := NewInfo(text, []Span{{Start: 0, End: 6, BeginMs: 0, EndMs: 500}, {Start: 9, End: 14, BeginMs: 500, EndMs: 900}}, nil, 22050, time.Second)
	if info.Words[1].BeginChar != 3 || info.Words[1].EndChar != 8 || info.Words[1].Text != "world" {
		t.Errorf("second word %+v, want characters 3–8 \"world\"", info.Words[1])
	}
	if !strings.Contains(string(info.JSON()), `"duration_ms": 1000`) {
		t.Errorf("JSON lacks the duration:\n%s", info.JSON())
	}
}
