package pgstore

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/store/pgstore/pgtest"
	"github.com/openttsc/ttsc/internal/store/sqlstore"
	"github.com/openttsc/ttsc/internal/store/storetest"
)

func open(t *testing.T, cfg Config) *DB {
	t.Helper()
	if cfg.URL == "" {
		cfg.URL = pgtest.URL(t)
	}
	db, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Stop(context.Background())
		db.Close()
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t, Config{}) })
}

func TestMigrateTwice(t *testing.T) {
	url := pgtest.URL(t)
	// Two processes starting at once both migrate; the second finds
	// nothing left to do.
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			db, err := Open(context.Background(), Config{URL: url})
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// countWorker counts the synthesis jobs it is given.
type countWorker struct {
	river.WorkerDefaults[ttsc.SynthesisArgs]
	done chan string
}

func (w *countWorker) Work(ctx context.Context, j *river.Job[ttsc.SynthesisArgs]) error {
	w.done <- j.Args.JobID
	return nil
}

// TestInsertWakesWorker checks that a job inserted by one process is
// worked by another at once, through LISTEN/NOTIFY, rather than at the
// next poll.
func TestInsertWakesWorker(t *testing.T) {
	url := pgtest.URL(t)
	w := &countWorker{done: make(chan string, 1)}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	worker := open(t, Config{URL: url, QueueConfig: sqlstore.QueueConfig{Workers: workers, MaxWorkers: 2}})
	if err := worker.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	api := open(t, Config{URL: url})
	time.Sleep(500 * time.Millisecond) // the listener subscribes
	ctx := context.Background()
	for i := range 3 {
		j := &ttsc.Job{ID: "j" + string(rune('a'+i)), ProjectID: "p1", Type: ttsc.JobAsync, Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}
		start := time.Now()
		if err := api.CreateJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-w.done:
			if id != j.ID {
				t.Errorf("worked %s, want %s", id, j.ID)
			}
			t.Logf("job %d worked %v after insert", i, time.Since(start))
		case <-time.After(30 * time.Second):
			t.Fatal("the worker never got the job")
		}
	}
}
