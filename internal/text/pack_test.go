package text

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPack(t *testing.T) {
	for _, test := range []struct {
		name    string
		text    string
		packing Packing
		k       int // the group the text starts with
		want    []string
	}{
		{"OKJoinsShortSentences", "One. Two. Three.", Packing{First: 100}, 0, []string{"One. Two. Three."}},
		{"OKStopsAtTarget", "First sentence. Second sentence. Third one.", Packing{First: 32}, 0, []string{"First sentence. Second sentence.", "Third one."}},
		{"OKLongStaysAlone", "Short. Long " + strings.Repeat("long ", 10) + "end. Tail.", Packing{First: 20}, 0, []string{"Short.", "Long " + strings.Repeat("long ", 10) + "end.", "Tail."}},
		{"OKChinese", "你好。欢迎使用。今天天气很好。", Packing{First: 8}, 0, []string{"你好。欢迎使用。", "今天天气很好。"}},
		{"OKNoTarget", "One. Two.", Packing{}, 0, []string{"One.", "Two."}},
		{"OKGroupsGrowToMost", "One. Two. Six. Ten. Map. Top. Cup. Fix. Red. Sun. Bag.", Packing{First: 5, Most: 14},
			0, []string{"One.", "Two. Six.", "Ten. Map. Top.", "Cup. Fix. Red.", "Sun. Bag."}},
		{"OKLaterTextStartsLarger", "One. Two. Six. Ten. Map.", Packing{First: 5, Most: 14}, 2, []string{"One. Two. Six.", "Ten. Map."}},
		{"OKMostBelowFirstKeepsFirst", "One. Two. Six. Ten.", Packing{First: 9, Most: 1}, 0, []string{"One. Two.", "Six. Ten."}},
	} {
		t.Run(test.name, func(t *testing.T) {
			var got []string
			for _, g := range Pack(test.text, Split(test.text, 300), test.packing, test.k) {
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
