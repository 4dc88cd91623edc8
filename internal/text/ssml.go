package text

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/openttsc/ttsc"
)

// SSML limits.
const (
	// MaxBreakMs is the longest <break>.
	MaxBreakMs = 10000
	// maxDepth and maxElements bound a document's nesting and size.
	maxDepth    = 32
	maxElements = 1000
)

// IsSSML reports whether a request's text is SSML: after leading
// whitespace and an optional XML declaration (<?xml ...?>) it starts with
// <speak. Anything else is plain text, where "<" and "&" are just
// characters.
func IsSSML(s string) bool {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if strings.HasPrefix(s, "<?xml") {
		if _, rest, ok := strings.Cut(s, "?>"); ok {
			s = strings.TrimLeftFunc(rest, unicode.IsSpace)
		}
	}
	return strings.HasPrefix(s, "<speak")
}

// breakStrengths are the pauses of <break strength>, in milliseconds.
var breakStrengths = map[string]int{
	"none": 0, "x-weak": 100, "weak": 200, "medium": 400, "strong": 700, "x-strong": 1000,
}

// prosodyWords are the keyword values of <prosody>, as multipliers.
var prosodyWords = map[string]map[string]float64{
	"rate":   {"x-slow": 0.5, "slow": 0.75, "medium": 1, "default": 1, "fast": 1.5, "x-fast": 2},
	"pitch":  {"x-low": 0.5, "low": 0.75, "medium": 1, "default": 1, "high": 1.25, "x-high": 1.5},
	"volume": {"silent": 0, "x-soft": 0.5, "soft": 0.75, "medium": 1, "default": 1, "loud": 1.25, "x-loud": 1.5},
}

// prosodyRange is the range of a prosody multiplier, relative to the
// request, after nesting.
var prosodyRange = map[string][2]float64{
	"rate": {0.5, 2}, "pitch": {0.5, 2}, "volume": {0, 2},
}

// sayAsValues are the interpret-as values of <say-as>.
var sayAsValues = []string{"characters", "spell", "telephone", "digits", "cardinal", "number", "figure", "date", "english"}

// pinyinSyllables is pinyin with tone digits: "chong2 qing4".
var pinyinSyllables = regexp.MustCompile(`^[a-zü]+[1-5]( [a-zü]+[1-5])*$`)

// IsPinyin reports whether s is pinyin syllables with tone digits 1–5
// separated by single spaces, such as "chong2 qing4".
func IsPinyin(s string) bool { return pinyinSyllables.MatchString(s) }

// ssmlParser reads one SSML document into a builder.
type ssmlParser struct {
	src      string
	d        *xml.Decoder
	b        *builder
	opts     Options
	elements int
}

// ssmlError is the EINVALID error of bad markup, naming the element and
// its position.
func (p *ssmlParser) errorf(off int64, elem, format string, args ...any) error {
	line, col := position(p.src, int(off))
	where := "SSML"
	if elem != "" {
		where = fmt.Sprintf("SSML: <%s>", elem)
	}
	return ttsc.Errorf(ttsc.EINVALID, "%s at line %d, column %d: %s", where, line, col, fmt.Sprintf(format, args...))
}

// position returns the 1-based line and column (in characters) of byte
// offset off of s.
func position(s string, off int) (line, col int) {
	off = min(max(off, 0), len(s))
	line = 1 + strings.Count(s[:off], "\n")
	col = 1 + Runes(s[strings.LastIndexByte(s[:off], '\n')+1:off])
	return line, col
}

// parseSSML reads src, which IsSSML, into b.
func parseSSML(src string, b *builder, opts Options) error {
	p := &ssmlParser{src: src, b: b, opts: opts}
	p.d = xml.NewDecoder(strings.NewReader(src))
	p.d.Strict = true
	seenRoot := false
	for {
		off := p.d.InputOffset()
		tok, err := p.d.Token()
		if err == io.EOF {
			if !seenRoot {
				return p.errorf(off, "", "the document has no <speak> element")
			}
			return nil
		}
		if err != nil {
			return p.syntax(off, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if seenRoot {
				return p.errorf(off, t.Name.Local, "text after </speak>; a document has one <speak> element")
			}
			if t.Name.Local != "speak" {
				return p.errorf(off, t.Name.Local, "the document must start with <speak>")
			}
			seenRoot = true
			if err := p.attrs(off, t, "version", "lang", "xmlns", "base"); err != nil {
				return err
			}
			if err := p.children(t.Name.Local, 1, Neutral); err != nil {
				return err
			}
		case xml.CharData:
			if strings.TrimSpace(string(t)) != "" {
				return p.errorf(off, "", "text outside <speak>")
			}
		case xml.Directive:
			return p.errorf(off, "", "declarations (<!...>) are not accepted")
		}
	}
}

// syntax reports a decoder error at the position it happened.
func (p *ssmlParser) syntax(off int64, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		line, _ := position(p.src, int(p.d.InputOffset()))
		return ttsc.Errorf(ttsc.EINVALID, "SSML is not well-formed at line %d: %s", line, se.Msg)
	}
	return p.errorf(off, "", "%v", err)
}

// attrs checks that start has only the allowed attributes.
func (p *ssmlParser) attrs(off int64, start xml.StartElement, allowed ...string) error {
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		ok := false
		for _, name := range allowed {
			ok = ok || a.Name.Local == name
		}
		if !ok {
			return p.errorf(off, start.Name.Local, "attribute %s is not accepted here; accepted: %s", a.Name.Local, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func attr(start xml.StartElement, name string) (string, bool) {
	for _, a := range start.Attr {
		if a.Name.Local == name {
			return strings.TrimSpace(a.Value), true
		}
	}
	return "", false
}

// children reads the content of the element name up to its end tag, with
// prosody pr in effect.
func (p *ssmlParser) children(name string, depth int, pr Prosody) error {
	if depth > maxDepth {
		return p.errorf(p.d.InputOffset(), name, "elements nest deeper than %d levels", maxDepth)
	}
	for {
		off := p.d.InputOffset()
		tok, err := p.d.Token()
		if err == io.EOF {
			return p.errorf(off, name, "the element is not closed")
		}
		if err != nil {
			return p.syntax(off, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.CharData:
			p.b.setProsody(pr)
			p.b.plain(string(t), p.opts)
		case xml.Directive:
			return p.errorf(off, "", "declarations (<!...>) are not accepted")
		case xml.StartElement:
			if p.elements++; p.elements > maxElements {
				return p.errorf(off, t.Name.Local, "the document has more than %d elements", maxElements)
			}
			if err := p.element(off, t, depth+1, pr); err != nil {
				return err
			}
		}
	}
}

// element reads one element inside <speak>.
func (p *ssmlParser) element(off int64, t xml.StartElement, depth int, pr Prosody) error {
	name := t.Name.Local
	switch name {
	case "break":
		if err := p.attrs(off, t, "time", "strength"); err != nil {
			return err
		}
		ms, err := breakMs(t)
		if err != nil {
			return p.errorf(off, name, "%v", err)
		}
		if err := p.empty(off, name); err != nil {
			return err
		}
		if err := p.b.pause(ms); err != nil {
			return err
		}
		return nil
	case "prosody":
		if err := p.attrs(off, t, "rate", "pitch", "volume"); err != nil {
			return err
		}
		inner, err := nestProsody(t, pr)
		if err != nil {
			return p.errorf(off, name, "%v", err)
		}
		return p.children(name, depth, inner)
	case "speak":
		return p.errorf(off, name, "<speak> may only be the root")
	case "p", "s", "paragraph", "sentence":
		if err := p.attrs(off, t, "lang"); err != nil {
			return err
		}
		p.b.sentenceBreak()
		if err := p.children(name, depth, pr); err != nil {
			return err
		}
		p.b.sentenceBreak()
		return nil
	case "emotion":
		// Accepted for MetaStudio compatibility; the engines have no
		// emotional styles, so the text reads as usual.
		if err := p.attrs(off, t, "type", "category", "intensity"); err != nil {
			return err
		}
		return p.children(name, depth, pr)
	case "mark", "insert-action":
		// Markers and avatar gestures: nothing to read.
		if err := p.attrs(off, t, "name", "tag", "id"); err != nil {
			return err
		}
		return p.empty(off, name)
	case "say-as", "sub", "phoneme", "word", "w":
		return p.leaf(off, t, pr)
	}
	return p.errorf(off, name, "unknown element; ttsc reads speak, break, prosody, say-as, sub, phoneme, word, emotion, p, s, mark and insert-action")
}

// empty consumes the end of an element that has no content.
func (p *ssmlParser) empty(off int64, name string) error {
	text, err := p.text(off, name)
	if err != nil {
		return err
	}
	if strings.TrimSpace(text) != "" {
		return p.errorf(off, name, "the element takes no text")
	}
	return nil
}

// text reads the text content of name up to its end tag, refusing child
// elements.
func (p *ssmlParser) text(off int64, name string) (string, error) {
	var sb strings.Builder
	for {
		inner := p.d.InputOffset()
		tok, err := p.d.Token()
		if err == io.EOF {
			return "", p.errorf(off, name, "the element is not closed")
		}
		if err != nil {
			return "", p.syntax(inner, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return sb.String(), nil
		case xml.CharData:
			sb.Write(t)
		case xml.StartElement:
			return "", p.errorf(inner, t.Name.Local, "<%s> may only contain text", name)
		}
	}
}

// leaf reads an element whose text content is read in a special way.
func (p *ssmlParser) leaf(off int64, t xml.StartElement, pr Prosody) error {
	name := t.Name.Local
	var allowed []string
	switch name {
	case "say-as":
		allowed = []string{"interpret-as", "format", "detail"}
	case "sub":
		allowed = []string{"alias"}
	case "phoneme":
		allowed = []string{"alphabet", "ph"}
	}
	if err := p.attrs(off, t, allowed...); err != nil {
		return err
	}
	content, err := p.text(off, name)
	if err != nil {
		return err
	}
	p.b.setProsody(pr)
	switch name {
	case "say-as":
		as, _ := attr(t, "interpret-as")
		if !slices.Contains(sayAsValues, as) {
			return p.errorf(off, name, "interpret-as %q is not one of %s", as, strings.Join(sayAsValues, ", "))
		}
		p.b.read(content, sayAs(content, as))
	case "sub":
		alias, ok := attr(t, "alias")
		if !ok || alias == "" {
			return p.errorf(off, name, "attribute alias is required and may not be empty")
		}
		p.b.read(content, alias)
	case "phoneme":
		ph, ok := attr(t, "ph")
		if !ok || ph == "" {
			return p.errorf(off, name, "attribute ph is required and may not be empty")
		}
		alphabet, _ := attr(t, "alphabet")
		read, err := p.phoneme(alphabet, ph)
		if err != nil {
			return p.errorf(off, name, "%v", err)
		}
		if read == "" {
			read = content // the voice takes no phonemes
		}
		p.b.read(content, read)
	case "word", "w":
		p.b.read(content, continuum(content))
	}
	return nil
}

// phoneme returns what the engine reads for <phoneme>: pinyin as written
// (the Mandarin voices read it), IPA through opts.Phonetic, or "" when the
// voice takes no phonemes.
func (p *ssmlParser) phoneme(alphabet, ph string) (string, error) {
	if alphabet == "" {
		alphabet = "ipa"
		if IsPinyin(strings.ToLower(ph)) {
			alphabet = "pinyin"
		}
	}
	switch alphabet {
	case "pinyin", "x-pinyin":
		ph = strings.ToLower(strings.Join(strings.Fields(ph), " "))
		if !IsPinyin(ph) {
			return "", fmt.Errorf("ph %q is not pinyin syllables with tone digits 1-5, such as \"chong2 qing4\"", ph)
		}
		return ph, nil
	case "ipa":
		if _, err := EspeakPhonemes(ph); err != nil {
			return "", fmt.Errorf("ph: %v", err)
		}
		if p.opts.Phonetic == nil {
			return "", nil
		}
		return p.opts.Phonetic(ph)
	}
	return "", fmt.Errorf("alphabet %q is not ipa or pinyin", alphabet)
}

// breakMs reads <break time strength>: time wins; neither means medium.
func breakMs(t xml.StartElement) (int, error) {
	if v, ok := attr(t, "time"); ok {
		var ms float64
		var err error
		switch {
		case strings.HasSuffix(v, "ms"):
			ms, err = strconv.ParseFloat(strings.TrimSuffix(v, "ms"), 64)
		case strings.HasSuffix(v, "s"):
			ms, err = strconv.ParseFloat(strings.TrimSuffix(v, "s"), 64)
			ms *= 1000
		default:
			err = errors.New("no unit")
		}
		if err != nil || math.IsNaN(ms) || ms < 0 {
			return 0, fmt.Errorf("time %q is not a duration such as 500ms or 2s", v)
		}
		if ms > MaxBreakMs {
			return 0, fmt.Errorf("time %q is longer than the limit of %d ms", v, MaxBreakMs)
		}
		return int(math.Round(ms)), nil
	}
	if v, ok := attr(t, "strength"); ok {
		ms, ok := breakStrengths[v]
		if !ok {
			return 0, fmt.Errorf("strength %q is not one of none, x-weak, weak, medium, strong, x-strong", v)
		}
		return ms, nil
	}
	return breakStrengths["medium"], nil
}

// nestProsody applies a <prosody> element's attributes to the prosody
// around it.
func nestProsody(t xml.StartElement, outer Prosody) (Prosody, error) {
	pr := outer
	for _, a := range []struct {
		name string
		v    *float64
	}{{"rate", &pr.Rate}, {"pitch", &pr.Pitch}, {"volume", &pr.Volume}} {
		s, ok := attr(t, a.name)
		if !ok {
			continue
		}
		m, err := prosodyValue(a.name, s)
		if err != nil {
			return pr, err
		}
		*a.v *= m
		r := prosodyRange[a.name]
		if *a.v < r[0]-1e-9 || *a.v > r[1]+1e-9 {
			return pr, fmt.Errorf("%s %q makes the %s %.2f times the request's; the range is %g to %g", a.name, s, a.name, *a.v, r[0], r[1])
		}
	}
	return pr, nil
}

// prosodyValue reads one prosody attribute as a multiplier: a keyword, a
// percentage ("120%", "+20%", "-10%"), a number ("1.2") or, for volume,
// decibels ("+6dB").
func prosodyValue(name, s string) (float64, error) {
	if m, ok := prosodyWords[name][s]; ok {
		return m, nil
	}
	bad := func() (float64, error) {
		words := make([]string, 0, 6)
		for _, w := range []string{"x-slow", "slow", "x-low", "low", "silent", "x-soft", "soft", "medium", "fast", "x-fast", "high", "x-high", "loud", "x-loud"} {
			if _, ok := prosodyWords[name][w]; ok {
				words = append(words, w)
			}
		}
		extra := ""
		if name == "volume" {
			extra = ", decibels (+6dB)"
		}
		return 0, fmt.Errorf("%s %q is not a percentage (120%%, +20%%), a multiplier (1.2)%s or one of %s", name, s, extra, strings.Join(words, ", "))
	}
	switch {
	case strings.HasSuffix(s, "%"):
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return bad()
		}
		if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
			return 1 + v/100, nil
		}
		return v / 100, nil
	case name == "volume" && strings.HasSuffix(strings.ToLower(s), "db"):
		v, err := strconv.ParseFloat(s[:len(s)-2], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return bad()
		}
		return math.Pow(10, v/20), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || strings.HasPrefix(s, "+") {
		return bad()
	}
	return v, nil
}
