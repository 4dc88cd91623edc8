// Package cache keeps engine output so that a segment read once is not
// read again: identical requests (the same engine, voice, text after SSML
// and pronunciation entries, speed and pitch) reuse the samples and word
// events without calling the engine. The cache is bounded in bytes and
// evicts the least recently used segments.
//
// The audio lives in files, one per segment, in a directory of the
// process's own; only the index is in memory. The operating system's
// page cache keeps the recent files in memory without counting them
// against the process, so a large cache costs the server no resident
// memory of its own and a hit still reads no disk. Nothing is synced:
// the files are a cache, and a process that starts again begins with an
// empty one, removing what a process that died left behind.
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
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
)

// Stats counts the cache's use.
type Stats interface {
	CacheHit()
	CacheMiss()
}

// Engine is a ttsc.Engine that answers from its files what it has read
// before.
type Engine struct {
	next  ttsc.Engine
	max   int64
	stats Stats
	dir   string   // this process's directory of segment files
	lock  *os.File // held while the directory is in use

	mu      sync.Mutex
	size    int64
	lru     *list.List // of *entry, most recent first
	index   map[[32]byte]*list.Element
	reading map[[32]byte]*read // the segments the engine is reading
	closed  bool               // no segment is written any more
	writes  sync.WaitGroup     // the segments being written
}

// read is a segment the engine is reading for one caller while others
// wait for it, or one it failed to read lately.
type read struct {
	done chan struct{} // closed once it is read, or failed
	err  error         // the engine's failure, set before done is closed
	// until is when a failed read is forgotten: a request for the
	// segment until then fails the same way at once.
	until time.Time
}

// failureKept is how long a failed read answers for its segment. A
// worker taking a preview moments after its first segment was read
// ahead gets that read's failure instead of costing another engine host.
const failureKept = 30 * time.Second

// maxFailures is how many failed reads are kept before the expired ones
// are dropped.
const maxFailures = 1024

// gaveUp says whether err is a caller's giving up rather than the
// engine's failure.
func gaveUp(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// keep says whether a failed read answers for its segment for a while:
// a failure of the text (an engine host crashed or overran the deadline
// on it, or refused it), not of the moment (no host running, a caller
// that gave up).
func keep(err error) bool {
	if err == nil || gaveUp(err) {
		return false
	}
	switch ttsc.ErrorCode(err) {
	case ttsc.ESYNTHESIS, ttsc.EINVALID:
		return true
	}
	return false
}

type entry struct {
	key  [32]byte
	size int64
}

// lockName is the file, in each process's directory, whose lock tells a
// live cache from one a process left behind.
const lockName = "lock"

// Open returns next with a cache of at most maxBytes of audio and word
// events, kept in a new directory under root. Directories under root
// that no live process holds are removed first. stats may be nil.
func Open(next ttsc.Engine, root string, maxBytes int64, stats Stats) (*Engine, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	removeAbandoned(root)
	dir, err := os.MkdirTemp(root, "run-")
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err == nil {
		err = syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		os.RemoveAll(dir)
		return nil, fmt.Errorf("cache: locking %s: %w", dir, err)
	}
	return &Engine{next: next, max: maxBytes, stats: stats, dir: dir, lock: lock,
		lru: list.New(), index: map[[32]byte]*list.Element{}, reading: map[[32]byte]*read{}}, nil
}

// removeAbandoned removes the directories under root whose lock no
// process holds: those of processes that ended without closing their
// cache. Failures leave a directory for the next start to try again.
func removeAbandoned(root string) {
	dirs, _ := filepath.Glob(filepath.Join(root, "run-*"))
	for _, d := range dirs {
		f, err := os.Open(filepath.Join(d, lockName))
		if err == nil {
			err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
			f.Close() // and with it the lock
		}
		if err == nil || errors.Is(err, os.ErrNotExist) {
			os.RemoveAll(d)
		}
	}
}

// Close removes the cache's files, once the segments being written are.
// A read still running when it is called, such as a preview's read
// ahead, answers without keeping its segment.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.writes.Wait()
	err := os.RemoveAll(e.dir)
	e.lock.Close()
	return err
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

// path is the file of the segment under k.
func (e *Engine) path(k [32]byte) string { return filepath.Join(e.dir, hex.EncodeToString(k[:])) }

// Synthesize answers from the cache or has the engine read req. A
// request for a segment the engine is reading for another caller waits
// for that read instead of reading it again, and fails as it does: a
// text that crashes an engine host or overruns the deadline costs one
// host, not one a caller.
func (e *Engine) Synthesize(ctx context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	k := key(req)
	var mine *read
	for mine == nil {
		if sp := e.get(k); sp != nil {
			if e.stats != nil {
				e.stats.CacheHit()
			}
			return sp, nil
		}
		e.mu.Lock()
		other, busy := e.reading[k]
		if busy && !other.until.IsZero() && time.Now().After(other.until) {
			delete(e.reading, k) // a failure long enough ago
			busy = false
		}
		if !busy {
			mine = &read{done: make(chan struct{})}
			e.reading[k] = mine
		}
		e.mu.Unlock()
		if busy {
			select {
			case <-other.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			// Read: the segment is kept and the next get finds it (if
			// it was not kept, this caller reads it). Failed because its
			// caller gave up: this caller reads it.
			if other.err != nil && ctx.Err() == nil && !gaveUp(other.err) {
				return nil, other.err
			}
		}
	}
	if e.stats != nil {
		e.stats.CacheMiss()
	}
	sp, err := e.next.Synthesize(ctx, req)
	if err == nil {
		e.put(k, sp)
	}
	e.mu.Lock()
	mine.err = err
	close(mine.done)
	if keep(err) {
		now := time.Now()
		mine.until = now.Add(failureKept)
		if len(e.reading) > maxFailures {
			for kk, r := range e.reading {
				if !r.until.IsZero() && now.After(r.until) {
					delete(e.reading, kk)
				}
			}
		}
	} else {
		delete(e.reading, k)
	}
	e.mu.Unlock()
	return sp, err
}

// get reads the segment under k, or returns nil when the cache has none
// it can read.
func (e *Engine) get(k [32]byte) *ttsc.Speech {
	e.mu.Lock()
	el, ok := e.index[k]
	if ok {
		e.lru.MoveToFront(el)
	}
	e.mu.Unlock()
	if !ok {
		return nil
	}
	b, err := os.ReadFile(e.path(k))
	if err == nil {
		if sp, err := decode(b); err == nil {
			return sp
		}
	}
	// Evicted meanwhile, or changed by someone else: forget it, unless
	// another caller has already written it again.
	e.mu.Lock()
	if cur, ok := e.index[k]; ok && cur == el {
		e.remove(el)
	}
	e.mu.Unlock()
	return nil
}

// put writes sp under k, evicting the least recently used segments to
// stay within the bound. Speech larger than the whole cache, or that
// cannot be written, is not kept.
func (e *Engine) put(k [32]byte, sp *ttsc.Speech) {
	b, ok := encode(sp)
	if !ok || int64(len(b)) > e.max {
		return
	}
	e.mu.Lock()
	_, dup := e.index[k]
	closed := e.closed
	if !dup && !closed {
		e.writes.Add(1) // before Close waits: closed is set under mu
	}
	e.mu.Unlock()
	if dup || closed {
		return // another caller read the same text meanwhile, or closing
	}
	defer e.writes.Done()
	// A segment enters the index only once its file is whole: written
	// under a name of its own, then renamed into place.
	tmp, err := os.CreateTemp(e.dir, "new-")
	if err != nil {
		return
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), e.path(k))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.index[k]; ok {
		return // the same bytes, renamed over by another caller
	}
	e.index[k] = e.lru.PushFront(&entry{key: k, size: int64(len(b))})
	e.size += int64(len(b))
	for e.size > e.max {
		e.remove(e.lru.Back())
	}
}

// remove drops el and its file; e.mu is held.
func (e *Engine) remove(el *list.Element) {
	old := el.Value.(*entry)
	e.lru.Remove(el)
	delete(e.index, old.key)
	e.size -= old.size
	os.Remove(e.path(old.key))
}

// Fill returns the share of the cache's bytes in use, from 0 to 1.
func (e *Engine) Fill() float64 {
	bytes, _ := e.Size()
	return float64(bytes) / float64(e.max)
}

// Size returns the bytes held and the number of entries.
func (e *Engine) Size() (bytes int64, entries int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.size, e.lru.Len()
}

// The file of a segment is a header (a magic number, the sample rate, the
// number of word events and of samples, each a little-endian uint32),
// then each word event as three uint32 (text start, text end, sample),
// then the samples, little-endian.
const (
	magic      = 0x31435454 // "TTC1"
	headerSize = 16
	wordSize   = 12
)

// encode returns sp as a segment file, or false when a value does not
// fit the format.
func encode(sp *ttsc.Speech) ([]byte, bool) {
	fits := func(v int) bool { return v >= 0 && v <= math.MaxUint32 }
	if !fits(sp.SampleRate) || !fits(len(sp.Samples)) || !fits(len(sp.Words)) {
		return nil, false
	}
	le := binary.LittleEndian
	b := make([]byte, 0, headerSize+wordSize*len(sp.Words)+2*len(sp.Samples))
	b = le.AppendUint32(b, magic)
	b = le.AppendUint32(b, uint32(sp.SampleRate))
	b = le.AppendUint32(b, uint32(len(sp.Words)))
	b = le.AppendUint32(b, uint32(len(sp.Samples)))
	for _, w := range sp.Words {
		if !fits(w.TextStart) || !fits(w.TextEnd) || !fits(w.Sample) {
			return nil, false
		}
		b = le.AppendUint32(b, uint32(w.TextStart))
		b = le.AppendUint32(b, uint32(w.TextEnd))
		b = le.AppendUint32(b, uint32(w.Sample))
	}
	return audio.AppendPCM(b, sp.Samples), true
}

// errFormat is a segment file that is not one encode wrote.
var errFormat = errors.New("cache: not a segment file")

// decode reads a segment file.
func decode(b []byte) (*ttsc.Speech, error) {
	le := binary.LittleEndian
	if len(b) < headerSize || le.Uint32(b) != magic {
		return nil, errFormat
	}
	rate, words, samples := le.Uint32(b[4:]), uint64(le.Uint32(b[8:])), uint64(le.Uint32(b[12:]))
	if uint64(len(b)) != headerSize+wordSize*words+2*samples {
		return nil, errFormat
	}
	sp := &ttsc.Speech{SampleRate: int(rate)}
	if words > 0 {
		sp.Words = make([]ttsc.WordEvent, words)
	}
	b = b[headerSize:]
	for i := range sp.Words {
		sp.Words[i] = ttsc.WordEvent{TextStart: int(le.Uint32(b)), TextEnd: int(le.Uint32(b[4:])), Sample: int(le.Uint32(b[8:]))}
		b = b[wordSize:]
	}
	sp.Samples = audio.DecodePCM(b)
	return sp, nil
}
