// Package speech turns a request's text into audio segment by segment: it
// prepares the text (SSML, pronunciation entries, segmentation) for the
// voice's engine, has the engine read each segment with the request's
// prosody, and brings the audio to the requested level with the pauses
// SSML asked for. The queue workers, the OpenAI-compatible endpoint and
// `ttsc say` all speak through it.
package speech

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/metrics"
	"github.com/openttsc/ttsc/internal/text"
)

// Segment limits. SegmentRunes is the longest segment handed to an
// engine at once: a longer sentence is cut at its clauses or words.
// Neighbouring sentences are then joined into segments, each one engine
// round trip and, in a preview, one file and its record. The first
// segment may grow to PackRunes code points, so that a preview's first
// file is ready soon; each next one to twice the one before, up to
// SegmentRunes, so that a long text costs few round trips. (Longer
// segments would cost fewer still, but flite corrupts its heap on a run
// of punctuation of a little over 310 characters, which Split does not
// cut and packing would join.)
const (
	SegmentRunes = 300
	PackRunes    = 150
)

// Limits overrides the segment limits; zero fields keep the defaults.
// A PackRunes of its own keeps every segment within it, as a stream's
// PackRunes of 1 keeps a sentence each.
type Limits struct {
	SegmentRunes, PackRunes int
}

// packing is how l joins sentences into segments.
func (l Limits) packing() text.Packing {
	if l.PackRunes > 0 {
		return text.Packing{First: l.PackRunes}
	}
	return text.Packing{First: PackRunes, Most: cmp.Or(l.SegmentRunes, SegmentRunes)}
}

// Prepare prepares src for voice: SSML, the pronunciation entries (nil
// for none) and segmentation.
func Prepare(src string, voice ttsc.Voice, entries []*ttsc.Vocabulary, l Limits) (*text.Prepared, error) {
	return text.Prepare(src, text.Options{
		Vocabulary: entries, Phonetic: Phonetic(voice),
		SegmentRunes: cmp.Or(l.SegmentRunes, SegmentRunes),
		Packing:      l.packing(),
	})
}

// Vocabulary is the part of ttsc.VocabularyStore that reading text needs.
type Vocabulary interface {
	ListVocabularies(ctx context.Context, f ttsc.VocabularyFilter) ([]*ttsc.Vocabulary, int, error)
	TenantConfigs(ctx context.Context, projectID, key string) ([]*ttsc.TenantConfig, error)
}

// Entries returns the project's pronunciation entries for the voice when
// enable says so or, when it is nil (the request did not say), when the
// project's vocabulary switch is on; nil otherwise, and nil for a nil v.
func Entries(ctx context.Context, v Vocabulary, projectID, voiceID string, enable *bool) ([]*ttsc.Vocabulary, error) {
	if v == nil {
		return nil, nil
	}
	if enable == nil {
		cs, err := v.TenantConfigs(ctx, projectID, ttsc.VocabularySwitch)
		if err != nil {
			return nil, err
		}
		on := len(cs) > 0 && cs[0].Value == "true"
		enable = &on
	}
	if !*enable {
		return nil, nil
	}
	entries, _, err := v.ListVocabularies(ctx, ttsc.VocabularyFilter{ProjectID: projectID, AssetID: voiceID})
	return entries, err
}

// Phonetic returns how the voice's engine reads IPA: espeak-ng's English
// voices take phoneme mnemonics; other voices ignore PHONETIC_SYMBOL
// entries and IPA <phoneme> markup.
func Phonetic(v ttsc.Voice) text.Phonetic {
	if v.Engine == "espeak" && strings.HasPrefix(v.Locale, "en") {
		return text.EspeakPhonemeInput
	}
	return nil
}

// Reader has an engine read segments.
type Reader struct {
	Engine ttsc.Engine
	// Metrics records engine timings; nil records nothing.
	Metrics *metrics.Metrics
}

// Read has the engine read segment i of segs with voice and prosody p:
// SSML's rate and pitch scale the request's, the voice's level
// correction, the request's volume and SSML's apply in one pass of the
// limiter, and the segment's pauses surround it. Errors name the segment.
func (r Reader) Read(ctx context.Context, voice ttsc.Voice, p ttsc.Prosody, segs []text.Segment, i int) (*ttsc.Speech, error) {
	t0 := time.Now()
	seg := segs[i]
	sp, err := r.Engine.Synthesize(ctx, Request(voice, p, seg))
	if err != nil {
		r.Metrics.SegmentFailed(voice.Engine, string(ttsc.ErrorCode(err)))
		cause := err
		if e, ok := err.(*ttsc.Error); ok {
			cause = e.Err // its message is in this one's
		}
		return nil, &ttsc.Error{
			Code:    ttsc.ErrorCode(err),
			Message: fmt.Sprintf("segment %d of %d: %s", i+1, len(segs), ttsc.ErrorMessage(err)),
			Err:     cause,
		}
	}
	if sp.SampleRate > 0 {
		r.Metrics.Segment(voice.Engine, time.Since(t0), time.Duration(len(sp.Samples))*time.Second/time.Duration(sp.SampleRate))
	}
	if seg.Prosody.Volume == 1 && voice.GainDB == 0 {
		audio.ApplyVolume(sp.Samples, p.Volume)
	} else {
		v := min(max(p.Volume, ttsc.VolumeMin), ttsc.VolumeMax)
		audio.Gain(sp.Samples, math.Pow(10, voice.GainDB/20)*float64(v)/ttsc.VolumeDefault*seg.Prosody.Volume)
	}
	pad(sp, seg.PauseBeforeMs, seg.PauseAfterMs)
	return sp, nil
}

// Request is what the engine is asked to read for seg, in voice with p.
func Request(voice ttsc.Voice, p ttsc.Prosody, seg text.Segment) ttsc.SynthesisRequest {
	return ttsc.SynthesisRequest{
		Engine: voice.Engine,
		Voice:  voice.EngineVoice,
		Text:   seg.Text,
		Speed:  scaled(p.Speed, seg.Prosody.Rate),
		Pitch:  scaled(p.Pitch, seg.Prosody.Pitch),
	}
}

// scaled applies an SSML multiplier to a request's percentage.
func scaled(percent int, m float64) int {
	if m == 1 || m == 0 {
		return percent
	}
	if percent <= 0 {
		percent = 100
	}
	return int(math.Round(float64(percent) * m))
}

// pad surrounds speech with the silence of SSML breaks, moving its word
// events along.
func pad(sp *ttsc.Speech, beforeMs, afterMs int) {
	if beforeMs <= 0 && afterMs <= 0 {
		return
	}
	before := audio.Silence(sp.SampleRate, time.Duration(beforeMs)*time.Millisecond)
	after := audio.Silence(sp.SampleRate, time.Duration(afterMs)*time.Millisecond)
	old := sp.Samples
	sp.Samples = slices.Concat(before, old, after)
	audio.Recycle(old)
	for k := range sp.Words {
		sp.Words[k].Sample += len(before)
	}
}

// Speak reads all of prep, calling emit with each segment's speech in
// order; emit's error stops it. emit must not keep the speech's samples:
// once it returns, their memory is given back for another segment's
// audio (audio.Recycle).
func (r Reader) Speak(ctx context.Context, voice ttsc.Voice, p ttsc.Prosody, prep *text.Prepared, emit func(i int, sp *ttsc.Speech) error) error {
	if len(prep.Segments) == 0 {
		return ttsc.Errorf(ttsc.EINVALID, "the text has nothing to read")
	}
	for i := range prep.Segments {
		sp, err := r.Read(ctx, voice, p, prep.Segments, i)
		if err != nil {
			return err
		}
		err = emit(i, sp)
		audio.Recycle(sp.Samples)
		if err != nil {
			return err
		}
	}
	return nil
}
