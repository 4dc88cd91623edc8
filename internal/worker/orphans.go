package worker

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/openttsc/ttsc"
)

// OrphanMessage is the message of a job the orphan sweep ends FAILED.
const OrphanMessage = "the job's processing stopped and will not resume: " +
	"the process running its last attempt ended unexpectedly, or its queued work was cancelled or removed"

// StreamOrphanMessage is the message of a streamed job the orphan sweep
// ends FAILED.
const StreamOrphanMessage = "the stream stopped and will not resume: " +
	"the process serving its connection ended before the stream finished"

// StreamMargin is how long past its stream timeout an unfinished
// streamed job must be before the sweep ends it: a stream that timed out
// still records its end (a database write of up to 15 seconds), and the
// clock of the process that created the job may differ a little from the
// sweeping one's.
const StreamMargin = time.Minute

// orphanBatch is how many jobs one round of the sweep ends before
// looking again.
const orphanBatch = 100

// OrphansConfig configures an Orphans worker. Jobs is required.
type OrphansConfig struct {
	Jobs ttsc.JobStore
	// FailureCode maps an error to the MetaStudio code recorded on a
	// failed job, as Config.FailureCode does. Default: "MSS.00000004".
	FailureCode func(error) string
	// StreamTimeout is the longest a streamed job lives on a live
	// connection (the API's httpapi.Config.StreamTimeout); the sweep
	// ends the streamed jobs unfinished StreamTimeout plus StreamMargin
	// after their creation. Default 5 minutes, the API's default.
	StreamTimeout time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Logger receives a warning for each job ended. Default
	// slog.Default().
	Logger *slog.Logger
}

// Orphans is the River worker for ttsc.OrphanArgs: the sweep that ends
// FAILED the jobs nothing will run again. Work ends a job FAILED itself
// when its last attempt fails; but when the process running that attempt
// dies, River's rescuer later discards the queue job without running any
// of ttsc's code, and the job would wait or run for ever. The same holds
// for a queue job an operator cancels or deletes, and for a streamed job,
// which has no queue job: it lives only in the process serving its
// connection.
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
	if cfg.StreamTimeout <= 0 {
		cfg.StreamTimeout = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Orphans{cfg: cfg}, nil
}

// Work ends FAILED, in batches, every job whose queued work will not
// run again, with OrphanMessage, and every streamed job older than
// StreamTimeout plus StreamMargin, with StreamOrphanMessage; both get
// the code a synthesis failure gets.
func (o *Orphans) Work(ctx context.Context, _ *river.Job[ttsc.OrphanArgs]) error {
	code := o.cfg.FailureCode(&ttsc.Error{Code: ttsc.ESYNTHESIS, Message: OrphanMessage})
	err := o.batches("job failed: its queued work will not run again", code, func(limit int) ([]string, error) {
		return o.cfg.Jobs.FailOrphans(ctx, code, OrphanMessage, limit)
	})
	return errors.Join(err, o.FailStreams(ctx, o.cfg.Now().Add(-o.cfg.StreamTimeout-StreamMargin)))
}

// FailStreams ends FAILED, in batches, the streamed jobs created before
// before that are still unfinished, with the code a synthesis failure
// gets and StreamOrphanMessage. The caller knows that no live stream is
// that old: Work passes StreamTimeout plus StreamMargin ago, and a
// process that serves every stream of its database may pass the time
// it started.
func (o *Orphans) FailStreams(ctx context.Context, before time.Time) error {
	code := o.cfg.FailureCode(&ttsc.Error{Code: ttsc.ESYNTHESIS, Message: StreamOrphanMessage})
	return o.batches("streamed job failed: the process serving its connection ended", code, func(limit int) ([]string, error) {
		return o.cfg.Jobs.FailStaleStreams(ctx, before, code, StreamOrphanMessage, limit)
	})
}

// batches calls fail with orphanBatch until it ends fewer jobs or fails,
// and logs each job it ended, with msg and code.
func (o *Orphans) batches(msg, code string, fail func(limit int) ([]string, error)) error {
	for {
		ids, err := fail(orphanBatch)
		for _, id := range ids {
			o.cfg.Logger.Warn(msg, "job_id", id, "code", code)
		}
		if err != nil || len(ids) < orphanBatch {
			return err
		}
	}
}
