package worker

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/speech"
	"github.com/openttsc/ttsc/internal/voices"
)

// unreachableBlobs fails every write the way s3blob does while the object
// store is down: EUNAVAILABLE with a message naming the file.
type unreachableBlobs struct{ ttsc.BlobStore }

func (unreachableBlobs) Put(_ context.Context, key string, _ []byte, _ string) error {
	return ttsc.Errorf(ttsc.EUNAVAILABLE, "file storage cannot store %s", key)
}

// stallingEngine reads nothing until its context ends, like an engine
// host stuck on a text.
type stallingEngine struct{}

func (stallingEngine) Synthesize(ctx context.Context, _ ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestFaultStorageDownIsRetried(t *testing.T) {
	for _, test := range []struct {
		name      string
		attempt   int
		wantErr   bool
		wantState ttsc.JobState
		mention   string
	}{
		// Before, EUNAVAILABLE counted as permanent: an object store
		// restarting for a second failed every job writing meanwhile.
		{"ErrFirstAttemptRetried", 1, true, ttsc.JobProcessing, ""},
		{"ErrSecondAttemptRetried", 2, true, ttsc.JobProcessing, ""},
		{"ErrLastAttemptFailsNamingStorage", 3, false, ttsc.JobFailed,
			"the file storage could not store audio-0000.wav: file storage cannot store proj/job1/audio-0000.wav (gave up after 3 attempts)"},
	} {
		t.Run(test.name, func(t *testing.T) {
			b := setup(t)
			j := b.job(t, threeSentences, ttsc.DefaultProsody(), englishVoice(t))
			err := b.worker(t, unreachableBlobs{b.blobs}).Work(context.Background(), riverJob(j, test.attempt))
			if (err != nil) != test.wantErr {
				t.Fatalf("Work = %v, want an error for River to retry: %v", err, test.wantErr)
			}
			got, _ := b.db.Job(context.Background(), "proj", "job1")
			if got.State != test.wantState || !strings.Contains(got.Message, test.mention) {
				t.Errorf("job %s message %q; want %s mentioning %q", got.State, got.Message, test.wantState, test.mention)
			}
			if test.wantState == ttsc.JobFailed && got.Code != "CODE-"+ttsc.EUNAVAILABLE {
				t.Errorf("code %q, want CODE-%s", got.Code, ttsc.EUNAVAILABLE)
			}
			if len(got.Files) != 0 {
				t.Errorf("job records files %+v that were never stored", got.Files)
			}
		})
	}
}

func TestFaultJobTimeout(t *testing.T) {
	for _, test := range []struct {
		name      string
		attempt   int
		wantErr   bool
		wantState ttsc.JobState
		mention   string
	}{
		{"ErrEarlyAttemptRetried", 1, true, ttsc.JobProcessing, ""},
		// Before, the last attempt returned the deadline error too:
		// River discarded the job, which stayed PROCESSING for ever.
		{"ErrLastAttemptFailsTheJob", 3, false, ttsc.JobFailed, "did not finish within the time limit of an attempt"},
	} {
		t.Run(test.name, func(t *testing.T) {
			b := setup(t)
			j := b.job(t, threeSentences, ttsc.DefaultProsody(), englishVoice(t))
			w, err := New(Config{Jobs: b.db, Blobs: b.blobs, Engine: stallingEngine{}, Voices: voices.Lookup,
				Limits: speech.Limits{PackRunes: 1}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			err = w.Work(ctx, riverJob(j, test.attempt))
			if (err != nil) != test.wantErr {
				t.Fatalf("Work = %v, want an error for River to retry: %v", err, test.wantErr)
			}
			got, _ := b.db.Job(context.Background(), "proj", "job1")
			if got.State != test.wantState || !strings.Contains(got.Message, test.mention) {
				t.Errorf("job %s message %q; want %s mentioning %q", got.State, got.Message, test.wantState, test.mention)
			}
		})
	}
}

func TestFaultShutdownOnLastAttemptIsRetried(t *testing.T) {
	// A shutdown cancels the attempt; River hands the job out again, so
	// even the last attempt must not end it.
	b := setup(t)
	j := b.job(t, threeSentences, ttsc.DefaultProsody(), englishVoice(t))
	w, err := New(Config{Jobs: b.db, Blobs: b.blobs, Engine: stallingEngine{}, Voices: voices.Lookup,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if err := w.Work(ctx, riverJob(j, 3)); err == nil {
		t.Fatal("Work returned nil on shutdown")
	}
	got, _ := b.db.Job(context.Background(), "proj", "job1")
	if got.State.Ended() {
		t.Errorf("a shutdown ended the job %s: %s", got.State, got.Message)
	}
}
