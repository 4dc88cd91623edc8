package mp3

import (
	"encoding/binary"
	"testing"
	"time"
)

// FuzzEncode encodes arbitrary samples at the rates ttsc's engines use
// and decodes the result: the MP3 must decode, and last about as long.
func FuzzEncode(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6}, uint8(0), false)
	f.Add(make([]byte, 4000), uint8(1), true)
	f.Fuzz(func(t *testing.T, raw []byte, rateIdx uint8, stereo bool) {
		rate := []int{16000, 22050, 24000, 44100}[int(rateIdx)%4]
		channels := 1
		if stereo {
			channels = 2
		}
		samples := make([]int16, len(raw)/2/channels*channels)
		for i := range samples {
			samples[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		b, err := Encode(samples, rate, channels, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(samples) == 0 {
			return
		}
		p, err := Decode(b)
		if err != nil {
			t.Fatalf("%d samples at %d Hz: the MP3 does not decode: %v", len(samples), rate, err)
		}
		want := time.Duration(len(samples)/channels) * time.Second / time.Duration(rate)
		// LAME pads to whole frames and adds its delay: up to two frames
		// of 1,152 samples and a little more.
		if d := p.Duration() - want; d < 0 || d > 2*1152*time.Second/time.Duration(rate)+60*time.Millisecond {
			t.Fatalf("%v of audio decoded as %v", want, p.Duration())
		}
	})
}
