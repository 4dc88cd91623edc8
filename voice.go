package ttsc

import "context"

// MetaStudio's sex values for voices.
const (
	SexMale    = "MALE"
	SexFemale  = "FEMALE"
	SexUnknown = "UNKNOW"
)

// Voice is a voice a client can pick by its asset ID: one voice of one
// engine, described with MetaStudio's enum values.
type Voice struct {
	// ID is the asset ID, 32 lowercase hex characters, stable across
	// releases.
	ID string
	// Name is the asset name shown in listings.
	Name        string
	Description string
	// Engine names the engine ("espeak", "flite") and EngineVoice the
	// engine's own voice name (for espeak-ng, "en-us+f3").
	Engine      string
	EngineVoice string
	// Language is MetaStudio's language enum value (CN, EN, GER, fr, ...).
	Language string
	// Locale is the BCP 47 tag of the language, such as "cmn-CN".
	Locale string
	// Sex is MALE, FEMALE or UNKNOW.
	Sex string
	// Order is the display order in listings.
	Order int
	// Sample is a sentence in the voice's language for trying it.
	Sample string
	// Preset is set on the IDs of MetaStudio's published system voices,
	// which ttsc maps to a local voice so existing configurations work.
	Preset bool
	// Region is the MetaStudio region a preset ID comes from.
	Region string
	// GainDB corrects the engine voice's natural level so that every
	// voice speaks about equally loud at the same volume: measured, 0 for
	// most voices.
	GainDB float64
}

// SynthesisRequest asks an engine to read one segment of text.
type SynthesisRequest struct {
	// Engine and Voice name the engine and its voice (Voice.Engine and
	// Voice.EngineVoice).
	Engine string
	Voice  string
	// Text is plain text, at most a few sentences long.
	Text string
	// Speed and Pitch are in MetaStudio's percent units; each engine maps
	// them onto its own scale.
	Speed int
	Pitch int
}

// WordEvent marks where a word of the text starts in the audio.
type WordEvent struct {
	// TextStart and TextEnd are byte offsets of the word in the request text.
	TextStart int `json:"text_start"`
	TextEnd   int `json:"text_end"`
	// Sample is the offset of the word's first sample in the audio.
	Sample int `json:"sample"`
}

// Speech is synthesized audio: 16-bit signed mono PCM at SampleRate.
type Speech struct {
	SampleRate int
	Samples    []int16
	Words      []WordEvent
}

// Engine turns text into speech.
type Engine interface {
	// Synthesize reads req.Text with req.Voice. It returns EUNAVAILABLE
	// when the engine is not built in or not installed, EINVALID for a
	// voice the engine does not have, and ESYNTHESIS when the engine
	// failed or passed ctx's deadline on this text.
	Synthesize(ctx context.Context, req SynthesisRequest) (*Speech, error)
}
