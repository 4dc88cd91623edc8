package text

// Packing says how long the groups Pack makes may grow: the first up to
// First code points, each next one up to twice the limit of the one
// before, and none beyond Most. A Most below First keeps every group
// within First; a First of 0 or less joins nothing.
//
// Each group costs an engine round trip and a file, so short sentences
// read faster together. The first group stays short so that the first
// file is ready soon; the later ones have until the file before them has
// been heard, and grow so that a long text costs few round trips.
type Packing struct{ First, Most int }

// limit is how long group k, counting from 0, may be.
func (p Packing) limit(k int) int {
	limit := p.First
	for ; k > 0 && limit < p.Most; k-- {
		limit *= 2
	}
	if limit > p.Most && p.Most >= p.First {
		limit = p.Most
	}
	return limit
}

// Pack joins neighbouring segments of s into groups within the limits of
// p, the first of them being group k of its text; a segment that is
// already longer than its limit stays on its own. Like Split, the result
// is slices of s in text order and deterministic.
func Pack(s string, segs []Segment, p Packing, k int) []Segment {
	if p.First <= 0 || len(segs) < 2 {
		return segs
	}
	out := make([]Segment, 0, len(segs))
	cur := segs[0]
	curRunes := Runes(cur.Text)
	for _, g := range segs[1:] {
		n := Runes(s[cur.End():g.End()])
		if curRunes+n <= p.limit(k+len(out)) {
			cur = Segment{Text: s[cur.Start:g.End()], Start: cur.Start}
			curRunes += n
			continue
		}
		out = append(out, cur)
		cur, curRunes = g, Runes(g.Text)
	}
	return append(out, cur)
}
