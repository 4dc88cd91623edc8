// Package jobcache keeps recently read jobs in memory in front of a
// ttsc.JobStore, so that status polls, the hottest requests of the API,
// are answered without a database query.
//
// A cached job is never staler than the database allows:
//
//   - When this process is the only writer of jobs (SQLite, role all),
//     every write passes through the cache, which keeps the job a start
//     returns, adds an added file to the job's entry, and drops the entry
//     on other writes; jobs in any state are cached.
//   - Otherwise other processes change jobs unseen, so only ended jobs are
//     cached (an ended job changes no more), and only for a while, since
//     another process may delete it (retention).
//
// A read that raced with a write of the same job is not cached.
package jobcache

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/openttsc/ttsc"
)

// Config configures a Store.
type Config struct {
	// SoleWriter says that every write of jobs goes through this Store.
	SoleWriter bool
	// Entries bounds the number of cached jobs. Default 4096.
	Entries int
	// MaxTextBytes is the longest text (text plus tts_text) a cached job
	// may have, which bounds the memory the cache holds. Default 4 KiB.
	MaxTextBytes int
	// TTL is how long an ended job is kept when other processes write
	// too. Default 30 seconds.
	TTL time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
}

// Backend is the store a Store is in front of: a ttsc.JobStore that can
// also end a job at a time it is given, to the millisecond, so that the
// cache keeps the ended job exactly as the store records it. EndJobAt
// reports whether it ended the job: false when it had ended before.
type Backend interface {
	ttsc.JobStore
	EndJobAt(ctx context.Context, id string, state ttsc.JobState, code, message string, at time.Time) (bool, error)
}

// Store is a ttsc.JobStore that answers Job from memory when it can.
type Store struct {
	ttsc.JobStore
	endAt func(ctx context.Context, id string, state ttsc.JobState, code, message string, at time.Time) (bool, error)
	cfg   Config

	mu    sync.Mutex
	jobs  *lru.Cache[string, entry]
	write uint64            // writes ended so far
	last  map[string]uint64 // job ID → the write that last changed it
	floor uint64            // reads begun before this write are not cached
}

type entry struct {
	job    *ttsc.Job
	expiry time.Time // zero: until a write drops it
}

// New returns a Store in front of next.
func New(next Backend, cfg Config) *Store {
	if cfg.Entries <= 0 {
		cfg.Entries = 4096
	}
	if cfg.MaxTextBytes <= 0 {
		cfg.MaxTextBytes = 4 << 10
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c, _ := lru.New[string, entry](cfg.Entries) // only fails for a size ≤ 0
	return &Store{JobStore: next, endAt: next.EndJobAt, cfg: cfg, jobs: c, last: map[string]uint64{}}
}

// Fill returns the share of the cache's entries in use, from 0 to 1.
func (s *Store) Fill() float64 {
	return float64(s.jobs.Len()) / float64(s.cfg.Entries)
}

// Job returns the job from memory, or reads it and keeps it when it may.
func (s *Store) Job(ctx context.Context, projectID, id string) (*ttsc.Job, error) {
	s.mu.Lock()
	e, ok := s.jobs.Get(id)
	if ok && !e.expiry.IsZero() && s.cfg.Now().After(e.expiry) {
		s.jobs.Remove(id)
		ok = false
	}
	begun := s.write
	s.mu.Unlock()
	if ok {
		if e.job.ProjectID != projectID {
			return nil, ttsc.Errorf(ttsc.ENOTFOUND, "job %s not found", id)
		}
		return clone(e.job), nil
	}

	j, err := s.JobStore.Job(ctx, projectID, id)
	if err != nil || !s.cacheable(j) {
		return j, err
	}
	s.mu.Lock()
	if s.unchangedSince(id, begun) {
		s.jobs.Add(id, s.newEntry(j))
	}
	s.mu.Unlock()
	return j, nil
}

// unchangedSince reports whether no write of the job has ended since the
// write count was begun: a write that ended after a read began may have
// changed the job after it was read. s.mu is held.
func (s *Store) unchangedSince(id string, begun uint64) bool {
	return begun >= s.floor && s.last[id] <= begun
}

// newEntry is the cache's own copy of j.
func (s *Store) newEntry(j *ttsc.Job) entry {
	e := entry{job: clone(j)}
	if !s.cfg.SoleWriter {
		e.expiry = s.cfg.Now().Add(s.cfg.TTL)
	}
	return e
}

func (s *Store) cacheable(j *ttsc.Job) bool {
	if len(j.Text)+len(j.TTSText) > s.cfg.MaxTextBytes {
		return false
	}
	return s.cfg.SoleWriter || j.State.Ended()
}

// written drops the job's entry once a write of it has ended, whether or
// not the write succeeded.
func (s *Store) written(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs.Remove(id)
	s.noteWrite(id)
}

// noteWrite counts a write of the job that has ended, so that reads begun
// before it are not cached. s.mu is held.
func (s *Store) noteWrite(id string) {
	s.write++
	if len(s.last) >= 4*s.cfg.Entries {
		// Forget old writes; reads begun before now are not cached.
		clear(s.last)
		s.floor = s.write
	}
	s.last[id] = s.write
}

// StartJob starts the job and keeps the job the store returns, which it
// read after the change, unless another write of the job ended meanwhile.
func (s *Store) StartJob(ctx context.Context, id string, segments int) (*ttsc.Job, error) {
	s.mu.Lock()
	begun := s.write
	s.mu.Unlock()
	j, err := s.JobStore.StartJob(ctx, id, segments)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jobs.Remove(id)
	keep := err == nil && s.unchangedSince(id, begun) && s.cacheable(j)
	s.noteWrite(id)
	if keep {
		s.jobs.Add(id, s.newEntry(j))
	}
	return j, err
}

// AddFile records the file and adds it to the job's cached copy, so that
// the polls of a job whose segments are being stored keep being answered
// from memory.
func (s *Store) AddFile(ctx context.Context, jobID string, f ttsc.File) error {
	// The file as the store will return it: its creation time to the
	// millisecond, in UTC, and no word timings rather than none.
	f.CreatedAt = time.UnixMilli(cmp.Or(f.CreatedAt, s.cfg.Now()).UnixMilli()).UTC()
	if len(f.Words) == 0 {
		f.Words = nil
	}
	if err := s.JobStore.AddFile(ctx, jobID, f); err != nil {
		s.written(jobID)
		return err
	}
	f.Words = slices.Clone(f.Words)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.jobs.Peek(jobID)
	s.noteWrite(jobID)
	if !ok {
		return nil
	}
	i, found := slices.BinarySearchFunc(e.job.Files, f, func(a, b ttsc.File) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Index, b.Index))
	})
	if !found { // the store keeps the first record of a kind and index
		j := *e.job
		j.Files = slices.Insert(slices.Clone(e.job.Files), i, f)
		e.job = &j
		s.jobs.Add(jobID, e)
	}
	return nil
}

// EndJob ends the job. A cached copy becomes the ended job, as the store
// records it, unless the job had ended before; otherwise it is dropped.
// Polls of a job that has just ended then stay in memory.
func (s *Store) EndJob(ctx context.Context, id string, state ttsc.JobState, code, message string) error {
	// The time as the store will return it: to the millisecond, in UTC.
	at := time.UnixMilli(s.cfg.Now().UnixMilli()).UTC()
	ended, err := s.endAt(ctx, id, state, code, message, at)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noteWrite(id)
	// Another write that ended meanwhile dropped the entry; a read that
	// began before this write does not keep what it read.
	e, cached := s.jobs.Peek(id)
	if err != nil || !ended || !cached {
		s.jobs.Remove(id)
		return err
	}
	j := *e.job
	j.State, j.Code, j.Message, j.UpdatedAt, j.EndedAt = state, code, message, at, at
	e.job = &j
	s.jobs.Add(id, e)
	return nil
}

// FailOrphans ends the jobs no queued work will run and drops their
// cached copies.
func (s *Store) FailOrphans(ctx context.Context, code, message string, limit int) ([]string, error) {
	ids, err := s.JobStore.FailOrphans(ctx, code, message, limit)
	for _, id := range ids {
		s.written(id)
	}
	return ids, err
}

// FailStaleStreams ends the streamed jobs of dead connections and drops
// their cached copies.
func (s *Store) FailStaleStreams(ctx context.Context, before time.Time, code, message string, limit int) ([]string, error) {
	ids, err := s.JobStore.FailStaleStreams(ctx, before, code, message, limit)
	for _, id := range ids {
		s.written(id)
	}
	return ids, err
}

// DeleteJob deletes the job and drops its cached copy.
func (s *Store) DeleteJob(ctx context.Context, id string) error {
	defer s.written(id)
	return s.JobStore.DeleteJob(ctx, id)
}

// clone copies j deeply enough that callers may change the copy.
func clone(j *ttsc.Job) *ttsc.Job {
	c := *j
	c.Files = slices.Clone(j.Files)
	for i := range c.Files {
		c.Files[i].Words = slices.Clone(c.Files[i].Words)
	}
	c.Options = slices.Clone(j.Options)
	return &c
}
