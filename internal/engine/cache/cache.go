// Package cache keeps engine output in memory so that a segment read once
// is not read again: identical requests (the same engine, voice, text
// after SSML and pronunciation entries, speed and pitch) reuse the
// samples and word events without calling the engine. The cache is
// bounded in bytes and evicts the least recently used segments.
//
// Engine output must be deterministic for this to be right: espeak-ng's
// is, and flite's is since ttsc seeds the C library's random numbers
// before each synthesis (see package flite).
package cache

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"

	"github.com/openttsc/ttsc"
)

// Stats counts the cache's use.
type Stats interface {
	CacheHit()
	CacheMiss()
}

// Engine is a ttsc.Engine that answers from memory what it has read
// before.
type Engine struct {
	next  ttsc.Engine
	max   int64
	stats Stats

	mu    sync.Mutex
	size  int64
	lru   *list.List // of *entry, most recent first
	index map[[32]byte]*list.Element
}

type entry struct {
	key    [32]byte
	speech *ttsc.Speech
	size   int64
}

// New returns next with a cache of at most maxBytes of audio and word
// events; stats may be nil.
func New(next ttsc.Engine, maxBytes int64, stats Stats) *Engine {
	return &Engine{next: next, max: maxBytes, stats: stats, lru: list.New(), index: map[[32]byte]*list.Element{}}
}

// key identifies what an engine would produce for req.
func key(req ttsc.SynthesisRequest) [32]byte {
	h := sha256.New()
	for _, s := range []string{req.Engine, req.Voice, req.Text} {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var p [16]byte
	binary.LittleEndian.PutUint64(p[:8], uint64(req.Speed))
	binary.LittleEndian.PutUint64(p[8:], uint64(req.Pitch))
	h.Write(p[:])
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// clone copies speech, which callers change in place.
func clone(sp *ttsc.Speech) *ttsc.Speech {
	return &ttsc.Speech{SampleRate: sp.SampleRate, Samples: slices.Clone(sp.Samples), Words: slices.Clone(sp.Words)}
}

// Synthesize answers from the cache or has the engine read req.
func (e *Engine) Synthesize(ctx context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	k := key(req)
	e.mu.Lock()
	if el, ok := e.index[k]; ok {
		e.lru.MoveToFront(el)
		sp := clone(el.Value.(*entry).speech)
		e.mu.Unlock()
		if e.stats != nil {
			e.stats.CacheHit()
		}
		return sp, nil
	}
	e.mu.Unlock()
	if e.stats != nil {
		e.stats.CacheMiss()
	}
	sp, err := e.next.Synthesize(ctx, req)
	if err != nil {
		return nil, err
	}
	e.put(k, clone(sp))
	return sp, nil
}

// put stores speech under k, evicting the least recently used entries
// to stay within the bound. Speech larger than the whole cache is not
// kept.
func (e *Engine) put(k [32]byte, sp *ttsc.Speech) {
	size := int64(2*len(sp.Samples) + 24*len(sp.Words) + 64)
	if size > e.max {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.index[k]; ok {
		return // another caller read the same text meanwhile
	}
	e.index[k] = e.lru.PushFront(&entry{key: k, speech: sp, size: size})
	e.size += size
	for e.size > e.max {
		last := e.lru.Back()
		old := last.Value.(*entry)
		e.lru.Remove(last)
		delete(e.index, old.key)
		e.size -= old.size
	}
}

// Size returns the bytes held and the number of entries.
func (e *Engine) Size() (bytes int64, entries int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.size, e.lru.Len()
}
