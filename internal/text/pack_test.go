package text

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPack(t *testing.T) {
	for _, test := range []struct {
		name   string
		text   string
		target int
		want   []string
	}{
		{"OKJoinsShortSentences", "One. Two. Three.", 100, []string{"One. Two. Three."}},
		{"OKStopsAtTarget", "First sentence. Second sentence. Third one.", 32, []string{"First sentence. Second sentence.", "Third one."}},
		{"OKLongStaysAlone", "Short. Long " + strings.Repeat("long ", 10) + "end. Tail.", 20, []string{"Short.", "Long " + strings.Repeat("long ", 10) + "end.", "Tail."}},
		{"OKChinese", "你好。欢迎使用。今天天气很好。", 8, []string{"你好。欢迎使用。", "今天天气很好。"}},
		{"OKNoTarget", "One. Two.", 0, []string{"One.", "Two."}},
	} {
		t.Run(test.name, func(t *testing.T) {
			var got []string
			for _, g := range Pack(test.text, Split(test.text, 300), test.target) {
				if test.text[g.Start:g.End()] != g.Text {
					t.Errorf("segment %q is not the text at %d", g.Text, g.Start)
				}
				got = append(got, g.Text)
			}
			if diff := cmp.Diff(test.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
