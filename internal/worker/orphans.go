package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/openttsc/ttsc"
)

// OrphanMessage is the message of a job the orphan sweep ends FAILED.
const OrphanMessage = "the job's processing stopped and will not resume: " +
	"the process running its last attempt ended unexpectedly, or its queued work was cancelled or removed"

// orphanBatch is how many jobs one round of the sweep ends before
// looking again.
const orphanBatch = 100

// OrphansConfig configures an Orphans worker. Jobs is required.
type OrphansConfig struct {
	Jobs ttsc.JobStore
	// FailureCode maps an error to the MetaStudio code recorded on a
	// failed job, as Config.FailureCode does. Default: "MSS.00000004".
	FailureCode func(error) string
	// Logger receives a warning for each job ended. Default
	// slog.Default().
	Logger *slog.Logger
}

// Orphans is the River worker for ttsc.OrphanArgs: the sweep that ends
// FAILED the jobs no queued work will run again. Work ends a job FAILED
// itself when its last attempt fails; but when the process running that
// attempt dies, River's rescuer later discards the queue job without
// running any of ttsc's code, and the job would wait or run for ever.
// The same holds for a queue job an operator cancels or deletes.
type Orphans struct {
	river.WorkerDefaults[ttsc.OrphanArgs]
	cfg OrphansConfig
}

// NewOrphans returns an Orphans worker for cfg.
func NewOrphans(cfg OrphansConfig) (*Orphans, error) {
	if cfg.Jobs == nil {
		return nil, errors.New("worker: OrphansConfig.Jobs is required")
	}
	if cfg.FailureCode == nil {
		cfg.FailureCode = defaultFailureCode
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Orphans{cfg: cfg}, nil
}

// OrphansPeriodic returns the periodic job that runs the sweep every
// interval and once when the queue starts. With several processes, only
// the queue's leader schedules it.
func OrphansPeriodic(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			// One sweep at a time: a sweep still queued makes another
			// pointless.
			return ttsc.OrphanArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
				rivertype.JobStateRetryable, rivertype.JobStateScheduled,
			}}}
		},
		&river.PeriodicJobOpts{RunOnStart: true})
}

// Work ends every orphaned job FAILED, in batches, with the code a
// synthesis failure gets and OrphanMessage.
func (o *Orphans) Work(ctx context.Context, _ *river.Job[ttsc.OrphanArgs]) error {
	code := o.cfg.FailureCode(&ttsc.Error{Code: ttsc.ESYNTHESIS, Message: OrphanMessage})
	for {
		ids, err := o.cfg.Jobs.FailOrphans(ctx, code, OrphanMessage, orphanBatch)
		for _, id := range ids {
			o.cfg.Logger.Warn("job failed: its queued work will not run again", "job_id", id, "code", code)
		}
		if err != nil || len(ids) < orphanBatch {
			return err
		}
	}
}
