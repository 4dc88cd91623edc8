package text_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openttsc/ttsc/internal/text"
)

func TestRunes(t *testing.T) {
	for _, test := range []struct {
		name string
		s    string
		want int
	}{
		{"EmptyIsZero", "", 0},
		{"ASCIICountsBytes", "hello", 5},
		{"ChineseCountsCharacters", "你好，世界", 5},
		{"CombiningMarkCountsSeparately", "e\u0301", 2},
		{"InvalidUTF8CountsPerByte", "a\xff\xfeb", 4},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := text.Runes(test.s); got != test.want {
				t.Errorf("Runes(%q) = %d, want %d", test.s, got, test.want)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	for _, test := range []struct {
		name string
		s    string
		max  int
		want []string
	}{
		{"EmptyGivesNone", "", 300, nil},
		{"WhitespaceOnlyGivesNone", " \n\t\u3000\u200b\ufeff \r\n", 300, nil},
		{"OneSentenceIsTrimmed", "  Hello world.  ", 300, []string{"Hello world."}},
		{"NoFinalPunctuationStillGivesSegment", "Hello world", 300, []string{"Hello world"}},
		{"SplitsAtFullStopAndMarks", "Hello world. How are you? I am fine!", 300,
			[]string{"Hello world.", "How are you?", "I am fine!"}},
		{"KeepsDecimalTogether", "Pi is about 3.14 today. The next one is 2.72.", 300,
			[]string{"Pi is about 3.14 today.", "The next one is 2.72."}},
		{"KeepsURLTogether", "Visit example.com/a?b=c now. Then leave.", 300,
			[]string{"Visit example.com/a?b=c now.", "Then leave."}},
		{"KeepsTitleAbbreviationTogether", "Mr. Smith met Dr. Jones in St. Louis. They talked.", 300,
			[]string{"Mr. Smith met Dr. Jones in St. Louis.", "They talked."}},
		{"KeepsInitialsTogether", "J. R. R. Tolkien wrote books. They sold well.", 300,
			[]string{"J. R. R. Tolkien wrote books.", "They sold well."}},
		{"KeepsDottedAbbreviationTogether", "Bring a tool, e.g. Hammers. Then start. The U.S. Army came.", 300,
			[]string{"Bring a tool, e.g. Hammers.", "Then start.", "The U.S. Army came."}},
		{"PeriodBeforeLowercaseContinues", "It costs approx. five dollars. Cheap.", 300,
			[]string{"It costs approx. five dollars.", "Cheap."}},
		{"EllipsisBeforeLowercaseContinues", "Wait... what happened here? Nothing much.", 300,
			[]string{"Wait... what happened here?", "Nothing much."}},
		{"EllipsisBeforeCapitalEnds", "I wonder… Maybe tomorrow. Or later.", 300,
			[]string{"I wonder…", "Maybe tomorrow.", "Or later."}},
		{"RunOfMarksStaysTogether", "Really?! Yes, really.", 300,
			[]string{"Really?!", "Yes, really."}},
		{"ClosingQuoteStaysWithSentence", `He said "Stop!" Then he left.`, 300,
			[]string{`He said "Stop!"`, "Then he left."}},
		{"ClosingBracketStaysWithSentence", "(This is an aside.) This is not.", 300,
			[]string{"(This is an aside.)", "This is not."}},
		{"SplitsChineseAtFullWidthMarks", "今天天气很好。我们去公园吧！你觉得怎么样？", 300,
			[]string{"今天天气很好。", "我们去公园吧！", "你觉得怎么样？"}},
		{"ChineseSemicolonEnds", "第一句话在这里；第二句话在这里。", 300,
			[]string{"第一句话在这里；", "第二句话在这里。"}},
		{"ChineseClosingQuoteStaysWithSentence", "他说：“你好吗？”然后他走了。", 300,
			[]string{"他说：“你好吗？”", "然后他走了。"}},
		{"SplitsMixedChineseAndEnglish", "我喜欢iPhone 15。It is great. 你呢？我也是。", 300,
			[]string{"我喜欢iPhone 15。", "It is great.", "你呢？我也是。"}},
		{"EnglishFullStopBeforeChineseEnds", "Version 2.0 is out.现在就试试吧。", 300,
			[]string{"Version 2.0 is out.", "现在就试试吧。"}},
		{"NewlineEnds", "A title line\nThe body starts here.", 300,
			[]string{"A title line", "The body starts here."}},
		{"SoftWrappedLineContinues", "This sentence is wrapped\nover two lines. Next one.", 300,
			[]string{"This sentence is wrapped\nover two lines.", "Next one."}},
		{"BlankLineEnds", "first paragraph here\n\nsecond paragraph here", 300,
			[]string{"first paragraph here", "second paragraph here"}},
		{"CRLFEnds", "Line one here\r\nLine two here", 300,
			[]string{"Line one here", "Line two here"}},
		{"ShortSentenceMergesWithNext", "Hi. How are you today?", 300,
			[]string{"Hi. How are you today?"}},
		{"ShortSentencesChainUntilLongEnough", "A. B. C. Then the rest.", 300,
			[]string{"A. B. C. Then the rest."}},
		{"ShortLastSentenceMergesWithPrevious", "How are you today? Ok.", 300,
			[]string{"How are you today? Ok."}},
		{"ShortChineseSentenceMerges", "好。我们走吧。", 300,
			[]string{"好。我们走吧。"}},
		{"PunctuationOnlySentenceMerges", "Hello there. ... Bye now.", 300,
			[]string{"Hello there.", "... Bye now."}},
		{"ShortSentenceStaysWhenMergeWouldBeTooLong", "abcdefgh. Hi. abcdefgh.", 10,
			[]string{"abcdefgh.", "Hi.", "abcdefgh."}},
		{"LongSentenceCutsAtClauseBreak", "一二三四五六七八，九十一二三四五六。", 12,
			[]string{"一二三四五六七八，", "九十一二三四五六。"}},
		{"LongSentenceCutsAtLastSpace", "aaaa bbbb cccc dddd.", 10,
			[]string{"aaaa bbbb", "cccc dddd."}},
		{"LongSentenceCutsAtSpaceAtLimit", "aaaa bbbb cccc.", 9,
			[]string{"aaaa bbbb", "cccc."}},
		{"EarlyClauseBreakLosesToLaterSpace", "ab, cdefgh ijkl mnop.", 16,
			[]string{"ab, cdefgh ijkl", "mnop."}},
		{"EarlyClauseBreakBeatsHardCut", "ab,cdefghijklmnop", 10,
			[]string{"ab,", "cdefghijkl", "mnop"}},
		{"DigitCommaIsNotClauseBreak", "pay 10,000,000 now", 12,
			[]string{"pay", "10,000,000", "now"}},
		{"LongWordCutsHard", "abcdefghij", 5,
			[]string{"abcde", "fghij"}},
		{"HardCutKeepsCombiningMark", "abe\u0301cdef", 3,
			[]string{"ab", "e\u0301c", "def"}},
		{"ZeroMaxMeansNoLimit", strings.Repeat("word ", 100) + "end.", 0,
			[]string{strings.Repeat("word ", 100) + "end."}},
	} {
		t.Run(test.name, func(t *testing.T) {
			segs := text.Split(test.s, test.max)
			checkSegments(t, test.s, test.max, segs)
			var got []string
			for _, g := range segs {
				got = append(got, g.Text)
			}
			if diff := cmp.Diff(test.want, got); diff != "" {
				t.Errorf("Split(%q, %d) mismatch (-want +got):\n%s", test.s, test.max, diff)
			}
		})
	}
}

func TestSplitOffsets(t *testing.T) {
	t.Run("StartsPointIntoOriginal", func(t *testing.T) {
		s := "  你好，世界。 Hello there!\n\nBye for now."
		want := []text.Segment{
			{Text: "你好，世界。", Start: 2},
			{Text: "Hello there!", Start: 21},
			{Text: "Bye for now.", Start: 35},
		}
		if diff := cmp.Diff(want, text.Split(s, 300)); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("EndIsStartPlusLength", func(t *testing.T) {
		g := text.Segment{Text: "你好", Start: 3}
		if got := g.End(); got != 9 {
			t.Errorf("End() = %d, want 9", got)
		}
	})
}

// checkSegments verifies what every Split result must satisfy: segments are
// trimmed, non-empty slices of s in order, within the limit, and only white
// space lies between them.
func checkSegments(t *testing.T, s string, max int, segs []text.Segment) {
	t.Helper()
	prev := 0
	for i, g := range segs {
		if g.Start < prev || g.End() > len(s) || s[g.Start:g.End()] != g.Text {
			t.Fatalf("segment %d %+v is not s[%d:%d] after the previous one (end %d)", i, g, g.Start, g.End(), prev)
		}
		if g.Text == "" || strings.TrimFunc(g.Text, text.IsSpace) != g.Text {
			t.Errorf("segment %d %q is empty or not trimmed", i, g.Text)
		}
		if max > 0 && text.Runes(g.Text) > max {
			t.Errorf("segment %d has %d runes, over the limit %d: %q", i, text.Runes(g.Text), max, g.Text)
		}
		if gap := s[prev:g.Start]; strings.TrimFunc(gap, text.IsSpace) != "" {
			t.Errorf("text %q before segment %d is lost", gap, i)
		}
		prev = g.End()
	}
	if gap := s[prev:]; strings.TrimFunc(gap, text.IsSpace) != "" {
		t.Errorf("text %q after the last segment is lost", gap)
	}
}

// pieces are fragments that exercise every rule of Split when strung
// together at random.
var pieces = []string{
	"Hello", "world", "Mr.", "Dr.", "e.g.", "3.14", "10,000", "J.", "U.S.",
	"...", "…", "……", ".", "!", "?", "?!", "。", "！", "？", "；", "，", "、",
	",", ";", ":", "\"", "'", "”", "」", "(", ")", " ", " ", " ", "  ", "\n",
	"\n\n", "\r\n", "\t", "\u3000", "\u200b", "你好", "世界", "我们", "a",
	"supercalifragilistic", "e\u0301", "👍🏽", "\xff", "Ok", "ok", "",
}

func randomText(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(60); n > 0; n-- {
		b.WriteString(pieces[r.IntN(len(pieces))])
		if r.IntN(3) == 0 {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func TestSplitProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		s := randomText(r)
		max := []int{0, 1, 2, 5, 12, 40, 300}[r.IntN(7)]
		segs := text.Split(s, max)
		checkSegments(t, s, max, segs)
		if strings.TrimFunc(s, text.IsSpace) == "" && len(segs) != 0 {
			t.Errorf("Split(%q) of white space gave %d segments", s, len(segs))
		}
		if again := text.Split(s, max); !cmp.Equal(segs, again) {
			t.Errorf("Split(%q, %d) is not deterministic", s, max)
		}
		if t.Failed() {
			t.Fatalf("failed on Split(%q, %d)", s, max)
		}
	}
}

func FuzzSplit(f *testing.F) {
	f.Add("Mr. Smith paid 3.14 dollars. 你好！Bye...", 12)
	f.Add("aaaa bbbb cccc dddd.", 3)
	f.Add("\u200b \n", 0)
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 400
		checkSegments(t, s, max, text.Split(s, max))
	})
}

// benchText is about 10,000 characters of mixed Chinese and English prose.
var benchText = func() string {
	const para = "The old lighthouse stood at the edge of the cliff for more than 100 years, " +
		"watching over the ships. Mr. Li said: \"It is 3.5 km away!\" Really? Yes... it is. " +
		"春天来了，山上的积雪慢慢融化，小河里的水又开始欢快地流淌起来。孩子们穿着新衣服，在院子里追逐打闹！" +
		"他常说：“土地是不会骗人的。”今年的雨水特别充足；大家都盼望着一个好年景。\n"
	var b strings.Builder
	for text.Runes(b.String()) < 10000 {
		b.WriteString(para)
	}
	return string([]rune(b.String())[:10000])
}()

func BenchmarkSplit10000(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	for b.Loop() {
		text.Split(benchText, 300)
	}
}
