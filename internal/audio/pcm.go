package audio

import (
	"encoding/binary"
	"io"
	"unsafe"
)

// littleEndian says whether the machine stores an int16 as ttsc's PCM
// does, so that samples and their bytes can be copied as they are.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// PCMBytes returns samples as 16-bit little-endian PCM. On a
// little-endian machine it is a view of samples, not a copy: it changes
// with them and must not be changed itself.
func PCMBytes(samples []int16) []byte {
	if len(samples) == 0 {
		return nil
	}
	if !littleEndian {
		return AppendPCM(nil, samples)
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&samples[0])), 2*len(samples))
}

// AppendPCM appends samples to b as 16-bit little-endian PCM, the
// sample format of WAV files and of ttsc's raw PCM streams.
func AppendPCM(b []byte, samples []int16) []byte {
	if littleEndian {
		return append(b, PCMBytes(samples)...)
	}
	for _, s := range samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	return b
}

// DecodePCM returns the samples of 16-bit little-endian PCM, in memory
// of their own. An odd last byte is ignored.
func DecodePCM(b []byte) []int16 {
	s := Samples(len(b) / 2)
	if littleEndian && len(s) > 0 {
		copy(PCMBytes(s), b)
		return s
	}
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return s
}

// ReadPCM reads n bytes of 16-bit little-endian PCM from r into samples
// of their own: on a little-endian machine straight into them, with no
// copy in between. An odd last byte is read and ignored.
func ReadPCM(r io.Reader, n int) ([]int16, error) {
	if !littleEndian {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		return DecodePCM(b), nil
	}
	s := Samples(n / 2)
	if _, err := io.ReadFull(r, PCMBytes(s)); err != nil {
		Recycle(s)
		return nil, err
	}
	if n%2 == 1 {
		var odd [1]byte
		if _, err := io.ReadFull(r, odd[:]); err != nil {
			return nil, err
		}
	}
	return s, nil
}
