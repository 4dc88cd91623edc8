// Package retention deletes jobs past their retention: their audio,
// subtitle and timing files first, then their records. It runs as a
// periodic River job, so in a deployment of many workers one of them (the
// queue's leader) schedules it.
package retention

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/openttsc/ttsc"
)

// batch is how many jobs one round deletes before looking again.
const batch = 200

// Config configures a Worker. Jobs and Blobs are required.
type Config struct {
	Jobs  ttsc.JobStore
	Blobs ttsc.BlobStore
	// Keep is how long a job is kept after it was created. Required.
	Keep time.Duration
	// Now is the clock. Default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Worker is the River worker for ttsc.RetentionArgs.
type Worker struct {
	river.WorkerDefaults[ttsc.RetentionArgs]
	cfg Config
}

// New returns a Worker for cfg.
func New(cfg Config) (*Worker, error) {
	if cfg.Jobs == nil || cfg.Blobs == nil || cfg.Keep <= 0 {
		return nil, errors.New("retention: Config.Jobs, Blobs and a positive Keep are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{cfg: cfg}, nil
}

// deleteBlob deletes the blob key of job jobID unless another job's
// files are in it too: a preview answered from stored audio shares the
// files of an earlier one, and the last job to go takes them. It reports
// whether it deleted it.
func (w *Worker) deleteBlob(ctx context.Context, jobID, key string) (bool, error) {
	shared, err := w.cfg.Jobs.KeyShared(ctx, key, jobID)
	if err != nil || shared {
		return false, err
	}
	return true, w.cfg.Blobs.Delete(ctx, key)
}

// Work deletes every job created before the retention period, in
// batches. A blob is deleted before its record, so a crash midway leaves
// a record whose next sweep finishes the job, never an orphaned file.
func (w *Worker) Work(ctx context.Context, _ *river.Job[ttsc.RetentionArgs]) error {
	before := w.cfg.Now().Add(-w.cfg.Keep)
	deleted, freed := 0, int64(0)
	for {
		jobs, err := w.cfg.Jobs.ExpiredJobs(ctx, before, batch)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			// A preview's files on disk are parts of one blob:
			// deleted, or kept, with the first of them.
			deletedKey := make(map[string]bool, len(j.Files))
			for _, f := range j.Files {
				deleted, seen := deletedKey[f.Key]
				if !seen {
					var err error
					if deleted, err = w.deleteBlob(ctx, j.ID, f.Key); err != nil {
						return err
					}
					deletedKey[f.Key] = deleted
				}
				if deleted {
					freed += f.Size
				}
			}
			if err := w.cfg.Jobs.DeleteJob(ctx, j.ID); err != nil {
				return err
			}
			deleted++
		}
		if len(jobs) < batch {
			break
		}
	}
	if deleted > 0 {
		w.cfg.Logger.Info("retention: deleted expired jobs", "jobs", deleted, "bytes_freed", freed, "created_before", before.UTC().Format(time.RFC3339))
	}
	return nil
}
