package audio

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// MinDBFS is the level Analyze reports for digital silence, in place of
// −Inf, so that Stats can be printed, compared and marshalled.
const MinDBFS = -120.0

// silenceDBFS is the level below which a 20 ms window counts as silent:
// well under any speech, well above dither or an engine's noise floor.
const silenceDBFS = -50.0

// Stats are measurements of audio. Levels are relative to full scale
// (32768), so a full-scale square wave is 0 dBFS and a full-scale sine
// −3 dBFS RMS.
type Stats struct {
	// RMSdBFS is the level of the whole audio.
	RMSdBFS float64
	// PeakdBFS is the level of the largest sample.
	PeakdBFS float64
	// SilentFraction is the fraction of the audio in 20 ms windows quieter
	// than −50 dBFS; 1 for no audio.
	SilentFraction float64
	Duration       time.Duration
}

// String formats s for test failures and logs.
func (s Stats) String() string {
	return fmt.Sprintf("RMS %.1f dBFS, peak %.1f dBFS, %.0f%% silent, %v", s.RMSdBFS, s.PeakdBFS, 100*s.SilentFraction, s.Duration)
}

// Analyze measures p. All channels count alike.
func Analyze(p *PCM) Stats {
	st := Stats{RMSdBFS: MinDBFS, PeakdBFS: MinDBFS, SilentFraction: 1}
	frames := p.Frames()
	if frames == 0 {
		return st
	}
	st.Duration = p.Duration()
	window := max(p.Rate/50, 1) * p.Channels
	samples := p.Samples[:frames*p.Channels]
	var total float64
	peak, silent := 0, 0
	for start := 0; start < len(samples); start += window {
		var sum float64
		w := samples[start:min(start+window, len(samples))]
		for _, s := range w {
			v := float64(s)
			sum += v * v
			peak = max(peak, abs(int(s)))
		}
		total += sum
		if dBFS(math.Sqrt(sum/float64(len(w)))) < silenceDBFS {
			silent += len(w)
		}
	}
	st.RMSdBFS = dBFS(math.Sqrt(total / float64(len(samples))))
	st.PeakdBFS = dBFS(float64(peak))
	st.SilentFraction = float64(silent) / float64(len(samples))
	return st
}

func dBFS(amplitude float64) float64 {
	if amplitude <= 0 {
		return MinDBFS
	}
	return max(20*math.Log10(amplitude/32768), MinDBFS)
}

// What ttsc calls speech: voices here read at about −21 dBFS RMS (flite's
// after their level correction) with peaks 10 to 20 dB higher, and even
// MetaStudio's lowest volume (−3.8 dB) stays well inside these bounds,
// while silence, clicks and noise do not.
const (
	speechMinRMS    = -32.0
	speechMaxRMS    = -12.0
	speechMinPeak   = -16.0
	speechMaxSilent = 0.5
)

// CheckSpeech returns an error that says what is wrong unless p looks like
// speech at a normal level: RMS between −32 and −12 dBFS, peak above
// −16 dBFS, and less than half of it silent. Tests across the project use
// it to tell real speech from silence, noise or a broken file.
func CheckSpeech(p *PCM) error {
	st := Analyze(p)
	if st.Duration == 0 {
		return fmt.Errorf("not speech: no audio")
	}
	var problems []string
	if st.RMSdBFS < speechMinRMS {
		problems = append(problems, fmt.Sprintf("RMS %.1f dBFS is below %.0f dBFS (too quiet)", st.RMSdBFS, speechMinRMS))
	}
	if st.RMSdBFS > speechMaxRMS {
		problems = append(problems, fmt.Sprintf("RMS %.1f dBFS is above %.0f dBFS (too loud: noise or clipping?)", st.RMSdBFS, speechMaxRMS))
	}
	if st.PeakdBFS <= speechMinPeak {
		problems = append(problems, fmt.Sprintf("peak %.1f dBFS is not above %.0f dBFS", st.PeakdBFS, speechMinPeak))
	}
	if st.SilentFraction >= speechMaxSilent {
		problems = append(problems, fmt.Sprintf("%.0f%% of 20 ms windows are below %.0f dBFS (at most %.0f%% may be)", 100*st.SilentFraction, silenceDBFS, 100*speechMaxSilent))
	}
	if len(problems) > 0 {
		return fmt.Errorf("not speech: %s (%v)", strings.Join(problems, "; "), st)
	}
	return nil
}
