// Package mp3 encodes speech as MP3 with LAME (libmp3lame).
//
// Speech is encoded at a constant bit rate that keeps it intelligible:
// LAME's own default for 16–24 kHz mono is 24–32 kbit/s, which raised the
// word error rate of a speech recognizer on ttsc's English output from
// 0.15 to 0.34; at 64 kbit/s it stayed at 0.15.
package mp3

import "github.com/openttsc/ttsc"

// Default bit rates, in kbit/s.
const (
	DefaultMonoKbps   = 64
	DefaultStereoKbps = 128
)

// Encode encodes 16-bit PCM (interleaved when channels is 2) at rate Hz as
// MP3 at the same sample rate. kbps is the constant bit rate; 0 means
// DefaultMonoKbps or DefaultStereoKbps.
func Encode(samples []int16, rate, channels, kbps int) ([]byte, error) {
	switch {
	case rate < 8000 || rate > 48000:
		return nil, ttsc.Errorf(ttsc.EINVALID, "MP3 encoder: sample rate must be 8000 to 48000 Hz, got %d", rate)
	case channels != 1 && channels != 2:
		return nil, ttsc.Errorf(ttsc.EINVALID, "MP3 encoder: channels must be 1 or 2, got %d", channels)
	case kbps != 0 && (kbps < 32 || kbps > 320):
		return nil, ttsc.Errorf(ttsc.EINVALID, "MP3 encoder: bit rate must be 32 to 320 kbit/s, got %d", kbps)
	case len(samples)%channels != 0:
		return nil, ttsc.Errorf(ttsc.EINVALID, "MP3 encoder: %d samples do not divide into %d channels", len(samples), channels)
	}
	if kbps == 0 {
		kbps = DefaultMonoKbps
		if channels == 2 {
			kbps = DefaultStereoKbps
		}
	}
	return encode(samples, rate, channels, kbps)
}
