package audio

import (
	"math"

	"github.com/openttsc/ttsc"
)

// ceiling is the peak ApplyVolume limits raised audio to: −1 dBFS, which
// leaves room for the overshoot of a later MP3 encode and for players
// that resample.
var ceiling = 32768 * math.Pow(10, -1.0/20)

// limiterHalfWindow is half the length, in samples, over which the
// limiter's gain falls to meet a peak and recovers after it. At 22050 Hz
// it is about 12 ms, longer than one pitch period of a low male voice, so
// the gain follows syllables rather than riding each glottal pulse (which
// would be heard as a buzz).
const limiterHalfWindow = 256

// ApplyVolume scales samples in place for MetaStudio's volume, 90..240
// with 140 the engine's natural level (values outside are clamped to the
// range, which the API enforces anyway). The gain is linear in the value,
// volume/140: 90 is −3.8 dB, 240 is +4.7 dB.
//
// Lowering cannot clip. When raising would push peaks past −1 dBFS, a
// look-ahead peak limiter lowers the gain smoothly around those peaks only.
// That choice is measured, not taste: espeak-ng peaks within 3 dB of full
// scale with speech some 20 dB below, so scaling a whole segment down to
// keep its highest peak would leave at most about 1 dB of the 4.7 dB asked
// for at 240, and a per-sample soft knee would distort every loud vowel.
// With the limiter, espeak-ng speech at 240 comes out 3.4 to 4.5 dB louder.
// The whole segment is known, so the limiter looks ahead freely and never
// overshoots: no sample ever wraps around.
func ApplyVolume(samples []int16, volume int) {
	volume = min(max(volume, ttsc.VolumeMin), ttsc.VolumeMax)
	if volume == ttsc.VolumeDefault || len(samples) == 0 {
		return
	}
	g := float64(volume) / ttsc.VolumeDefault
	peak := 0
	for _, s := range samples {
		peak = max(peak, abs(int(s)))
	}
	if float64(peak)*g <= ceiling {
		scale(samples, volume)
		return
	}
	limit(samples, g)
}

// Gain scales samples in place by g, at least 0: below 1 it only
// lowers, above 1 it raises with the peak limiter of ApplyVolume. SSML
// <prosody volume> uses it on top of the request's volume.
func Gain(samples []int16, g float64) {
	g = max(g, 0)
	if g == 1 || len(samples) == 0 {
		return
	}
	peak := 0
	for _, s := range samples {
		peak = max(peak, abs(int(s)))
	}
	if float64(peak)*g <= ceiling {
		for i, s := range samples {
			samples[i] = clamp16(math.Round(float64(s) * g))
		}
		return
	}
	limit(samples, g)
}

// scale multiplies by volume/140 in integers, rounding half away from
// zero, which keeps the gain exact to the last bit.
func scale(samples []int16, volume int) {
	const den = ttsc.VolumeDefault
	for i, s := range samples {
		v := int32(s) * int32(volume)
		if v >= 0 {
			v = (v + den/2) / den
		} else {
			v = (v - den/2) / den
		}
		samples[i] = clamp16(float64(v))
	}
}

// limit applies gain g and a peak limiter to samples.
//
// The limiter needs, at each sample n, a gain no higher than
// need(n) = min(1, ceiling/(g·|x(n)|)). It takes the minimum of need over a
// window of ±h samples, then averages that over ±h samples. Every value
// averaged at n is the minimum over a window that contains n, so it is at
// most need(n): the result never exceeds the ceiling, and it falls and
// rises in straight ramps 2h samples long instead of jumping.
func limit(samples []int16, g float64) {
	const h = limiterHalfWindow
	n := len(samples)
	need := func(i int) float64 {
		y := g * math.Abs(float64(samples[i]))
		if y <= ceiling {
			return 1
		}
		return ceiling / y
	}
	// m[c] = min(need[c-h : c+h+1]), by a sliding-window minimum: a ring
	// of candidates whose needs increase from head to tail.
	type cand struct {
		i int
		v float32
	}
	m := make([]float32, n)
	ring := make([]cand, 2*h+4)
	head, size := 0, 0
	at := func(j int) *cand { return &ring[(head+j)%len(ring)] }
	for k := 0; k < n+h; k++ {
		if k < n {
			v := float32(need(k))
			for size > 0 && at(size-1).v >= v {
				size--
			}
			*at(size) = cand{k, v}
			size++
		}
		c := k - h // the sample whose window is now complete
		if c < 0 {
			continue
		}
		for ring[head].i < c-h {
			head = (head + 1) % len(ring)
			size--
		}
		m[c] = ring[head].v
	}
	// Moving average of m over [i-h, i+h], clipped to the buffer.
	var sum float64
	lo, hi := 0, 0 // m[lo:hi] is in sum
	for i := range samples {
		for hi < n && hi <= i+h {
			sum += float64(m[hi])
			hi++
		}
		for lo < i-h {
			sum -= float64(m[lo])
			lo++
		}
		// The average is at most need(i) but for rounding; min makes the
		// ceiling exact.
		gain := min(sum/float64(hi-lo), need(i))
		samples[i] = clamp16(math.Round(float64(samples[i]) * g * gain))
	}
}

func clamp16(v float64) int16 {
	return int16(min(max(v, math.MinInt16), math.MaxInt16))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
