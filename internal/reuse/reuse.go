// Package reuse remembers where the audio of recently read preview
// segments is stored, so that an identical preview is answered with the
// same files at once: no engine, no encoding, no write.
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
	"github.com/openttsc/ttsc/internal/text"
)

// Index maps segment keys to stored files. It is safe for concurrent use.
type Index struct {
	files *expirable.LRU[[32]byte, ttsc.File]
}

// New returns an Index of at most entries files, each kept for ttl from
// when it was stored.
func New(entries int, ttl time.Duration) *Index {
	return &Index{files: expirable.NewLRU[[32]byte, ttsc.File](entries, nil, ttl)}
}

// Put records that the segment with key is stored as f.
func (x *Index) Put(key [32]byte, f ttsc.File) {
	if x != nil {
		x.files.Add(key, f)
	}
}

// Get returns the stored file of the segment with key.
func (x *Index) Get(key [32]byte) (ttsc.File, bool) {
	if x == nil {
		return ttsc.File{}, false
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
