package audio

import (
	"math/bits"
	"sync"
)

// Buffers of samples are kept for reuse in classes of powers of two
// between these sizes, in samples: 32 KiB to 16 MiB. Smaller ones cost
// little to allocate; larger ones are too rare to keep.
const (
	minClass = 14
	maxClass = 23
)

// free holds buffers given back by Recycle, a pool for each class.
var free [maxClass + 1]sync.Pool

// Samples returns n samples whose values are undefined, for a caller that
// fills them all. Where it can, it hands out memory Recycle gave back:
// the audio of each segment is a buffer of up to a few MiB, and a fresh
// one each time is memory the runtime has to clear and the garbage
// collector to reclaim.
func Samples(n int) []int16 {
	c := bits.Len(uint(max(n, 1) - 1)) // the class whose buffers hold n
	if c < minClass || c > maxClass {
		return make([]int16, n)
	}
	if p, ok := free[c].Get().(*[]int16); ok {
		return (*p)[:n]
	}
	return make([]int16, n, 1<<c)
}

// Recycle gives s back for Samples to hand out again. Only its owner may
// recycle it, once nothing uses s or a view of it (PCMBytes) any more:
// its memory will hold another segment's audio. Buffers that Samples did
// not hand out in one of its classes are left to the garbage collector.
func Recycle(s []int16) {
	c := bits.Len(uint(cap(s))) - 1
	if c < minClass || c > maxClass || cap(s) != 1<<c {
		return
	}
	s = s[:cap(s)]
	free[c].Put(&s)
}
