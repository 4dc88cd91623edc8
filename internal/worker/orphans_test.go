package worker

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/store/sqlitestore"
	"github.com/openttsc/ttsc/internal/store/storetest"
)

func TestOrphans(t *testing.T) {
	for _, test := range []struct {
		name string
		// queue leaves the job's queue job as a crash or an operator
		// would; nil leaves it waiting.
		queue     func(t *testing.T, db *sqlitestore.DB)
		wantState ttsc.JobState
	}{
		{"OKDiscardedQueueJobEndsJobFailed", func(t *testing.T, db *sqlitestore.DB) {
			storetest.SetQueueState(t, db.River(), "job1", rivertype.JobStateDiscarded)
		}, ttsc.JobFailed},
		{"OKCancelledQueueJobEndsJobFailed", func(t *testing.T, db *sqlitestore.DB) {
			storetest.SetQueueState(t, db.River(), "job1", rivertype.JobStateCancelled)
		}, ttsc.JobFailed},
		{"OKDeletedQueueJobEndsJobFailed", func(t *testing.T, db *sqlitestore.DB) {
			storetest.DeleteQueueJob(t, db.River(), "job1")
		}, ttsc.JobFailed},
		{"OKLiveQueueJobLeftAlone", nil, ttsc.JobProcessing},
		{"OKRetryableQueueJobLeftAlone", func(t *testing.T, db *sqlitestore.DB) {
			storetest.SetQueueState(t, db.River(), "job1", rivertype.JobStateRetryable)
		}, ttsc.JobProcessing},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := sweepOne(t, ttsc.JobAsync, ttsc.FormatWAV, test.queue, OrphansConfig{})
			checkSwept(t, got, test.wantState, OrphanMessage)
		})
	}
}

func TestOrphansStreams(t *testing.T) {
	ctx := context.Background()
	const timeout = time.Minute
	for _, test := range []struct {
		name string
		// age is how long before the sweep the job was created.
		age       time.Duration
		wantState ttsc.JobState
	}{
		{"OKStreamPastItsTimeoutAndMarginEndsFailed", timeout + StreamMargin + time.Millisecond, ttsc.JobFailed},
		{"OKStreamAsOldAsItsTimeoutAndMarginLeftAlone", timeout + StreamMargin, ttsc.JobProcessing},
		{"OKNewStreamLeftAlone", 0, ttsc.JobProcessing},
	} {
		t.Run(test.name, func(t *testing.T) {
			var created time.Time
			got := sweepOne(t, ttsc.JobWebSocket, ttsc.FormatPCM, func(_ *testing.T, db *sqlitestore.DB) {
				j, _ := db.Job(ctx, "proj", "job1")
				created = j.CreatedAt
			}, OrphansConfig{StreamTimeout: timeout, Now: func() time.Time { return created.Add(test.age) }})
			checkSwept(t, got, test.wantState, StreamOrphanMessage)
		})
	}
}

// sweepOne creates a running job of typ on a new SQLite store, has
// queue (when not nil) change its queue job, runs an orphan sweep
// configured by cfg on the store, and returns the job as it then is.
func sweepOne(t *testing.T, typ ttsc.JobType, format ttsc.AudioFormat, queue func(*testing.T, *sqlitestore.DB), cfg OrphansConfig) *ttsc.Job {
	t.Helper()
	ctx := context.Background()
	db, err := sqlitestore.Open(ctx, sqlitestore.Config{Path: filepath.Join(t.TempDir(), "ttsc.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	j := &ttsc.Job{ID: "job1", ProjectID: "proj", Type: typ, VoiceID: "v", Text: "Hello.",
		Prosody: ttsc.DefaultProsody(), Format: format}
	if err := db.CreateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	if _, err := db.StartJob(ctx, j.ID, 1); err != nil {
		t.Fatal(err)
	}
	if queue != nil {
		queue(t, db)
	}
	cfg.Jobs = db
	cfg.FailureCode = func(err error) string { return "CODE-" + ttsc.ErrorCode(err) }
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	o, err := NewOrphans(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Work(ctx, nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.Job(ctx, "proj", "job1")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// checkSwept checks that a job swept by sweepOne is in state want, and
// when FAILED, has the failure code of ESYNTHESIS and message; a job left
// alone has neither.
func checkSwept(t *testing.T, got *ttsc.Job, want ttsc.JobState, message string) {
	t.Helper()
	if got.State != want {
		t.Fatalf("job is %s, want %s", got.State, want)
	}
	if want == ttsc.JobFailed && (got.Code != "CODE-"+ttsc.ESYNTHESIS || got.Message != message) {
		t.Errorf("job code %q message %q; want CODE-%s %q", got.Code, got.Message, ttsc.ESYNTHESIS, message)
	}
	if want != ttsc.JobFailed && (got.Code != "" || got.Message != "") {
		t.Errorf("a job left alone got code %q message %q", got.Code, got.Message)
	}
}
