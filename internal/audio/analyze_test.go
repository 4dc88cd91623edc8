package audio_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/openttsc/ttsc/internal/audio"
)

// sine returns d of a sine of the given frequency whose peak is at peakDB
// dBFS.
func sine(rate int, d time.Duration, freq, peakDB float64) []int16 {
	n := int(int64(rate) * int64(d) / int64(time.Second))
	amp := 32768 * math.Pow(10, peakDB/20)
	out := make([]int16, n)
	for i := range out {
		v := math.Round(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
		out[i] = int16(min(max(v, -32768), 32767))
	}
	return out
}

// bursts returns a sine of peakDB that sounds for on and pauses for off,
// repeated over d: a crude stand-in for syllables.
func bursts(rate int, d, on, off time.Duration, peakDB float64) []int16 {
	out := sine(rate, d, 220, peakDB)
	period := int(int64(rate) * int64(on+off) / int64(time.Second))
	onN := int(int64(rate) * int64(on) / int64(time.Second))
	for i := range out {
		if i%period >= onN {
			out[i] = 0
		}
	}
	return out
}

// speechLike has engine-like levels: a body around −20 dBFS RMS with
// sparse peaks near full scale.
func speechLike(rate int, d time.Duration) []int16 {
	out := bursts(rate, d, 150*time.Millisecond, 50*time.Millisecond, -15)
	for i := 0; i < len(out); i += rate / 10 {
		for j := i; j < min(i+20, len(out)); j++ {
			out[j] = int16(29000 * math.Sin(float64(j-i)*math.Pi/20))
		}
	}
	return out
}

func mono(s []int16) *audio.PCM { return &audio.PCM{Rate: 22050, Channels: 1, Samples: s} }

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestAnalyze(t *testing.T) {
	half := append(sine(22050, 500*time.Millisecond, 440, -6), audio.Silence(22050, 500*time.Millisecond)...)
	for _, test := range []struct {
		name string
		pcm  *audio.PCM
		want audio.Stats
	}{
		{"SineMeasuresRMSThreeDBBelowPeak", mono(sine(22050, time.Second, 440, -6)),
			audio.Stats{RMSdBFS: -9.01, PeakdBFS: -6, SilentFraction: 0, Duration: time.Second}},
		{"SilenceIsMinimumAndSilent", mono(audio.Silence(22050, time.Second)),
			audio.Stats{RMSdBFS: audio.MinDBFS, PeakdBFS: audio.MinDBFS, SilentFraction: 1, Duration: time.Second}},
		{"HalfSilenceIsHalfSilent", mono(half),
			audio.Stats{RMSdBFS: -12.02, PeakdBFS: -6, SilentFraction: 0.5, Duration: time.Second}},
		{"QuietSineIsSilent", mono(sine(22050, time.Second, 440, -60)),
			audio.Stats{RMSdBFS: -63.01, PeakdBFS: -60, SilentFraction: 1, Duration: time.Second}},
		{"StereoCountsFrames", &audio.PCM{Rate: 22050, Channels: 2, Samples: audio.Stereo(sine(22050, time.Second, 440, -6))},
			audio.Stats{RMSdBFS: -9.01, PeakdBFS: -6, SilentFraction: 0, Duration: time.Second}},
		{"EmptyIsSilentAndZeroLength", mono(nil),
			audio.Stats{RMSdBFS: audio.MinDBFS, PeakdBFS: audio.MinDBFS, SilentFraction: 1}},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := audio.Analyze(test.pcm)
			if !near(got.RMSdBFS, test.want.RMSdBFS, 0.05) || !near(got.PeakdBFS, test.want.PeakdBFS, 0.1) ||
				!near(got.SilentFraction, test.want.SilentFraction, 0.01) || got.Duration != test.want.Duration {
				t.Errorf("Analyze = %v, want %v", got, test.want)
			}
		})
	}
}

func TestCheckSpeech(t *testing.T) {
	for _, test := range []struct {
		name    string
		pcm     *audio.PCM
		wantErr string
	}{
		{"SpeechLikePasses", mono(speechLike(22050, 3*time.Second)), ""},
		{"BurstsPass", mono(bursts(22050, 3*time.Second, 120*time.Millisecond, 80*time.Millisecond, -8)), ""},
		{"SilenceFails", mono(audio.Silence(22050, time.Second)), "too quiet"},
		{"QuietSineFails", mono(sine(22050, time.Second, 440, -30)), "peak -30.0 dBFS is not above -16 dBFS"},
		{"FullScaleNoiseFails", mono(sine(22050, time.Second, 3000, 0)), "too loud"},
		{"MostlySilentFails", mono(bursts(22050, 3*time.Second, 40*time.Millisecond, 160*time.Millisecond, -3)), "% of 20 ms windows are below -50 dBFS"},
		{"EmptyFails", mono(nil), "no audio"},
		{"NilFails", nil, "no audio"},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := audio.CheckSpeech(test.pcm)
			switch {
			case test.wantErr == "" && err != nil:
				t.Errorf("CheckSpeech: %v", err)
			case test.wantErr != "" && (err == nil || !strings.Contains(err.Error(), test.wantErr)):
				t.Errorf("CheckSpeech = %v, want an error containing %q", err, test.wantErr)
			}
		})
	}
}
