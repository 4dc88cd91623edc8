package text

// Pack joins neighbouring segments of s while the joined text stays within
// target code points. Each segment costs an engine round trip and a file,
// so short sentences read faster together; a sentence that is already
// longer than target stays on its own. Like Split, the result is slices of
// s in text order and deterministic.
func Pack(s string, segs []Segment, target int) []Segment {
	if target <= 0 || len(segs) < 2 {
		return segs
	}
	out := make([]Segment, 0, len(segs))
	cur := segs[0]
	curRunes := Runes(cur.Text)
	for _, g := range segs[1:] {
		n := Runes(s[cur.End():g.End()])
		if curRunes+n <= target {
			cur = Segment{Text: s[cur.Start:g.End()], Start: cur.Start}
			curRunes += n
			continue
		}
		out = append(out, cur)
		cur, curRunes = g, Runes(g.Text)
	}
	return append(out, cur)
}
