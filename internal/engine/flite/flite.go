// Package flite binds libflite (Festival Lite, the Debian package
// flite1-dev), which gives ttsc four small US English voices that need no
// data files: kal16, a diphone voice, and slt, rms and awb, clustergen
// (statistical parametric) voices. All four produce 16 kHz audio.
//
// # Speed and pitch
//
// Speed and pitch arrive in MetaStudio's percent units, 100 being the voice
// as flite speaks it; values outside 50…200 are clamped and 0 means 100.
// Speed maps onto flite's "duration_stretch" feature and pitch onto the
// mean and the spread of the F0 contour ("int_f0_target_mean" and
// "int_f0_target_stddev"), relative to the voice's own defaults:
//
//	duration_stretch     = default × 100 / speed   (kal16 1.1, the others 1.0)
//	int_f0_target_mean   = default × pitch / 100   (kal16 95 Hz, slt 172, rms 98, awb 132)
//	int_f0_target_stddev = default × pitch / 100   (kal16 11 Hz, slt 27, rms 24, awb 25)
//
// Both the diphone voice's F0 target model (us_f0_model) and clustergen's
// F0 smoothing (cg_smooth_F0) compute f0 = mean + z × stddev, so scaling
// both multiplies the whole contour: 200 % is an octave up, not a constant
// shift. rms is the exception: its F0 comes from a SPAM (tilt) model that
// replaces the smoothed contour and reads neither feature. For rms at a
// pitch other than 100 the engine installs its own wave synthesis hook,
// which lets flite's cg_synth predict the parameters, stops its vocoder
// through the streaming callback at the first frame, multiplies the F0
// track by pitch / 100 and runs flite's mlpg and mlsa_resynthesis itself.
// Clustergen limits F0 to 50…700 Hz, and so does the hook, so rms at 50 %
// bottoms out at 50 Hz. The tests measure the median F0 of each voice at
// 50, 100 and 200 % (kal16 50/91/188 Hz, slt 86/170/340, rms 51/100/200,
// awb 66/131/258).
//
// The settings are set on each request's utterance, whose features flite
// looks up before the voice's, so the shared voices are never changed and
// nothing carries over from one request to the next (tested).
//
// # Word events
//
// flite reads the whole text as one utterance. Each token of its Token
// relation (the text split at whitespace, with punctuation kept aside in
// the features "prepunctuation" and "punc") owns the words it expands to:
// "123" becomes "one hundred twenty three". Every token with at least one
// spoken word gives one WordEvent, spanning the token's bytes in the text
// without its punctuation ("U.S.A." gives "U.S.A") and starting at the
// first sample of its first segment. Tokens are found by scanning forward
// through the text, so the offsets are exact, increasing and inside the
// text. Text that is empty or only whitespace gives a Speech without
// samples or words, and no error, as espeak does; characters flite cannot
// read (CJK, emoji) are skipped silently.
//
// # Determinism
//
// The clustergen voices' mixed-excitation vocoder (src/cg/cst_mlsa.c)
// draws the sign of each noise sample from libc rand(), which flite never
// seeds. That is one sequence for the whole process, so each synthesis
// continues where the previous one stopped: measured, slt, rms and awb
// give a different waveform on every call for the same text (same length
// and words, different noise), while the n-th synthesis is the same in
// every fresh process, because an unseeded rand() starts as if seeded
// with 1. Nothing else varies: calling srand(1) before each call made all
// three bit-identical from call to call. kal16 (diphones with LPC
// residuals) never calls rand() and was always identical.
//
// This package therefore calls srand(1) before every clustergen synthesis,
// so output is a function of voice, text, speed and pitch alone: the same
// from call to call in a process (tested) and from process to process
// (checked by hashing the samples in separate runs, which also matched
// flite_text_to_wave called from C after srand(1)). The reseeding also
// resets rand() for any other C code in the process.
//
// # Thread safety
//
// Measured two ways. A C program reading 3 texts with all four voices from
// 8 and 16 threads at once (480 syntheses per run) never crashed and kal16
// always matched serial output bit for bit; with rand() replaced by a
// per-thread generator all four voices did. And this package's concurrency
// test, run under -race with the lock removed, failed only on clustergen
// voices, whose noise then depends on scheduling; kal16 still matched.
// flite keeps its synthesis state in the utterance (voice features are
// linked, not copied, into it; its regex matcher keeps its state per
// call), so the only cross-talk found is the shared rand() sequence. But
// reseeding only works if no other synthesis draws from rand() in between,
// and flite has other process-wide state that Go's race detector cannot
// see (cst_errjmp, non-atomic reference counts on values, the voice list).
// So all calls run one at a time under a package-wide lock, as in package
// espeak; ttsc gets parallelism from several engine host processes
// (package pool).
//
// flite exits the process on an internal error (it longjmps only when the
// process-wide cst_errjmp is set, which this package leaves alone); the
// pool replaces a host that dies. None of the odd texts the tests try
// (control characters, long digit strings, symbols, non-ASCII) causes one
// in the segments ttsc hands it, which are at most 300 characters
// (speech.SegmentRunes). Longer ones can: a run of punctuation with no
// space of about 315 characters or more corrupts flite's heap, and the
// C library aborts the process.
// Synthesis cannot be interrupted; Synthesize checks ctx before it starts.
package flite

import (
	"strings"

	"github.com/openttsc/ttsc"
)

// Voices are the engine voice names this package serves.
var Voices = []string{"kal16", "slt", "rms", "awb"}

// Engine is libflite in this process, with its voices registered. Create
// it with New. Its methods may be called from several goroutines; they
// synthesize one text at a time.
type Engine struct {
	voices map[string]*voiceInfo
}

// voiceInfo is what Synthesize needs to know of a voice besides its C
// handle: the defaults that speed and pitch are relative to.
type voiceInfo struct {
	name       string
	rate       int     // sample rate of the output
	clustergen bool    // a clustergen voice, whose output depends on rand()
	spamf0     bool    // a clustergen voice with a SPAM F0 model, deaf to the F0 features
	stretch    float64 // default duration_stretch
	f0Mean     float64 // default int_f0_target_mean, Hz
	f0Stddev   float64 // default int_f0_target_stddev, Hz
}

// SampleRate returns the sample rate of voice's audio.
func (e *Engine) SampleRate(voice string) (int, error) {
	v, err := e.voice(voice)
	if err != nil {
		return 0, err
	}
	return v.rate, nil
}

// voice returns the voice named name.
func (e *Engine) voice(name string) (*voiceInfo, error) {
	if e == nil || e.voices == nil {
		return nil, ttsc.Errorf(ttsc.EUNAVAILABLE, "the flite engine is not initialised")
	}
	v, ok := e.voices[name]
	if !ok {
		return nil, ttsc.Errorf(ttsc.EINVALID, "flite has no voice %q; it has %s", name, strings.Join(Voices, ", "))
	}
	return v, nil
}

// Percentages accepted for speed and pitch; others are clamped.
const (
	minPercent = 50
	maxPercent = 200
)

// percent clamps a MetaStudio percentage, reading 0 (unset) or less as 100.
func percent(p int) int {
	if p <= 0 {
		return 100
	}
	return min(max(p, minPercent), maxPercent)
}

// settings are the per-request values of flite's features.
type settings struct {
	stretch, f0Mean, f0Stddev float64
	// f0Scale is pitch / 100, for spamf0 voices.
	f0Scale float64
}

// settings maps a request's speed and pitch onto the voice's features.
func (v *voiceInfo) settings(speed, pitch int) settings {
	k := float64(percent(pitch)) / 100
	return settings{
		stretch:  v.stretch * 100 / float64(percent(speed)),
		f0Mean:   v.f0Mean * k,
		f0Stddev: v.f0Stddev * k,
		f0Scale:  k,
	}
}

// whitespace is what flite's English tokenizer splits at
// (us_english_whitespace).
const whitespace = " \t\n\r"

// blank reports whether text has nothing for flite to read.
func blank(text string) bool {
	return strings.Trim(text, whitespace) == ""
}

// token is one item of flite's Token relation.
type token struct {
	// name is the token without its punctuation, and whitespace, prepunc
	// and punc are what flite's tokenizer found before and after it.
	name, whitespace, prepunc, punc string
	// sample is where its first spoken word starts, or -1 when none of its
	// words is spoken.
	sample int
}

// wordEvents maps flite's tokens back onto text, which flite tokenized into
// toks, and returns an event for each spoken token. It scans forward, so
// events are in text order and never overlap; a token whose name is not in
// the rest of the text (which flite's tokenizer does not produce) is left
// out. Samples are made non-decreasing and at most nsamples.
func wordEvents(text string, toks []token, nsamples int) []ttsc.WordEvent {
	var out []ttsc.WordEvent
	pos, last := 0, 0
	for _, t := range toks {
		if t.name == "" {
			continue
		}
		// Where the tokenizer put it, unless a token it dropped (one that
		// was all punctuation) came in between; then search for it.
		start := pos + len(t.whitespace) + len(t.prepunc)
		if !strings.HasPrefix(text[min(start, len(text)):], t.name) {
			i := strings.Index(text[pos:], t.name)
			if i < 0 {
				continue
			}
			start = pos + i
		}
		end := start + len(t.name)
		pos = end
		if strings.HasPrefix(text[end:], t.punc) {
			pos += len(t.punc)
		}
		if t.sample < 0 {
			continue
		}
		last = min(max(t.sample, last), nsamples)
		out = append(out, ttsc.WordEvent{TextStart: start, TextEnd: end, Sample: last})
	}
	return out
}
