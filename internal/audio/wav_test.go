package audio_test

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openttsc/ttsc/internal/audio"
)

func TestEncodeWAV(t *testing.T) {
	t.Run("WritesCanonicalHeader", func(t *testing.T) {
		got := audio.EncodeWAV([]int16{1, -2}, 8000, 1)
		want := []byte{
			'R', 'I', 'F', 'F', 40, 0, 0, 0, 'W', 'A', 'V', 'E',
			'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 1, 0, // PCM, mono
			0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0, // 8000 Hz, 16000 B/s, align 2, 16 bits
			'd', 'a', 't', 'a', 4, 0, 0, 0,
			1, 0, 0xfe, 0xff,
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("HeaderAndPCMBytesMakeTheSameFile", func(t *testing.T) {
		for _, c := range []struct {
			samples  []int16
			channels int
		}{{[]int16{1, -2, 3}, 1}, {[]int16{1, 2, 3, 4, 5}, 2}, {nil, 1}} {
			header, data := audio.WAVParts(c.samples, 22050, c.channels)
			got := append(header, data...)
			if diff := cmp.Diff(audio.EncodeWAV(c.samples, 22050, c.channels), got); diff != "" {
				t.Errorf("%d channels: mismatch (-EncodeWAV +header and PCM):\n%s", c.channels, diff)
			}
		}
	})
	t.Run("DropsPartialStereoFrame", func(t *testing.T) {
		p, err := audio.DecodeWAV(audio.EncodeWAV([]int16{1, 2, 3}, 8000, 2))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int16{1, 2}, p.Samples); diff != "" {
			t.Errorf("samples mismatch (-want +got):\n%s", diff)
		}
	})
	for _, test := range []struct {
		name           string
		rate, channels int
	}{
		{"ZeroRatePanics", 0, 1},
		{"ZeroChannelsPanics", 22050, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("EncodeWAV(rate %d, channels %d) did not panic", test.rate, test.channels)
				}
			}()
			audio.EncodeWAV(nil, test.rate, test.channels)
		})
	}
}

func TestWAVRoundTrip(t *testing.T) {
	ramp := make([]int16, 1000)
	for i := range ramp {
		ramp[i] = int16(i*65 - 32768)
	}
	for _, test := range []struct {
		name string
		pcm  audio.PCM
	}{
		{"MonoSurvives", audio.PCM{Rate: 22050, Channels: 1, Samples: ramp}},
		{"StereoSurvives", audio.PCM{Rate: 44100, Channels: 2, Samples: audio.Stereo(ramp)}},
		{"ExtremesSurvive", audio.PCM{Rate: 16000, Channels: 1, Samples: []int16{-32768, 32767, 0, -1}}},
		{"EmptySurvives", audio.PCM{Rate: 8000, Channels: 1, Samples: []int16{}}},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := audio.DecodeWAV(audio.EncodeWAV(test.pcm.Samples, test.pcm.Rate, test.pcm.Channels))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&test.pcm, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// chunk is one RIFF chunk for building test files.
type chunk struct {
	id   string
	body []byte
}

// fmtBody returns a 16-byte PCM fmt chunk body.
func fmtBody(format, channels, rate, byteRate, align, bits int) []byte {
	b := make([]byte, 16)
	le := binary.LittleEndian
	le.PutUint16(b[0:], uint16(format))
	le.PutUint16(b[2:], uint16(channels))
	le.PutUint32(b[4:], uint32(rate))
	le.PutUint32(b[8:], uint32(byteRate))
	le.PutUint16(b[12:], uint16(align))
	le.PutUint16(b[14:], uint16(bits))
	return b
}

var goodFmt = fmtBody(1, 1, 8000, 16000, 2, 16)

// riff builds a WAVE file of chunks, with pad bytes and a RIFF size that
// match.
func riff(chunks ...chunk) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WAVE")
	for _, c := range chunks {
		b = append(b, c.id...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(c.body)))
		b = append(b, c.body...)
		if len(c.body)%2 == 1 {
			b = append(b, 0)
		}
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func TestDecodeWAV(t *testing.T) {
	valid := audio.EncodeWAV([]int16{1, 2, 3, 4}, 8000, 1)
	setUint32 := func(b []byte, off int, v uint32) []byte {
		b = append([]byte(nil), b...)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	extensible := func(subformat int) []byte {
		b := append(fmtBody(0xfffe, 1, 8000, 16000, 2, 16), make([]byte, 24)...)
		binary.LittleEndian.PutUint16(b[16:], 22)
		binary.LittleEndian.PutUint16(b[24:], uint16(subformat))
		return b
	}
	for _, test := range []struct {
		name    string
		file    []byte
		want    *audio.PCM
		wantErr string
	}{
		{"SkipsUnknownChunks", riff(chunk{"LIST", []byte("odd")}, chunk{"fmt ", goodFmt}, chunk{"fact", []byte{4, 0, 0, 0}}, chunk{"data", []byte{1, 0, 2, 0}}),
			&audio.PCM{Rate: 8000, Channels: 1, Samples: []int16{1, 2}}, ""},
		{"IgnoresBytesAfterRIFF", append(append([]byte(nil), valid...), "ID3tag"...),
			&audio.PCM{Rate: 8000, Channels: 1, Samples: []int16{1, 2, 3, 4}}, ""},
		{"AcceptsExtensiblePCM", riff(chunk{"fmt ", extensible(1)}, chunk{"data", []byte{1, 0}}),
			&audio.PCM{Rate: 8000, Channels: 1, Samples: []int16{1}}, ""},
		{"ShortFileFails", valid[:8], nil, "shorter than the 12-byte RIFF header"},
		{"NotRIFFFails", append([]byte("RIFX"), valid[4:]...), nil, "not a RIFF/WAVE file"},
		{"NotWAVEFails", append(append([]byte(nil), valid[:8]...), append([]byte("AVI "), valid[12:]...)...), nil, "not a RIFF/WAVE file"},
		{"TruncatedFileFails", valid[:len(valid)-2], nil, "RIFF size says 52 bytes but the file has 50: truncated"},
		{"TinyRIFFSizeFails", setUint32(valid, 4, 2), nil, "RIFF size 2 is smaller"},
		{"DataSizePastEndFails", setUint32(valid, 40, 100), nil, `"data" chunk at offset 36 says 100 bytes but only 8 remain: truncated`},
		{"ChunkHeaderCutFails", riff(chunk{"fmt ", goodFmt}, chunk{"data", []byte{1, 0}})[:0], nil, "shorter than the 12-byte"},
		{"StrayBytesFail", func() []byte {
			b := append(riff(chunk{"fmt ", goodFmt}, chunk{"data", []byte{1, 0}}), 'x', 'y')
			binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
			return b
		}(), nil, "2 stray bytes"},
		{"OddDataSizeFails", riff(chunk{"fmt ", goodFmt}, chunk{"data", []byte{1, 0, 2}}), nil, "data size 3 is not a multiple of the block align 2"},
		{"WrongBlockAlignFails", riff(chunk{"fmt ", fmtBody(1, 2, 8000, 16000, 2, 16)}, chunk{"data", nil}), nil, "block align 2, want 4 for 2 channels"},
		{"WrongByteRateFails", riff(chunk{"fmt ", fmtBody(1, 1, 8000, 8000, 2, 16)}, chunk{"data", nil}), nil, "byte rate 8000, want 16000"},
		{"EightBitFails", riff(chunk{"fmt ", fmtBody(1, 1, 8000, 8000, 1, 8)}, chunk{"data", nil}), nil, "8 bits per sample; only 16-bit"},
		{"FloatFails", riff(chunk{"fmt ", fmtBody(3, 1, 8000, 32000, 4, 32)}, chunk{"data", nil}), nil, "audio format 3 is not PCM"},
		{"ExtensibleFloatFails", riff(chunk{"fmt ", extensible(3)}, chunk{"data", nil}), nil, "audio format 3 is not PCM"},
		{"ShortExtensibleFails", riff(chunk{"fmt ", append(fmtBody(0xfffe, 1, 8000, 16000, 2, 16), 0, 0)}, chunk{"data", nil}), nil, "extensible fmt chunk of 18 bytes"},
		{"ZeroChannelsFails", riff(chunk{"fmt ", fmtBody(1, 0, 8000, 0, 0, 16)}, chunk{"data", nil}), nil, "channel count is 0"},
		{"ZeroRateFails", riff(chunk{"fmt ", fmtBody(1, 1, 0, 0, 2, 16)}, chunk{"data", nil}), nil, "sample rate is 0"},
		{"ShortFmtFails", riff(chunk{"fmt ", goodFmt[:14]}, chunk{"data", nil}), nil, "fmt chunk of 14 bytes"},
		{"MissingFmtFails", riff(chunk{"LIST", nil}), nil, "no fmt chunk"},
		{"MissingDataFails", riff(chunk{"fmt ", goodFmt}), nil, "no data chunk"},
		{"DataBeforeFmtFails", riff(chunk{"data", nil}, chunk{"fmt ", goodFmt}), nil, "data chunk at offset 12 before the fmt chunk"},
		{"SecondFmtFails", riff(chunk{"fmt ", goodFmt}, chunk{"fmt ", goodFmt}, chunk{"data", nil}), nil, "second fmt chunk"},
		{"SecondDataFails", riff(chunk{"fmt ", goodFmt}, chunk{"data", nil}, chunk{"data", nil}), nil, "second data chunk"},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := audio.DecodeWAV(test.file)
			if test.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), test.wantErr) || !errors.Is(err, audio.ErrFormat) {
					t.Fatalf("DecodeWAV = %v, want an ErrFormat containing %q", err, test.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(test.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add(audio.EncodeWAV([]int16{1, -2, 3}, 22050, 1))
	f.Add(audio.EncodeWAV([]int16{1, -2, 3, 4}, 44100, 2))
	f.Add(riff(chunk{"LIST", []byte("odd")}, chunk{"fmt ", goodFmt}, chunk{"data", []byte{1, 0, 2, 0}}))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVE"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := audio.DecodeWAV(b)
		if err != nil {
			if !errors.Is(err, audio.ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		if p.Rate < 1 || p.Channels < 1 || len(p.Samples)%p.Channels != 0 {
			t.Fatalf("decoded inconsistent PCM: rate %d, channels %d, %d samples", p.Rate, p.Channels, len(p.Samples))
		}
		again, err := audio.DecodeWAV(audio.EncodeWAV(p.Samples, p.Rate, p.Channels))
		if err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
		if !cmp.Equal(p, again) {
			t.Fatal("re-encoded file decodes differently")
		}
	})
}

func TestStereo(t *testing.T) {
	t.Run("DuplicatesEachSample", func(t *testing.T) {
		if diff := cmp.Diff([]int16{1, 1, -2, -2, 3, 3}, audio.Stereo([]int16{1, -2, 3})); diff != "" {
			t.Errorf("mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("EmptyStaysEmpty", func(t *testing.T) {
		if got := audio.Stereo(nil); len(got) != 0 {
			t.Errorf("Stereo(nil) = %v", got)
		}
	})
}

func TestSilence(t *testing.T) {
	for _, test := range []struct {
		name string
		rate int
		d    time.Duration
		want int
	}{
		{"OneSecondIsRateSamples", 22050, time.Second, 22050},
		{"FractionRoundsDown", 22050, 10 * time.Millisecond, 220},
		{"LongDurationDoesNotOverflow", 48000, time.Hour, 48000 * 3600},
		{"ZeroIsEmpty", 22050, 0, 0},
		{"NegativeIsEmpty", 22050, -time.Second, 0},
		{"NoRateIsEmpty", 0, time.Second, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := audio.Silence(test.rate, test.d)
			if len(got) != test.want {
				t.Fatalf("len = %d, want %d", len(got), test.want)
			}
			for i, s := range got {
				if s != 0 {
					t.Fatalf("sample %d = %d, want 0", i, s)
				}
			}
		})
	}
}

func TestDuration(t *testing.T) {
	for _, test := range []struct {
		name string
		pcm  *audio.PCM
		want time.Duration
	}{
		{"MonoCountsSamples", &audio.PCM{Rate: 22050, Channels: 1, Samples: make([]int16, 11025)}, 500 * time.Millisecond},
		{"StereoCountsFrames", &audio.PCM{Rate: 8000, Channels: 2, Samples: make([]int16, 16000)}, time.Second},
		{"NoRateIsZero", &audio.PCM{Channels: 1, Samples: make([]int16, 10)}, 0},
		{"NilIsZero", nil, 0},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := test.pcm.Duration(); got != test.want {
				t.Errorf("Duration() = %v, want %v", got, test.want)
			}
		})
	}
}

func BenchmarkEncodeWAV60s(b *testing.B) {
	samples := speechLike(22050, 60*time.Second)
	b.SetBytes(int64(2 * len(samples)))
	for b.Loop() {
		audio.EncodeWAV(samples, 22050, 1)
	}
}

func TestStreamedWAV(t *testing.T) {
	samples := []int16{1, -2, 3, -4, 5}
	b := append(audio.StreamWAVHeader(16000, 1), audio.EncodeWAV(samples, 16000, 1)[44:]...)
	p, err := audio.DecodeWAV(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rate != 16000 || p.Channels != 1 || !slices.Equal(p.Samples, samples) {
		t.Errorf("decoded %+v, want the 5 samples at 16 kHz", p)
	}
	// A header whose sizes lie without being the stream marker still fails.
	bad := slices.Clone(b)
	binary.LittleEndian.PutUint32(bad[4:], 1000)
	if _, err := audio.DecodeWAV(bad); err == nil {
		t.Error("a wrong RIFF size decoded")
	}
}
