package audio_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/openttsc/ttsc/internal/audio"
)

// ceilingDB is the peak ApplyVolume limits to.
const ceilingDB = -1.0

func TestApplyVolumeGain(t *testing.T) {
	in := sine(22050, time.Second, 440, -20)
	before := audio.Analyze(mono(in)).RMSdBFS
	for _, test := range []struct {
		name   string
		volume int
		wantDB float64
	}{
		{"MinimumLowersBy3.8dB", 90, -3.83},
		{"HundredLowersBy2.9dB", 100, -2.92},
		{"DefaultKeepsLevel", 140, 0},
		{"TwoHundredRaisesBy3.1dB", 200, 3.10},
		{"MaximumRaisesBy4.7dB", 240, 4.68},
		{"BelowRangeClampsToMinimum", 0, -3.83},
		{"AboveRangeClampsToMaximum", 1000, 4.68},
	} {
		t.Run(test.name, func(t *testing.T) {
			out := slices.Clone(in)
			audio.ApplyVolume(out, test.volume)
			got := audio.Analyze(mono(out)).RMSdBFS - before
			if !near(got, test.wantDB, 0.1) {
				t.Errorf("volume %d changed the level by %.2f dB, want %.2f dB", test.volume, got, test.wantDB)
			}
		})
	}
}

func TestApplyVolumeLimits(t *testing.T) {
	fullSine := sine(22050, time.Second, 440, 0)
	square := make([]int16, 22050)
	for i := range square {
		square[i] = 32767
		if i/50%2 == 1 {
			square[i] = -32768
		}
	}
	for _, test := range []struct {
		name string
		in   []int16
		// minGainDB is the least the RMS must rise at volume 240.
		minGainDB float64
	}{
		{"FullScaleSineStaysUnderCeiling", fullSine, -1.1},
		{"FullScaleSquareStaysUnderCeiling", square, -1.1},
		// Dense peaks cost some gain; two thirds of the 4.7 dB must remain.
		{"SpeechLikeGetsLouderUnderCeiling", speechLike(22050, 5*time.Second), 3.1},
	} {
		t.Run(test.name, func(t *testing.T) {
			out := slices.Clone(test.in)
			audio.ApplyVolume(out, 240)
			for i := range out {
				if out[i] != 0 && (out[i] < 0) != (test.in[i] < 0) {
					t.Fatalf("sample %d wrapped around: %d became %d", i, test.in[i], out[i])
				}
			}
			before, after := audio.Analyze(mono(test.in)), audio.Analyze(mono(out))
			if after.PeakdBFS > ceilingDB+0.01 {
				t.Errorf("peak %.2f dBFS is over the %.0f dBFS ceiling", after.PeakdBFS, ceilingDB)
			}
			if gain := after.RMSdBFS - before.RMSdBFS; gain < test.minGainDB {
				t.Errorf("level rose by %.2f dB, want at least %.2f dB", gain, test.minGainDB)
			}
		})
	}
	t.Run("GainChangesSmoothly", func(t *testing.T) {
		in := speechLike(22050, 2*time.Second)
		out := slices.Clone(in)
		audio.ApplyVolume(out, 240)
		prev := math.NaN()
		for i := range in {
			if math.Abs(float64(in[i])) < 2000 {
				prev = math.NaN()
				continue
			}
			g := float64(out[i]) / float64(in[i])
			if math.Abs(g-prev) > 0.005 {
				t.Fatalf("gain jumps from %.4f to %.4f at sample %d", prev, g, i)
			}
			prev = g
		}
	})
	t.Run("QuietPartsKeepFullGain", func(t *testing.T) {
		in := speechLike(22050, 2*time.Second)
		out := slices.Clone(in)
		audio.ApplyVolume(out, 240)
		// Midway between two peaks (every 100 ms), far from the limiter's
		// reach, the gain is the requested 240/140.
		for i := 1100; i < len(in); i += 2205 {
			if in[i] == 0 {
				continue
			}
			if g := float64(out[i]) / float64(in[i]); !near(g, 240.0/140, 0.002) {
				t.Errorf("gain at sample %d is %.4f, want %.4f", i, g, 240.0/140)
			}
		}
	})
	t.Run("EmptyIsFine", func(t *testing.T) {
		audio.ApplyVolume(nil, 240)
	})
}

func BenchmarkApplyVolume60s(b *testing.B) {
	for _, bench := range []struct {
		name   string
		volume int
	}{
		{"Lower", 90},
		{"RaiseWithLimiter", 240},
	} {
		b.Run(bench.name, func(b *testing.B) {
			in := speechLike(22050, 60*time.Second)
			buf := make([]int16, len(in))
			b.SetBytes(int64(2 * len(in)))
			for b.Loop() {
				copy(buf, in)
				audio.ApplyVolume(buf, bench.volume)
			}
		})
	}
}
