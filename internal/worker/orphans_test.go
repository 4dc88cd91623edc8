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
	ctx := context.Background()
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
			db, err := sqlitestore.Open(ctx, sqlitestore.Config{Path: filepath.Join(t.TempDir(), "ttsc.db")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			j := &ttsc.Job{ID: "job1", ProjectID: "proj", Type: ttsc.JobAsync, VoiceID: "v", Text: "Hello.",
				Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}
			if err := db.CreateJob(ctx, j); err != nil {
				t.Fatal(err)
			}
			if _, err := db.StartJob(ctx, j.ID, 1); err != nil {
				t.Fatal(err)
			}
			if test.queue != nil {
				test.queue(t, db)
			}
			o, err := NewOrphans(OrphansConfig{
				Jobs:        db,
				FailureCode: func(err error) string { return "CODE-" + ttsc.ErrorCode(err) },
				Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
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
			if got.State != test.wantState {
				t.Fatalf("job is %s, want %s", got.State, test.wantState)
			}
			if test.wantState == ttsc.JobFailed && (got.Code != "CODE-"+ttsc.ESYNTHESIS || got.Message != OrphanMessage) {
				t.Errorf("job code %q message %q; want CODE-%s %q", got.Code, got.Message, ttsc.ESYNTHESIS, OrphanMessage)
			}
			if test.wantState != ttsc.JobFailed && (got.Code != "" || got.Message != "") {
				t.Errorf("a job left alone got code %q message %q", got.Code, got.Message)
			}
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
			db, err := sqlitestore.Open(ctx, sqlitestore.Config{Path: filepath.Join(t.TempDir(), "ttsc.db")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			j := &ttsc.Job{ID: "job1", ProjectID: "proj", Type: ttsc.JobWebSocket, VoiceID: "v", Text: "Hello.",
				Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatPCM}
			if err := db.CreateJob(ctx, j); err != nil {
				t.Fatal(err)
			}
			if _, err := db.StartJob(ctx, j.ID, 1); err != nil {
				t.Fatal(err)
			}
			o, err := NewOrphans(OrphansConfig{
				Jobs:          db,
				FailureCode:   func(err error) string { return "CODE-" + ttsc.ErrorCode(err) },
				StreamTimeout: timeout,
				Now:           func() time.Time { return j.CreatedAt.Add(test.age) },
				Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
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
			if got.State != test.wantState {
				t.Fatalf("job is %s, want %s", got.State, test.wantState)
			}
			if test.wantState == ttsc.JobFailed && (got.Code != "CODE-"+ttsc.ESYNTHESIS || got.Message != StreamOrphanMessage) {
				t.Errorf("job code %q message %q; want CODE-%s %q", got.Code, got.Message, ttsc.ESYNTHESIS, StreamOrphanMessage)
			}
		})
	}
}
