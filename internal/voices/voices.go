// Package voices is ttsc's voice catalogue: every voice a client can pick,
// with the asset ID it is picked by and the engine voice that reads it.
//
// The catalogue is a table in Go rather than configuration because each
// entry is a promise checked by this package's tests: the engine has the
// voice, and the voice reads its language with its own rules instead of
// spelling it out letter by letter. IDs are derived from the engine voice,
// so they stay the same from release to release without being stored.
package voices

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"

	"github.com/openttsc/ttsc"
)

// Engine names, as in ttsc.Voice.Engine.
const (
	EngineEspeak = "espeak"
	EngineFlite  = "flite"
)

// catalog is built once; Catalog hands out copies.
var catalog = sync.OnceValue(func() []ttsc.Voice { return build(languages, presets) })

var byID = sync.OnceValue(func() map[string]ttsc.Voice {
	m := make(map[string]ttsc.Voice, len(catalog()))
	for _, v := range catalog() {
		m[v.ID] = v
	}
	return m
})

// Catalog returns every voice ttsc offers, local voices first and then
// MetaStudio's preset IDs, in Order. The slice is the caller's to modify.
func Catalog() []ttsc.Voice { return slices.Clone(catalog()) }

// Lookup returns the voice with the asset ID id.
func Lookup(id string) (ttsc.Voice, bool) {
	v, ok := byID()[id]
	return v, ok
}

// Filter selects voices for a listing. Zero fields select everything;
// values within a slice are alternatives.
type Filter struct {
	// Languages are MetaStudio language values (CN, EN, fr, ...), matched
	// without regard to case since the enum has no two values that differ
	// only in case and clients are not consistent about it.
	Languages []string
	// Sexes are MALE, FEMALE or UNKNOW, matched without regard to case.
	Sexes []string
	// Name is a case-insensitive substring of the voice's name.
	Name string
	// Engine is an engine name such as "espeak".
	Engine string
	// Preset, when set, selects only preset IDs (true) or only local voices
	// (false).
	Preset *bool
}

// Match reports whether v passes f.
func (f Filter) Match(v ttsc.Voice) bool {
	switch {
	case len(f.Languages) > 0 && !slices.ContainsFunc(f.Languages, func(l string) bool { return strings.EqualFold(l, v.Language) }),
		len(f.Sexes) > 0 && !slices.ContainsFunc(f.Sexes, func(s string) bool { return strings.EqualFold(s, v.Sex) }),
		f.Name != "" && !strings.Contains(strings.ToLower(v.Name), strings.ToLower(f.Name)),
		f.Engine != "" && !strings.EqualFold(f.Engine, v.Engine),
		f.Preset != nil && *f.Preset != v.Preset:
		return false
	}
	return true
}

// List returns the voices that match f, in Order.
func List(f Filter) []ttsc.Voice {
	var out []ttsc.Voice
	for _, v := range catalog() {
		if f.Match(v) {
			out = append(out, v)
		}
	}
	return out
}

// voiceID derives a stable asset ID from key: the first 16 bytes of its
// SHA-256, in hex. A key names what a voice is ("ttsc-voice:espeak:en-us+f5"),
// so the ID changes only when the voice does.
func voiceID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// build turns the tables into voices: two per language (female, male),
// then every region's ID of every preset.
func build(langs []language, presets []preset) []ttsc.Voice {
	var out []ttsc.Voice
	local := make(map[string]ttsc.Voice)
	addSingles := func() {
		for _, v := range singles {
			voice := ttsc.Voice{
				ID:          voiceID("ttsc-voice:" + v.engine + ":" + v.voice),
				Name:        v.name + " " + v.label + " — " + engineLabel[v.engine],
				Description: v.native + ", " + v.label + ", read by " + engineLabel[v.engine] + " (" + v.voice + ").",
				Engine:      v.engine,
				EngineVoice: v.voice,
				Language:    v.lang,
				Locale:      v.locale,
				Sex:         v.sex,
				Order:       len(out) + 1,
				Sample:      v.sample,
				GainDB:      v.gainDB,
			}
			out = append(out, voice)
			local[voice.Engine+":"+voice.EngineVoice] = voice
		}
	}
	for _, l := range langs {
		if l.lang == "EN" && len(singles) > 0 && !slices.ContainsFunc(out, func(v ttsc.Voice) bool { return v.Engine == EngineFlite }) {
			addSingles()
		}
		for _, s := range sexes {
			engineVoice := l.voice + s.variant
			idVoice := cmp.Or(l.idVoice, l.voice) + s.variant
			v := ttsc.Voice{
				ID:          voiceID("ttsc-voice:" + l.engine + ":" + idVoice),
				Name:        l.name + " " + s.label + " — " + engineLabel[l.engine],
				Description: l.native + ", " + s.label + ", read by " + engineLabel[l.engine] + " (" + engineVoice + ").",
				Engine:      l.engine,
				EngineVoice: engineVoice,
				Language:    l.lang,
				Locale:      l.locale,
				Sex:         s.sex,
				Order:       len(out) + 1,
				Sample:      l.sample,
			}
			out = append(out, v)
			local[v.Engine+":"+v.EngineVoice] = v
		}
	}
	for _, p := range presets {
		to, ok := local[p.engine+":"+p.engineVoice]
		if !ok {
			// The tables are code; a preset mapped to a voice that is not
			// in the catalogue is a bug the tests catch at once.
			panic("voices: preset " + p.name + " maps to " + p.engine + ":" + p.engineVoice + ", which is not in the catalogue")
		}
		for i, r := range regions {
			id := p.ids[i]
			if id == "" {
				continue
			}
			out = append(out, ttsc.Voice{
				ID:   id,
				Name: p.name,
				Description: "MetaStudio preset voice " + p.name + " (" + r + "), read by ttsc as " +
					to.Name + " (" + to.EngineVoice + ").",
				Engine:      to.Engine,
				EngineVoice: to.EngineVoice,
				Language:    to.Language,
				Locale:      to.Locale,
				Sex:         p.sex,
				Order:       len(out) + 1,
				Sample:      to.Sample,
				GainDB:      to.GainDB,
				Preset:      true,
				Region:      r,
			})
		}
	}
	return out
}

// OpenAIVoices maps OpenAI's voice names onto catalogue voices, by engine
// voice: the most intelligible English voices, female names to female
// voices (docs/openai.md lists them).
var OpenAIVoices = map[string]string{
	"alloy":   "slt",
	"ash":     "rms",
	"ballad":  "awb",
	"cedar":   "rms",
	"coral":   "slt",
	"echo":    "rms",
	"fable":   "awb",
	"marin":   "slt",
	"nova":    "slt",
	"onyx":    "kal16",
	"sage":    "en-us+f5",
	"shimmer": "en+f5",
	"verse":   "kal16",
}

// Resolve finds the voice a person or a tool names: an asset ID, an
// OpenAI voice name, an engine voice ("rms", "en-us+f5") or a catalogue
// name, without regard to case, in catalog.
func Resolve(catalog []ttsc.Voice, name string) (ttsc.Voice, bool) {
	name = strings.TrimSpace(name)
	key := strings.ToLower(name)
	if ev, ok := OpenAIVoices[key]; ok {
		key = ev
	}
	for _, v := range catalog {
		if v.ID == key {
			return v, true
		}
	}
	for _, v := range catalog {
		if !v.Preset && (strings.EqualFold(v.EngineVoice, key) || strings.EqualFold(v.Name, name)) {
			return v, true
		}
	}
	return ttsc.Voice{}, false
}
