package audio

import (
	"slices"
	"testing"
)

func TestPCM(t *testing.T) {
	samples := []int16{0, 1, -1, 32767, -32768, 258}
	le := []byte{0, 0, 1, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0x80, 2, 1}
	t.Run("OKAppendPCMIsLittleEndian", func(t *testing.T) {
		if got := AppendPCM([]byte{9}, samples); !slices.Equal(got, append([]byte{9}, le...)) {
			t.Errorf("AppendPCM = %v", got)
		}
	})
	t.Run("OKPCMBytesIsLittleEndian", func(t *testing.T) {
		if got := PCMBytes(samples); !slices.Equal(got, le) {
			t.Errorf("PCMBytes = %v", got)
		}
	})
	for _, tt := range []struct {
		name string
		b    []byte
		want []int16
	}{
		{"OKDecodeAligned", le, samples},
		{"OKDecodeUnaligned", append([]byte{9}, le...)[1:], samples},
		{"OKDecodeOddByteIgnored", append(slices.Clone(le), 7), samples},
		{"OKDecodeEmpty", nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := DecodePCM(tt.b)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("DecodePCM = %v, want %v", got, tt.want)
			}
			if len(got) > 0 {
				got[0] = 99
				if tt.b[0] == 99 {
					t.Error("the samples share memory with the bytes")
				}
			}
		})
	}
}

// BenchmarkAppendPCM encodes a minute of audio at 22,050 Hz, a
// 1,000-character preview's worth.
func BenchmarkAppendPCM(b *testing.B) {
	s := make([]int16, 60*22050)
	buf := make([]byte, 0, 2*len(s))
	b.SetBytes(int64(2 * len(s)))
	for b.Loop() {
		buf = AppendPCM(buf[:0], s)
	}
}
