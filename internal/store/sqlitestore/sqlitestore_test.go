package sqlitestore

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/store/sqlstore"
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
	db := open(t, Config{QueueConfig: sqlstore.QueueConfig{Workers: workers, MaxWorkers: 2}})
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
		t.Errorf("Job while a write transaction is open: %v", err)
	}
	if _, _, err := db.ListJobs(rctx, ttsc.JobFilter{ProjectID: "p"}); err != nil {
		t.Errorf("ListJobs while a write transaction is open: %v", err)
	}
	if _, err := db.ListCredentials(rctx, ""); err != nil {
		t.Errorf("ListCredentials while a write transaction is open: %v", err)
	}
	if _, err := db.Token(rctx, "h", time.Now()); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
		t.Errorf("Token while a write transaction is open: %v", err)
	}
	if err := db.Ping(rctx); err != nil {
		t.Errorf("Ping while a write transaction is open: %v", err)
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

func TestCreateJobQueueArgs(t *testing.T) {
	db := open(t, Config{})
	ctx := context.Background()
	want := map[int]int{0: 1, 1: 2, 3: 2, 4: 3, 6: 3, 7: 4, 10: 4}
	for p := range want {
		id := fmt.Sprintf("j%02d", p)
		if err := db.CreateJob(ctx, &ttsc.Job{ID: id, ProjectID: "proj", Type: ttsc.JobAsync, Priority: p, Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := db.River().JobList(ctx, river.NewJobListParams().First(100))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Jobs) != len(want) {
		t.Fatalf("%d queue jobs, want %d", len(res.Jobs), len(want))
	}
	for _, rj := range res.Jobs {
		var args ttsc.SynthesisArgs
		if err := json.Unmarshal(rj.EncodedArgs, &args); err != nil {
			t.Fatal(err)
		}
		var p int
		fmt.Sscanf(args.JobID, "j%d", &p)
		if args.ProjectID != "proj" || rj.Priority != want[p] || rj.MaxAttempts != 3 || rj.Queue != river.QueueDefault || rj.State != rivertype.JobStateAvailable {
			t.Errorf("job %s (priority %d): args %+v, River priority %d (want %d), max attempts %d, queue %s, state %s",
				args.JobID, p, args, rj.Priority, want[p], rj.MaxAttempts, rj.Queue, rj.State)
		}
	}
}

func TestNow(t *testing.T) {
	at := time.Date(2026, 5, 4, 3, 2, 1, 987654321, time.FixedZone("CST", 8*3600))
	db := open(t, Config{QueueConfig: sqlstore.QueueConfig{Now: func() time.Time { return at }}})
	ctx := context.Background()
	j := &ttsc.Job{ID: "j", ProjectID: "p", Type: ttsc.JobAsync, Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}
	if err := db.CreateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 5, 3, 19, 2, 1, 987000000, time.UTC)
	if j.CreatedAt != want || j.UpdatedAt != want {
		t.Errorf("CreateJob set CreatedAt %v, UpdatedAt %v; want %v", j.CreatedAt, j.UpdatedAt, want)
	}
	if err := db.AddFile(ctx, "j", ttsc.File{Kind: ttsc.FileAudio, Key: "k"}); err != nil {
		t.Fatal(err)
	}
	if err := db.EndJob(ctx, "j", ttsc.JobSucceeded, "0", ""); err != nil {
		t.Fatal(err)
	}
	got, err := db.Job(ctx, "p", "j")
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedAt != want || got.UpdatedAt != want || got.EndedAt != want || got.Files[0].CreatedAt != want {
		t.Errorf("stored times %v %v %v %v, want %v", got.CreatedAt, got.UpdatedAt, got.EndedAt, got.Files[0].CreatedAt, want)
	}
	c := &ttsc.Credential{AccessKey: "A", SecretKey: "S", ProjectID: "p"}
	if err := db.CreateCredential(ctx, c); err != nil {
		t.Fatal(err)
	}
	if c.CreatedAt != want {
		t.Errorf("credential CreatedAt %v, want %v", c.CreatedAt, want)
	}
}

func TestLifecycleCalls(t *testing.T) {
	ctx := context.Background()
	db := open(t, Config{})
	if err := db.Stop(ctx); err != nil {
		t.Errorf("Stop before Start: %v", err)
	}
	if err := db.Start(ctx); err != nil {
		t.Errorf("Start of an insert-only DB: %v", err)
	}
	if err := db.Stop(ctx); err != nil {
		t.Errorf("Stop of an insert-only DB: %v", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := db.Ping(ctx); err == nil {
		t.Error("Ping after Close succeeded")
	}

	// A DB with workers but MaxWorkers 0 inserts only too.
	workers := river.NewWorkers()
	db = open(t, Config{QueueConfig: sqlstore.QueueConfig{Workers: workers}})
	river.AddWorker(workers, &endWorker{db: db})
	if err := db.Start(ctx); err != nil {
		t.Errorf("Start with MaxWorkers 0: %v", err)
	}
	if err := db.CreateJob(ctx, &ttsc.Job{ID: "j", ProjectID: "p", Type: ttsc.JobAsync, Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}); err != nil {
		t.Errorf("CreateJob: %v", err)
	}
	if _, err := Open(ctx, Config{}); err == nil {
		t.Error("Open without a path succeeded")
	}
}

// blockWorker starts its job, then waits for its context to end.
type blockWorker struct {
	river.WorkerDefaults[ttsc.SynthesisArgs]
	db      *DB
	started chan string
}

func (w *blockWorker) Work(ctx context.Context, j *river.Job[ttsc.SynthesisArgs]) error {
	if _, err := w.db.StartJob(ctx, j.Args.JobID, 1); err != nil {
		return err
	}
	w.started <- j.Args.JobID
	<-ctx.Done()
	return ctx.Err()
}

// TestStopCancelsAndRetries stops a DB whose job never finishes: Stop
// gives up when its context ends, cancels the job, and a later process
// runs it again without using up an attempt.
func TestStopCancelsAndRetries(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ttsc.db")
	workers := river.NewWorkers()
	db := open(t, Config{Path: path, QueueConfig: sqlstore.QueueConfig{Workers: workers, MaxWorkers: 1}})
	bw := &blockWorker{db: db, started: make(chan string, 1)}
	river.AddWorker(workers, bw)
	if err := db.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateJob(ctx, &ttsc.Job{ID: "j", ProjectID: "p", Type: ttsc.JobAsync, Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bw.started:
	case <-time.After(10 * time.Second):
		t.Fatal("job did not start")
	}
	stopCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := db.Stop(stopCtx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Stop took %v", d)
	}
	if err := db.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	res, err := db.River().JobList(ctx, river.NewJobListParams())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Jobs) != 1 || res.Jobs[0].State != rivertype.JobStateAvailable || res.Jobs[0].Attempt != 0 {
		t.Fatalf("queue after Stop: %+v; want the job available again, attempt 0", res.Jobs[0])
	}
	db.Close()

	workers = river.NewWorkers()
	db = open(t, Config{Path: path, QueueConfig: sqlstore.QueueConfig{Workers: workers, MaxWorkers: 1}})
	river.AddWorker(workers, &endWorker{db: db})
	if err := db.Start(ctx); err != nil {
		t.Fatal(err)
	}
	waitState(t, db, "p", "j", ttsc.JobSucceeded)
}

func waitState(t *testing.T, db *DB, project, id string, state ttsc.JobState) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := db.Job(context.Background(), project, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s is %s after 10s, want %s", id, j.State, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestConcurrentWriters writes through two DBs on one file, as the server
// and a CLI command do, while reading: nothing may fail with SQLITE_BUSY.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ttsc.db")
	workers := river.NewWorkers()
	server := open(t, Config{Path: path, QueueConfig: sqlstore.QueueConfig{Workers: workers, MaxWorkers: 4}})
	river.AddWorker(workers, &endWorker{db: server})
	if err := server.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cli := open(t, Config{Path: path})
	var wg sync.WaitGroup
	const n = 20
	for i := range n {
		wg.Add(3)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("j%d", i)
			if err := server.CreateJob(ctx, &ttsc.Job{ID: id, ProjectID: "p", Type: ttsc.JobAudition, Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := cli.CreateCredential(ctx, &ttsc.Credential{AccessKey: fmt.Sprintf("AK%d", i), SecretKey: "S", ProjectID: "p"}); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if _, _, err := server.ListJobs(ctx, ttsc.JobFilter{ProjectID: "p"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := range n {
		waitState(t, server, "p", fmt.Sprintf("j%d", i), ttsc.JobSucceeded)
	}
	if cs, err := server.ListCredentials(ctx, "p"); err != nil || len(cs) != n {
		t.Errorf("ListCredentials: %d, %v", len(cs), err)
	}
}

func TestReaderIsQueryOnly(t *testing.T) {
	db := open(t, Config{})
	if _, err := db.read.ExecContext(context.Background(), `INSERT INTO tokens (hash, project_id, created_at, expires_at) VALUES ('h', 'p', 1, 2)`); err == nil {
		t.Error("the reader pool wrote")
	}
}

func TestCloseStopsQueue(t *testing.T) {
	workers := river.NewWorkers()
	db, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "ttsc.db"), QueueConfig: sqlstore.QueueConfig{Workers: workers, MaxWorkers: 1}})
	if err != nil {
		t.Fatal(err)
	}
	river.AddWorker(workers, &endWorker{db: db})
	if err := db.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Errorf("Close of a running DB: %v", err)
	}
	select {
	case <-db.River().Stopped():
	default:
		t.Error("River still running after Close")
	}
}

func TestSealCredentials(t *testing.T) {
	key := make([]byte, 32)
	sealer, err := auth.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ttsc.db")
	ctx := context.Background()
	plain := open(t, Config{Path: path}) // a store from before sealing
	if err := plain.CreateCredential(ctx, &ttsc.Credential{AccessKey: "AK", SecretKey: "SK-in-the-clear", ProjectID: "p"}); err != nil {
		t.Fatal(err)
	}
	db := open(t, Config{Path: path, Secrets: sealer})
	if n, err := db.SealCredentials(ctx); err != nil || n != 1 {
		t.Fatalf("SealCredentials = %d, %v; want 1", n, err)
	}
	var stored string
	if err := db.write.QueryRowContext(ctx, `SELECT secret_key FROM credentials`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, "SK-in-the-clear") {
		t.Errorf("still in the clear: %q", stored)
	}
	c, err := db.Credential(ctx, "AK")
	if err != nil || c.SecretKey != "SK-in-the-clear" {
		t.Errorf("Credential = %+v, %v", c, err)
	}
	if n, _ := db.SealCredentials(ctx); n != 0 {
		t.Errorf("sealed %d again", n)
	}
}

// TestMigrationNames keeps the names migrations are recorded under: data
// directories of earlier releases hold these, and a renamed migration
// would run again on them.
func TestMigrationNames(t *testing.T) {
	db := open(t, Config{})
	rows, err := db.write.Query(`SELECT name FROM ttsc_migration ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	want := []string{"migration/0001_init.sql", "migration/0002_once_codes.sql", "migration/0003_vocabulary.sql", "migration/0004_jobs_state_index.sql", "migration/0005_job_files_key.sql",
		"migration/0006_job_files_words.sql", "migration/0007_jobs_unfinished_index.sql", "migration/0008_job_files_offset.sql"}
	if !slices.Equal(names, want) {
		t.Errorf("recorded migrations %v, want %v", names, want)
	}
}

func TestLock(t *testing.T) {
	tests := []struct {
		name          string
		first, second Lock
		wantErr       string // "" when the second opens
	}{
		{"second server beside one alone is refused", LockExclusive, LockShared, "must be its only server"},
		{"server alone beside another is refused", LockShared, LockExclusive, "must be its only server"},
		{"two servers alone are refused", LockExclusive, LockExclusive, "another process is serving"},
		{"servers that share open together", LockShared, LockShared, ""},
		{"a command opens beside a server alone", LockExclusive, LockNone, ""},
		{"a server alone opens beside a command", LockNone, LockExclusive, ""},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ttsc.db")
			first, err := Open(ctx, Config{Path: path, Lock: tt.first})
			if err != nil {
				t.Fatal(err)
			}
			defer first.Close()
			second, err := Open(ctx, Config{Path: path, Lock: tt.second})
			if err == nil {
				second.Close()
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("second open: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("second open: %v; want an error saying %q", err, tt.wantErr)
			}
			// Closing the first releases its hold.
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			third, err := Open(ctx, Config{Path: path, Lock: LockExclusive})
			if err != nil {
				t.Fatalf("open after the others closed: %v", err)
			}
			third.Close()
		})
	}
}
