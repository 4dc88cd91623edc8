package audio

import (
	"bytes"
	"io"
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

func TestReadPCM(t *testing.T) {
	pcm := PCMBytes([]int16{1, -2, 300, -32768})
	for _, tc := range []struct {
		name    string
		in      []byte
		n       int
		want    []int16
		wantErr bool
		rest    string
	}{
		{"OKWhole", pcm, len(pcm), []int16{1, -2, 300, -32768}, false, ""},
		{"OKLeavesWhatFollows", append(slices.Clone(pcm), "next"...), len(pcm), []int16{1, -2, 300, -32768}, false, "next"},
		{"OKOddByteIgnored", append(slices.Clone(pcm[:4]), 9, 'x'), 5, []int16{1, -2}, false, "x"},
		{"OKEmpty", nil, 0, []int16{}, false, ""},
		{"ErrShort", pcm[:5], 6, nil, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bytes.NewReader(tc.in)
			got, err := ReadPCM(r, tc.n)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ReadPCM: %v, want an error: %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			rest, _ := io.ReadAll(r)
			if !slices.Equal(got, tc.want) || string(rest) != tc.rest {
				t.Errorf("read %v leaving %q, want %v leaving %q", got, rest, tc.want, tc.rest)
			}
		})
	}
}
