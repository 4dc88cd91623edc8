package pool

import (
	"slices"
	"testing"
)

func TestBytesSamples(t *testing.T) {
	want := []int16{0, 1, -1, 32767, -32768, 258}
	le := []byte{0, 0, 1, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0x80, 2, 1}
	for _, tt := range []struct {
		name string
		b    []byte
		want []int16
	}{
		{"OKAligned", le, want},
		{"OKUnaligned", append([]byte{9}, le...)[1:], want},
		{"OKOddByteDropped", append(slices.Clone(le), 7), want},
		{"OKEmpty", nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := bytesSamples(tt.b); !slices.Equal(got, tt.want) {
				t.Errorf("bytesSamples = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("OKRoundTrip", func(t *testing.T) {
		if got := bytesSamples(slices.Clone(samplesBytes(want))); !slices.Equal(got, want) {
			t.Errorf("bytesSamples(samplesBytes(%v)) = %v", want, got)
		}
	})
}
