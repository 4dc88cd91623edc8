package audio

import (
	"testing"
	"unsafe"
)

func TestRecycle(t *testing.T) {
	for _, test := range []struct {
		name      string
		n         int
		given     func(n int) []int16 // what is recycled
		wantReuse bool
	}{
		{"OKReusesWhatSamplesGave", 100_000, Samples, true},
		{"OKReusesForASmallerLengthOfTheClass", 70_000, func(int) []int16 { return Samples(131_072) }, true},
		{"OKKeepsNoTinyBuffer", 1000, Samples, false},
		{"OKKeepsNoBufferOfAnotherShape", 100_000, func(n int) []int16 { return make([]int16, n) }, false},
		{"OKKeepsNoBufferOverTheLargestClass", 1 << 24, Samples, false},
	} {
		t.Run(test.name, func(t *testing.T) {
			// sync.Pool may drop what it is given (a quarter of it under
			// -race), so reuse is tried a few times.
			reused := false
			for range 10 {
				s := test.given(test.n)
				s[0] = 42
				Recycle(s)
				got := Samples(test.n)
				if len(got) != test.n {
					t.Fatalf("Samples(%d) has length %d", test.n, len(got))
				}
				if unsafe.SliceData(got) == unsafe.SliceData(s) {
					reused = true
					if got[0] != 42 {
						t.Fatalf("the reused buffer does not hold what was written to it")
					}
				}
			}
			if reused != test.wantReuse {
				t.Errorf("buffer reused: %v, want %v", reused, test.wantReuse)
			}
		})
	}
}

func TestSamplesLength(t *testing.T) {
	for _, n := range []int{0, 1, 16383, 16384, 16385, 1 << 23, 1<<23 + 1} {
		if s := Samples(n); len(s) != n || cap(s) < n {
			t.Errorf("Samples(%d): len %d cap %d", n, len(s), cap(s))
		}
	}
}
