package sqlitestore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/store/storetest"
)

func open(t *testing.T, cfg Config) *DB {
	t.Helper()
	if cfg.Path == "" {
		cfg.Path = filepath.Join(t.TempDir(), "ttsc.db")
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

func TestCreateJobEnqueues(t *testing.T) {
	db := open(t, Config{})
	ctx := context.Background()
	j := &ttsc.Job{ID: "j1", ProjectID: "p1", Type: ttsc.JobAsync, Priority: 7, Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}
	if err := db.CreateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	res, err := db.River().JobList(ctx, river.NewJobListParams())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Jobs) != 1 || res.Jobs[0].Kind != (ttsc.SynthesisArgs{}).Kind() || res.Jobs[0].Priority != 4 {
		t.Fatalf("queue holds %+v, want one synthesis job at River priority 4", res.Jobs)
	}
	// A failed insert leaves neither row nor queued work.
	if err := db.CreateJob(ctx, j); ttsc.ErrorCode(err) != ttsc.ECONFLICT {
		t.Fatalf("duplicate: %v", err)
	}
	res, _ = db.River().JobList(ctx, river.NewJobListParams())
	if len(res.Jobs) != 1 {
		t.Errorf("a failed CreateJob enqueued work: %d queue jobs", len(res.Jobs))
	}
}

// endWorker ends each job it is given, the smallest real worker.
type endWorker struct {
	river.WorkerDefaults[ttsc.SynthesisArgs]
	db *DB
}

func (w *endWorker) Work(ctx context.Context, j *river.Job[ttsc.SynthesisArgs]) error {
	if _, err := w.db.StartJob(ctx, j.Args.JobID, 1); err != nil {
		return err
	}
	if err := w.db.AddFile(ctx, j.Args.JobID, ttsc.File{Kind: ttsc.FileAudio, Key: "k", ContentType: "audio/wav", Size: 1}); err != nil {
		return err
	}
	return w.db.EndJob(ctx, j.Args.JobID, ttsc.JobSucceeded, "0", "")
}

func TestQueueWorksJobs(t *testing.T) {
	workers := river.NewWorkers()
	db := open(t, Config{Workers: workers, MaxWorkers: 2})
	river.AddWorker(workers, &endWorker{db: db})
	ctx := context.Background()
	if err := db.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if err := db.CreateJob(ctx, &ttsc.Job{ID: id, ProjectID: "p", Type: ttsc.JobAudition, Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, id := range []string{"a", "b", "c"} {
		for {
			j, err := db.Job(ctx, "p", id)
			if err != nil {
				t.Fatal(err)
			}
			if j.State == ttsc.JobSucceeded && len(j.Files) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("job %s is %s after 10s", id, j.State)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func TestReadsDuringWrite(t *testing.T) {
	db := open(t, Config{})
	ctx := context.Background()
	if err := db.CreateJob(ctx, &ttsc.Job{ID: "j", ProjectID: "p", Type: ttsc.JobAudition, Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}); err != nil {
		t.Fatal(err)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE jobs SET message = 'x'`); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := db.Job(rctx, "p", "j"); err != nil {
		t.Errorf("read while a write transaction is open: %v", err)
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ttsc.db")
	db := open(t, Config{Path: path})
	if err := db.CreateCredential(context.Background(), &ttsc.Credential{AccessKey: "A", SecretKey: "S", ProjectID: "p"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	again := open(t, Config{Path: path})
	if _, err := again.Credential(context.Background(), "A"); err != nil {
		t.Errorf("after reopening: %v", err)
	}
}
