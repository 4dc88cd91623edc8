package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
)

// stopCancelTimeout bounds how long a hard stop waits for cancelled jobs
// to return.
const stopCancelTimeout = 10 * time.Second

// QueueConfig is the queue's part of a store's configuration.
type QueueConfig struct {
	// Workers holds the queue's workers. Nil: this process only inserts
	// jobs (API processes, the CLI). Workers may be added until Start.
	Workers *river.Workers
	// MaxWorkers is how many jobs run at once when processing; 0 inserts
	// only.
	MaxWorkers int
	// Periodic are jobs the queue schedules itself (the retention and
	// orphan sweeps); with several processes, only the queue's leader
	// does.
	Periodic []*river.PeriodicJob
	// JobTimeout bounds one attempt of a job. Default 5 minutes.
	JobTimeout time.Duration
	// RescueAfter is when a job left running by a dead process is handed
	// out again. Default JobTimeout plus one minute.
	RescueAfter time.Duration
	// Now returns the current time. Default time.Now.
	Now func() time.Time
	// Logger receives River's logs. Default slog.Default().
	Logger *slog.Logger
}

// WithDefaults returns c with its defaults filled in.
func (c QueueConfig) WithDefaults() QueueConfig {
	if c.JobTimeout == 0 {
		c.JobTimeout = 5 * time.Minute
	}
	if c.RescueAfter == 0 {
		c.RescueAfter = c.JobTimeout + time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Working reports whether the process works jobs.
func (c QueueConfig) Working() bool { return c.Workers != nil && c.MaxWorkers > 0 }

// River returns River's configuration: jobs are tried three times, and
// fetchCooldown and fetchPoll bound how soon a worker sees a new job when
// no notification wakes it.
func (c QueueConfig) River(fetchCooldown, fetchPoll time.Duration) *river.Config {
	rc := &river.Config{
		Logger:               c.Logger,
		JobTimeout:           c.JobTimeout,
		RescueStuckJobsAfter: c.RescueAfter,
		MaxAttempts:          3,
		FetchCooldown:        fetchCooldown,
		FetchPollInterval:    fetchPoll,
	}
	if c.Workers != nil {
		rc.Workers = c.Workers
		rc.PeriodicJobs = c.Periodic
		if c.MaxWorkers > 0 {
			rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: c.MaxWorkers}}
		}
	}
	return rc
}

// Queue runs a River client's workers: started once, stopped with a grace
// period, and stopped hard on Close.
type Queue struct {
	client  *river.Client[*sql.Tx]
	working bool // the client has workers

	mu      sync.Mutex
	started bool
}

// NewQueue returns the lifecycle of client; working says whether it has
// workers to run (an insert-only client is never started).
func NewQueue(client *river.Client[*sql.Tx], working bool) *Queue {
	return &Queue{client: client, working: working}
}

// Start starts working queued jobs. The queue keeps running when ctx
// ends: only Stop ends it, so that a cancelled server context cannot cut
// short the grace period Stop gives running jobs.
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		return nil
	}
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	q.started = true
	return nil
}

// Stop stops taking jobs and waits for running ones until ctx is done.
// Then it cancels them and waits up to 10 s for them to return; River
// makes them available again without counting the interrupted attempt,
// so the next process to start runs them.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	started := q.started
	q.started = false
	q.mu.Unlock()
	if !started {
		return nil
	}
	err := q.client.Stop(ctx)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return err
	}
	cctx, cancel := context.WithTimeout(context.Background(), stopCancelTimeout)
	defer cancel()
	return q.client.StopAndCancel(cctx)
}

// Halt stops without grace: running jobs are cancelled, and River runs
// them again later.
func (q *Queue) Halt() error {
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	return q.Stop(ctx)
}
