package jobcache_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/store/jobcache"
	"github.com/openttsc/ttsc/internal/store/sqlitestore"
	"github.com/openttsc/ttsc/internal/store/storetest"
)

func openDB(t *testing.T) *sqlitestore.DB {
	t.Helper()
	db, err := sqlitestore.Open(context.Background(), sqlitestore.Config{Path: filepath.Join(t.TempDir(), "ttsc.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// cached is a store whose jobs go through the cache.
type cached struct {
	*jobcache.Store
	*sqlitestore.DB
}

func (c cached) CreateJob(ctx context.Context, j *ttsc.Job) error { return c.Store.CreateJob(ctx, j) }
func (c cached) Job(ctx context.Context, p, id string) (*ttsc.Job, error) {
	return c.Store.Job(ctx, p, id)
}
func (c cached) ListJobs(ctx context.Context, f ttsc.JobFilter) ([]*ttsc.Job, int, error) {
	return c.Store.ListJobs(ctx, f)
}
func (c cached) StartJob(ctx context.Context, id string, n int) (*ttsc.Job, error) {
	return c.Store.StartJob(ctx, id, n)
}
func (c cached) AddFile(ctx context.Context, id string, f ttsc.File) error {
	return c.Store.AddFile(ctx, id, f)
}
func (c cached) EndJob(ctx context.Context, id string, s ttsc.JobState, code, msg string) error {
	return c.Store.EndJob(ctx, id, s, code, msg)
}
func (c cached) FailOrphans(ctx context.Context, code, msg string, n int) ([]string, error) {
	return c.Store.FailOrphans(ctx, code, msg, n)
}
func (c cached) FailStaleStreams(ctx context.Context, before time.Time, code, msg string, n int) ([]string, error) {
	return c.Store.FailStaleStreams(ctx, before, code, msg, n)
}
func (c cached) ExpiredJobs(ctx context.Context, before time.Time, n int) ([]*ttsc.Job, error) {
	return c.Store.ExpiredJobs(ctx, before, n)
}
func (c cached) Unfinished(ctx context.Context, p string) (int, error) {
	return c.Store.Unfinished(ctx, p)
}
func (c cached) DeleteJob(ctx context.Context, id string) error   { return c.Store.DeleteJob(ctx, id) }
func (c cached) RecordJob(ctx context.Context, j *ttsc.Job) error { return c.Store.RecordJob(ctx, j) }
func (c cached) KeyShared(ctx context.Context, key, id string) (bool, error) {
	return c.Store.KeyShared(ctx, key, id)
}

// The cache must not change what the store answers: the whole
// conformance suite runs through it, in both modes.
func TestConformance(t *testing.T) {
	for _, sole := range []bool{true, false} {
		t.Run(fmt.Sprintf("SoleWriter=%v", sole), func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Store {
				db := openDB(t)
				return cached{jobcache.New(db, jobcache.Config{SoleWriter: sole}), db}
			})
		})
	}
}

func newJob(id string) *ttsc.Job {
	return &ttsc.Job{ID: id, ProjectID: "p1", Type: ttsc.JobAudition, VoiceID: "v", Text: "Hello.",
		Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}
}

func TestJob(t *testing.T) {
	ctx := context.Background()
	file := ttsc.File{Kind: ttsc.FileAudio, Key: "p1/j1/audio-0000.wav", ContentType: "audio/wav", Size: 44}
	tests := []struct {
		name string
		sole bool
		// behind changes the job behind the cache's back, as another
		// process would.
		behind    func(db *sqlitestore.DB) error
		wantState ttsc.JobState
		wantFiles int
	}{
		{"SoleWriterSeesItsOwnWrites", true, nil, ttsc.JobSucceeded, 1},
		{"SharedSeesOtherWritersOfUnfinishedJobs", false, func(db *sqlitestore.DB) error {
			if err := db.AddFile(ctx, "j1", file); err != nil {
				return err
			}
			return db.EndJob(ctx, "j1", ttsc.JobSucceeded, "0", "")
		}, ttsc.JobSucceeded, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			s := jobcache.New(db, jobcache.Config{SoleWriter: tt.sole})
			if err := s.CreateJob(ctx, newJob("j1")); err != nil {
				t.Fatal(err)
			}
			if _, err := s.StartJob(ctx, "j1", 1); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Job(ctx, "p1", "j1"); err != nil { // cached when sole
				t.Fatal(err)
			}
			if tt.behind != nil {
				if err := tt.behind(db); err != nil {
					t.Fatal(err)
				}
			} else {
				if err := s.AddFile(ctx, "j1", file); err != nil {
					t.Fatal(err)
				}
				if err := s.EndJob(ctx, "j1", ttsc.JobSucceeded, "0", ""); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 { // a miss, then a hit
				j, err := s.Job(ctx, "p1", "j1")
				if err != nil {
					t.Fatal(err)
				}
				if j.State != tt.wantState || len(j.Files) != tt.wantFiles {
					t.Fatalf("job is %s with %d files; want %s with %d", j.State, len(j.Files), tt.wantState, tt.wantFiles)
				}
				j.Files = append(j.Files[:0], ttsc.File{Key: "changed by the caller"})
			}
			if _, err := s.Job(ctx, "p2", "j1"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
				t.Errorf("another project's read of a cached job: %v; want ENOTFOUND", err)
			}
		})
	}
}

// Files added to a cached job are added to the cached copy, which then
// answers as the store would, without reading it again.
func TestAddedFilesAreServedFromMemory(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	s := jobcache.New(db, jobcache.Config{SoleWriter: true})
	if err := s.CreateJob(ctx, newJob("j1")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartJob(ctx, "j1", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Job(ctx, "p1", "j1"); err != nil { // cached
		t.Fatal(err)
	}
	words := []ttsc.WordTiming{{Text: "Hello", BeginChar: 0, EndChar: 5, BeginMs: 10, EndMs: 400}}
	for _, f := range []ttsc.File{
		{Kind: ttsc.FileAudio, Index: 2, Key: "p1/j1/audio-0002.wav", ContentType: "audio/wav", Size: 44, DurationMs: 3},
		{Kind: ttsc.FileSRT, Index: 0, Key: "p1/j1/subtitle.srt", ContentType: "text/plain", Size: 9},
		{Kind: ttsc.FileAudio, Index: 0, Key: "p1/j1/audio-0000.wav", ContentType: "audio/wav", Size: 88, DurationMs: 400, Words: words},
		{Kind: ttsc.FileAudio, Index: 1, Key: "p1/j1/audio-0001.wav", ContentType: "audio/wav", Size: 66, Words: []ttsc.WordTiming{}},
		{Kind: ttsc.FileAudio, Index: 0, Key: "p1/j1/a retry", ContentType: "audio/wav"}, // the first record stays
	} {
		if err := s.AddFile(ctx, "j1", f); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Job(ctx, "p1", "j1")
	if err != nil {
		t.Fatal(err)
	}
	want, err := db.Job(ctx, "p1", "j1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("cached job differs from the store's (-store +cache):\n%s", diff)
	}
	// Ended behind the cache's back, which only another writer would do:
	// the cache, not the store, answers.
	if err := db.EndJob(ctx, "j1", ttsc.JobSucceeded, "0", ""); err != nil {
		t.Fatal(err)
	}
	if j, err := s.Job(ctx, "p1", "j1"); err != nil || j.State != ttsc.JobProcessing {
		t.Fatalf("after the files were added, the job was read again from the store: %v, %v", j.State, err)
	}
}

func TestEndedJobsExpireWhenShared(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	now := time.Now()
	s := jobcache.New(db, jobcache.Config{TTL: time.Minute, Now: func() time.Time { return now }})
	if err := s.CreateJob(ctx, newJob("j1")); err != nil {
		t.Fatal(err)
	}
	if err := s.EndJob(ctx, "j1", ttsc.JobFailed, "MSS.00000004", "no"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Job(ctx, "p1", "j1"); err != nil {
		t.Fatal(err)
	}
	// Another process deletes it.
	if err := db.DeleteJob(ctx, "j1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Job(ctx, "p1", "j1"); err != nil {
		t.Fatalf("within the TTL the ended job is answered from memory: %v", err)
	}
	now = now.Add(time.Minute + time.Second)
	if _, err := s.Job(ctx, "p1", "j1"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
		t.Fatalf("after the TTL: %v; want ENOTFOUND", err)
	}
}

// paused is a store whose Job waits, after reading, until it is let go,
// so a test can write while a read is in flight.
type paused struct {
	*sqlitestore.DB
	read, resume chan struct{}
}

func (p paused) Job(ctx context.Context, project, id string) (*ttsc.Job, error) {
	j, err := p.DB.Job(ctx, project, id)
	p.read <- struct{}{}
	<-p.resume
	return j, err
}

// A read that began before a write and ends after it must not leave the
// job as it was before the write in the cache.
func TestReadRacingWriteIsNotKept(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	p := paused{db, make(chan struct{}), make(chan struct{})}
	s := jobcache.New(p, jobcache.Config{SoleWriter: true})
	if err := s.CreateJob(ctx, newJob("j1")); err != nil {
		t.Fatal(err)
	}
	done := make(chan *ttsc.Job)
	go func() {
		j, _ := s.Job(ctx, "p1", "j1")
		done <- j
	}()
	<-p.read // the job as it was: WAITING
	if err := s.EndJob(ctx, "j1", ttsc.JobFailed, "MSS.00000004", "no"); err != nil {
		t.Fatal(err)
	}
	p.resume <- struct{}{}
	if j := <-done; j.State != ttsc.JobWaiting {
		t.Fatalf("the racing read saw %s; the test wants it to see the job before the write", j.State)
	}
	go func() {
		<-p.read
		p.resume <- struct{}{}
	}()
	j, err := s.Job(ctx, "p1", "j1")
	if err != nil {
		t.Fatal(err)
	}
	if j.State != ttsc.JobFailed {
		t.Errorf("after the write the job reads %s; want FAILED", j.State)
	}
}

// A job the cache started is answered from memory as the store returned
// it, without a read.
func TestStartedJobIsServedFromMemory(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	s := jobcache.New(db, jobcache.Config{SoleWriter: true})
	if err := s.CreateJob(ctx, newJob("j1")); err != nil {
		t.Fatal(err)
	}
	started, err := s.StartJob(ctx, "j1", 3)
	if err != nil {
		t.Fatal(err)
	}
	// Ended behind the cache's back, which only another writer would do.
	if err := db.EndJob(ctx, "j1", ttsc.JobSucceeded, "0", ""); err != nil {
		t.Fatal(err)
	}
	j, err := s.Job(ctx, "p1", "j1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(started, j); diff != "" {
		t.Errorf("the started job was not kept as StartJob returned it (-started +read):\n%s", diff)
	}
}

// slowStart is a store whose StartJob waits, after starting the job,
// until it is let go, so a test can write before the cache keeps it.
type slowStart struct {
	*sqlitestore.DB
	started, resume chan struct{}
}

func (p slowStart) StartJob(ctx context.Context, id string, n int) (*ttsc.Job, error) {
	j, err := p.DB.StartJob(ctx, id, n)
	p.started <- struct{}{}
	<-p.resume
	return j, err
}

// A write that ends while StartJob returns must not leave the job as
// StartJob read it in the cache.
func TestStartRacingWriteIsNotKept(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	p := slowStart{db, make(chan struct{}), make(chan struct{})}
	s := jobcache.New(p, jobcache.Config{SoleWriter: true})
	if err := s.CreateJob(ctx, newJob("j1")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		_, err := s.StartJob(ctx, "j1", 1)
		done <- err
	}()
	<-p.started
	if err := s.EndJob(ctx, "j1", ttsc.JobFailed, "MSS.00000004", "no"); err != nil {
		t.Fatal(err)
	}
	p.resume <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	j, err := s.Job(ctx, "p1", "j1")
	if err != nil {
		t.Fatal(err)
	}
	if j.State != ttsc.JobFailed {
		t.Errorf("after the racing write the job reads %s; want FAILED", j.State)
	}
}

func TestEndedJobIsServedFromMemory(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	s := jobcache.New(db, jobcache.Config{SoleWriter: true})
	if err := s.CreateJob(ctx, newJob("j1")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartJob(ctx, "j1", 1); err != nil { // cached
		t.Fatal(err)
	}
	f := ttsc.File{Kind: ttsc.FileAudio, Key: "p1/j1/audition.wav", Offset: 0, ContentType: "audio/wav", Size: 44, DurationMs: 3}
	if err := s.AddFile(ctx, "j1", f); err != nil {
		t.Fatal(err)
	}
	if err := s.EndJob(ctx, "j1", ttsc.JobFailed, "MSS.00000004", "the engine stopped"); err != nil {
		t.Fatal(err)
	}
	want, err := db.Job(ctx, "p1", "j1")
	if err != nil {
		t.Fatal(err)
	}
	// Changed behind the cache's back, which only another writer would
	// do: the cache, not the store, answers, with the job as the store
	// recorded it when it ended.
	f.Index, f.Offset = 1, 44
	if err := db.AddFile(ctx, "j1", f); err != nil {
		t.Fatal(err)
	}
	got, err := s.Job(ctx, "p1", "j1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("the ended job was not served from memory as the store recorded it (-store +cache):\n%s", diff)
	}
	// Ending it again changes nothing, and the cache does not claim so.
	if err := s.EndJob(ctx, "j1", ttsc.JobSucceeded, "0", ""); err != nil {
		t.Fatal(err)
	}
	if j, err := s.Job(ctx, "p1", "j1"); err != nil || j.State != ttsc.JobFailed || len(j.Files) != 2 {
		t.Errorf("after a second end: %+v, %v; want the store's FAILED job with 2 files", j, err)
	}
}

// slowEnd is a store whose EndJobAt waits, after ending the job, until
// it is let go, so a test can write before the cache keeps it.
type slowEnd struct {
	*sqlitestore.DB
	ended, resume chan struct{}
}

func (p slowEnd) EndJobAt(ctx context.Context, id string, state ttsc.JobState, code, message string, at time.Time) (bool, error) {
	ok, err := p.DB.EndJobAt(ctx, id, state, code, message, at)
	p.ended <- struct{}{}
	<-p.resume
	return ok, err
}

// A write that ends while EndJob returns (here retention deleting the
// job) must not leave the ended job in the cache.
func TestEndRacingWriteIsNotKept(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	p := slowEnd{db, make(chan struct{}), make(chan struct{})}
	s := jobcache.New(p, jobcache.Config{SoleWriter: true})
	if err := s.CreateJob(ctx, newJob("j1")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartJob(ctx, "j1", 1); err != nil { // cached
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- s.EndJob(ctx, "j1", ttsc.JobSucceeded, "0", "") }()
	<-p.ended
	if err := s.DeleteJob(ctx, "j1"); err != nil {
		t.Fatal(err)
	}
	p.resume <- struct{}{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if j, err := s.Job(ctx, "p1", "j1"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
		t.Errorf("after the racing delete the job reads %+v, %v; want ENOTFOUND", j, err)
	}
}
