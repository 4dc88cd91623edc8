//go:build cgo && !nolame

package mp3

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
)

// voiceLike is a 150 Hz buzz with formant-like overtones and a syllable
// rhythm: close enough to speech for a codec.
func voiceLike(rate, channels int, d time.Duration) []int16 {
	n := int(d.Seconds() * float64(rate))
	s := make([]int16, 0, n*channels)
	for i := range n {
		t := float64(i) / float64(rate)
		env := 0.5 + 0.5*math.Sin(2*math.Pi*4*t)
		v := 0.0
		for h, a := range []float64{1, 0.6, 0.4, 0.5, 0.2, 0.1} {
			v += a * math.Sin(2*math.Pi*150*float64(h+1)*t)
		}
		x := int16(4000 * env * v)
		for range channels {
			s = append(s, x)
		}
	}
	return s
}

func decode(t *testing.T, b []byte) *audio.PCM {
	t.Helper()
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEncode(t *testing.T) {
	for _, test := range []struct {
		name           string
		rate, channels int
		wantKbps       int
	}{
		{"OKMono22050", 22050, 1, 64},
		{"OKMono16000", 16000, 1, 64},
		{"OKStereo22050", 22050, 2, 128},
	} {
		t.Run(test.name, func(t *testing.T) {
			in := &audio.PCM{Rate: test.rate, Channels: test.channels, Samples: voiceLike(test.rate, test.channels, 3*time.Second)}
			b, err := Encode(in.Samples, test.rate, test.channels, 0)
			if err != nil {
				t.Fatal(err)
			}
			out := decode(t, b)
			if out.Rate != test.rate {
				t.Errorf("rate %d, want %d", out.Rate, test.rate)
			}
			// LAME delays the start by 1105 samples and pads the end to a
			// whole frame (1152 samples at most at these rates).
			if d, pad := out.Duration()-in.Duration(), time.Duration(1105+1152)*time.Second/time.Duration(test.rate); d < 0 || d > pad {
				t.Errorf("decoded %v from %v of input; want at most %v of codec delay and padding", out.Duration(), in.Duration(), pad)
			}
			if a, b := audio.Analyze(in).RMSdBFS, audio.Analyze(out).RMSdBFS; math.Abs(a-b) > 1.5 {
				t.Errorf("RMS %.1f dBFS after coding, %.1f before", b, a)
			}
			kbps := float64(len(b)*8) / in.Duration().Seconds() / 1000
			if math.Abs(kbps-float64(test.wantKbps)) > 0.1*float64(test.wantKbps) {
				t.Errorf("%.1f kbit/s, want about %d", kbps, test.wantKbps)
			}
		})
	}
}

func TestEncodeEmpty(t *testing.T) {
	b, err := Encode(nil, 22050, 1, 0)
	if err != nil {
		t.Fatalf("empty input: %v", err)
	}
	if _, err := Decode(b); err != nil {
		t.Errorf("the MP3 of empty input does not decode: %v", err)
	}
}

func TestEncodeBadArguments(t *testing.T) {
	s := make([]int16, 100)
	for _, test := range []struct {
		name                 string
		samples              []int16
		rate, channels, kbps int
	}{
		{"ErrRate", s, 4000, 1, 0},
		{"ErrChannels", s, 22050, 3, 0},
		{"ErrKbps", s, 22050, 1, 16},
		{"ErrOddStereo", s[:99], 22050, 2, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			if _, err := Encode(test.samples, test.rate, test.channels, test.kbps); ttsc.ErrorCode(err) != ttsc.EINVALID {
				t.Errorf("got %v, want EINVALID", err)
			}
		})
	}
}

func TestEncodeConcurrent(t *testing.T) {
	in := voiceLike(22050, 1, time.Second)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := Encode(in, 22050, 1, 0)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := Decode(b); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

func BenchmarkEncode60s(b *testing.B) {
	in := voiceLike(22050, 1, time.Minute)
	for b.Loop() {
		if _, err := Encode(in, 22050, 1, 0); err != nil {
			b.Fatal(err)
		}
	}
}
