// Package audio handles the PCM that engines produce on its way to a file:
// volume, channels, WAV encoding and decoding, and the measurements tests
// across the project use to tell speech from silence or noise.
//
// Samples are always 16-bit signed PCM, interleaved when there are two
// channels: it is what every engine here produces and every player reads.
package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// PCM is decoded audio.
type PCM struct {
	// Rate is the number of frames per second.
	Rate int
	// Channels is 1 (mono) or more; Samples are interleaved by channel.
	Channels int
	Samples  []int16
}

// Frames returns the number of sample frames (samples per channel).
func (p *PCM) Frames() int {
	if p == nil || p.Channels < 1 {
		return 0
	}
	return len(p.Samples) / p.Channels
}

// Duration returns how long the audio plays; zero when Rate is not set.
func (p *PCM) Duration() time.Duration {
	if p == nil || p.Rate <= 0 {
		return 0
	}
	return time.Duration(p.Frames()) * time.Second / time.Duration(p.Rate)
}

// wavHeaderSize is the size of the canonical header EncodeWAV writes: RIFF,
// a 16-byte fmt chunk and the data chunk header.
const wavHeaderSize = 44

const (
	formatPCM        = 1
	formatExtensible = 0xfffe
)

// EncodeWAV returns a RIFF/WAVE file of 16-bit little-endian PCM with the
// canonical 44-byte header, which is what the most players and parsers
// accept. samples are interleaved when channels is 2; a trailing partial
// frame is dropped so the data size is always a whole number of frames.
// EncodeWAV panics when rate or channels is below 1: a header with them
// would describe no playable audio, and every caller knows them.
func EncodeWAV(samples []int16, rate, channels int) []byte {
	checkFormat(rate, channels)
	samples = samples[:len(samples)/channels*channels]
	b := make([]byte, wavHeaderSize, wavHeaderSize+2*len(samples))
	putWAVHeader(b, len(samples), rate, channels)
	return AppendPCM(b, samples)
}

// WAVParts returns the file EncodeWAV makes of samples in two parts,
// without a copy of the samples: its 44-byte header, and the whole
// frames of samples as PCMBytes gives them. It panics as EncodeWAV does.
func WAVParts(samples []int16, rate, channels int) (header, data []byte) {
	checkFormat(rate, channels)
	samples = samples[:len(samples)/channels*channels]
	header = make([]byte, wavHeaderSize)
	putWAVHeader(header, len(samples), rate, channels)
	return header, PCMBytes(samples)
}

func checkFormat(rate, channels int) {
	if rate < 1 || channels < 1 || channels > 0xffff {
		panic(fmt.Sprintf("audio.EncodeWAV: invalid rate %d or channels %d", rate, channels))
	}
}

// putWAVHeader writes the header of n samples into b[:44].
func putWAVHeader(b []byte, n, rate, channels int) {
	dataSize := 2 * n
	le := binary.LittleEndian
	copy(b[0:], "RIFF")
	le.PutUint32(b[4:], uint32(wavHeaderSize-8+dataSize))
	copy(b[8:], "WAVEfmt ")
	le.PutUint32(b[16:], 16)
	le.PutUint16(b[20:], formatPCM)
	le.PutUint16(b[22:], uint16(channels))
	le.PutUint32(b[24:], uint32(rate))
	le.PutUint32(b[28:], uint32(rate*channels*2))
	le.PutUint16(b[32:], uint16(channels*2))
	le.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	le.PutUint32(b[40:], uint32(dataSize))
}

// streamSize is the RIFF and data size of a WAV header written before its
// length is known, as streaming players and decoders expect.
const streamSize = 0xFFFFFFFF

// StreamWAVHeader returns the 44-byte header of a 16-bit PCM WAV stream
// of unknown length: its sizes are 0xFFFFFFFF, which decoders read as
// "until the end of the stream".
func StreamWAVHeader(rate, channels int) []byte {
	h := EncodeWAV(nil, rate, channels)
	binary.LittleEndian.PutUint32(h[4:], streamSize)
	binary.LittleEndian.PutUint32(h[40:], streamSize)
	return h
}

// ErrFormat is wrapped by every error DecodeWAV returns, so callers can
// tell a bad file from other failures.
var ErrFormat = errors.New("invalid WAV")

func formatError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// DecodeWAV parses a RIFF/WAVE file of 16-bit PCM. It checks that the
// header's fields agree with each other and with the file (RIFF size,
// chunk sizes, block align, byte rate) because a file whose header lies is
// a bug upstream that should fail loudly, not play as noise. Unknown chunks
// (LIST, fact, ...) are skipped; bytes after the RIFF chunk are ignored, as
// some tools append tags there.
//
// A streamed WAV (StreamWAVHeader) is read to its end.
func DecodeWAV(b []byte) (*PCM, error) {
	le := binary.LittleEndian
	if len(b) < 12 {
		return nil, formatError("file of %d bytes is shorter than the 12-byte RIFF header", len(b))
	}
	if string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, formatError("not a RIFF/WAVE file (starts %q)", b[:12])
	}
	riffEnd := 8 + uint64(le.Uint32(b[4:8]))
	streamed := le.Uint32(b[4:8]) == streamSize
	if streamed {
		riffEnd = uint64(len(b)) // a stream: to the end
	}
	if riffEnd < 12 {
		return nil, formatError("RIFF size %d is smaller than the 4-byte WAVE tag", riffEnd-8)
	}
	if riffEnd > uint64(len(b)) {
		return nil, formatError("RIFF size says %d bytes but the file has %d: truncated", riffEnd, len(b))
	}
	var (
		p       PCM
		haveFmt bool
		data    []byte
		align   int
	)
	for off := uint64(12); off < riffEnd; {
		if riffEnd-off < 8 {
			return nil, formatError("%d stray bytes at offset %d where a chunk header should be", riffEnd-off, off)
		}
		id := string(b[off : off+4])
		size := uint64(le.Uint32(b[off+4 : off+8]))
		body := off + 8
		if streamed && id == "data" && size == streamSize {
			size = (riffEnd - body) / 2 * 2
		}
		if size > riffEnd-body {
			return nil, formatError("%q chunk at offset %d says %d bytes but only %d remain: truncated", id, off, size, riffEnd-body)
		}
		chunk := b[body : body+size]
		switch id {
		case "fmt ":
			if haveFmt {
				return nil, formatError("second fmt chunk at offset %d", off)
			}
			var err error
			if align, err = parseFmt(&p, chunk); err != nil {
				return nil, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return nil, formatError("data chunk at offset %d before the fmt chunk", off)
			}
			if data != nil {
				return nil, formatError("second data chunk at offset %d", off)
			}
			if len(chunk)%align != 0 {
				return nil, formatError("data size %d is not a multiple of the block align %d", len(chunk), align)
			}
			data = chunk
		}
		// Chunks are word-aligned: an odd-sized chunk is followed by a
		// pad byte, which the last chunk may omit.
		off = body + size + size&1
	}
	if !haveFmt {
		return nil, formatError("no fmt chunk")
	}
	if data == nil {
		return nil, formatError("no data chunk")
	}
	p.Samples = DecodePCM(data)
	return &p, nil
}

// parseFmt fills p's rate and channels from a fmt chunk and returns the
// block align.
func parseFmt(p *PCM, c []byte) (int, error) {
	le := binary.LittleEndian
	if len(c) < 16 {
		return 0, formatError("fmt chunk of %d bytes is shorter than 16", len(c))
	}
	format := le.Uint16(c[0:])
	channels := int(le.Uint16(c[2:]))
	rate := int(le.Uint32(c[4:]))
	byteRate := int64(le.Uint32(c[8:]))
	align := int(le.Uint16(c[12:]))
	bits := int(le.Uint16(c[14:]))
	if format == formatExtensible {
		// WAVE_FORMAT_EXTENSIBLE names the real format in the first two
		// bytes of its sub-format GUID.
		if len(c) < 40 {
			return 0, formatError("extensible fmt chunk of %d bytes is shorter than 40", len(c))
		}
		format = le.Uint16(c[24:])
	}
	switch {
	case format != formatPCM:
		return 0, formatError("audio format %d is not PCM (1)", format)
	case bits != 16:
		return 0, formatError("%d bits per sample; only 16-bit PCM is supported", bits)
	case channels < 1:
		return 0, formatError("channel count is 0")
	case rate < 1:
		return 0, formatError("sample rate is 0")
	case align != channels*2:
		return 0, formatError("block align %d, want %d for %d channels of 16 bits", align, channels*2, channels)
	case byteRate != int64(rate)*int64(align):
		return 0, formatError("byte rate %d, want %d (%d Hz × block align %d)", byteRate, int64(rate)*int64(align), rate, align)
	}
	p.Rate, p.Channels = rate, channels
	return align, nil
}

// Stereo returns mono duplicated into left and right, interleaved.
func Stereo(mono []int16) []int16 {
	out := make([]int16, 2*len(mono))
	for i, s := range mono {
		out[2*i] = s
		out[2*i+1] = s
	}
	return out
}

// Silence returns d of mono silence at rate, rounded down to whole samples.
func Silence(rate int, d time.Duration) []int16 {
	if rate <= 0 || d <= 0 {
		return []int16{}
	}
	sec, frac := d/time.Second, d%time.Second
	n := int64(sec)*int64(rate) + int64(frac)*int64(rate)/int64(time.Second)
	return make([]int16, n)
}
