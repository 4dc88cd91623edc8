// Package espeak binds libespeak-ng, the engine behind ttsc's voices in
// more than a hundred languages.
//
// libespeak-ng keeps its state in process-wide globals, so an Engine
// serializes all calls with one lock. ttsc gets parallelism by running
// several engine host processes (see package pool), each with its own
// Engine.
//
// Speed and pitch arrive in MetaStudio's percent units and map linearly
// onto espeak-ng's scales around the voice's defaults:
//
//	rate (words per minute) = 175 × speed / 100, clamped to 80…450
//	pitch (0…100)           = 50 × pitch / 100, clamped to 0…100
//
// so 100 % is the voice as espeak-ng speaks it, 50 % speed is 88 words a
// minute and 200 % is 350, both still intelligible.
package espeak

// Engine is libespeak-ng in this process. Create it with New.
type Engine struct {
	rate int // sample rate of the output
}

// SampleRate is the rate of the audio the engine produces.
func (e *Engine) SampleRate() int { return e.rate }

// Rate and pitch defaults of espeak-ng's voices.
const (
	defaultRate  = 175
	defaultPitch = 50
	minRate      = 80
	maxRate      = 450
)

// espeakRate maps a MetaStudio speed percentage to words per minute.
func espeakRate(speed int) int {
	if speed <= 0 {
		speed = 100
	}
	return min(max(defaultRate*speed/100, minRate), maxRate)
}

// espeakPitch maps a MetaStudio pitch percentage to espeak-ng's 0…100.
func espeakPitch(pitch int) int {
	if pitch <= 0 {
		pitch = 100
	}
	return min(max(defaultPitch*pitch/100, 0), 100)
}
