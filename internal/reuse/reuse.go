// Package reuse remembers where the audio of recently read preview
// segments is stored and when their words are spoken in it, so that an
// identical preview is answered with the same files, and their word
// timings, at once: no engine, no encoding, no write.
//
// Identical means the same engine, voice and level correction, the same
// segment text after pronunciation entries and SSML, the same speed,
// pitch, volume, channels, pauses and format; Key covers all of them.
// Entries expire well before the retention period, so a reused file is
// never one that retention is about to delete.
package reuse

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/text"
)

// Index maps segment keys to stored files. It is safe for concurrent use.
type Index struct {
	files *expirable.LRU[[32]byte, Entry]
	max   int
}

// Entry is what the index knows of a segment read before.
type Entry struct {
	// File is the segment's audio file as recorded on the job that read
	// it. Its word timings are not kept: they belong to that job's text,
	// and Words gives them for any other.
	File ttsc.File
	// Words times the segment's words independently of the text around
	// it (speech.SegmentWords): byte offsets in the segment's text,
	// milliseconds of the file. An identical segment of another text
	// times its words from these (speech.FileWords), since its position
	// in that text, and the text the client wrote for it, may differ.
	Words []audio.Span
}

// New returns an Index of at most entries files, each kept for ttl from
// when it was stored.
func New(entries int, ttl time.Duration) *Index {
	return &Index{files: expirable.NewLRU[[32]byte, Entry](entries, nil, ttl), max: entries}
}

// Fill returns the share of the index's entries in use, from 0 to 1.
func (x *Index) Fill() float64 {
	if x == nil || x.max <= 0 {
		return 0
	}
	return float64(x.files.Len()) / float64(x.max)
}

// Put records that the segment with key is stored as e.File, without
// e.File.Words. The index keeps e.Words: the caller must not change it
// afterwards.
func (x *Index) Put(key [32]byte, e Entry) {
	if x != nil {
		e.File.Words = nil
		x.files.Add(key, e)
	}
}

// Get returns what is known of the segment with key. The entry is
// shared: the caller must not change its slices.
func (x *Index) Get(key [32]byte) (Entry, bool) {
	if x == nil {
		return Entry{}, false
	}
	return x.files.Get(key)
}

// Key identifies the audio of seg read by voice with prosody p in format.
func Key(voice ttsc.Voice, p ttsc.Prosody, format ttsc.AudioFormat, seg text.Segment) [32]byte {
	h := sha256.New()
	str := func(s string) {
		binary.Write(h, binary.LittleEndian, uint32(len(s)))
		h.Write([]byte(s))
	}
	num := func(v float64) { binary.Write(h, binary.LittleEndian, math.Float64bits(v)) }
	str(voice.ID)
	str(voice.Engine)
	str(voice.EngineVoice)
	num(voice.GainDB)
	for _, v := range []int{p.Speed, p.Pitch, p.Volume, p.Channels, seg.PauseBeforeMs, seg.PauseAfterMs} {
		num(float64(v))
	}
	num(seg.Prosody.Rate)
	num(seg.Prosody.Pitch)
	num(seg.Prosody.Volume)
	str(string(format))
	str(seg.Text)
	var k [32]byte
	h.Sum(k[:0])
	return k
}
