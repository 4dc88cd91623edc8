// Package callback delivers job-end notifications: when an async job that
// named a callback_url ends, a River job of kind "ttsc.callback" (enqueued
// by the store in the transaction that ends the job) POSTs the job's
// outcome there, signed, and retries with backoff until the receiver
// answers 2xx or the attempts run out.
package callback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
)

// Config configures a Worker. Jobs, DownloadURL, Key and Client are
// required.
type Config struct {
	Jobs ttsc.JobStore
	// DownloadURL returns a download URL for a job's file, as the API hands
	// out.
	DownloadURL func(ctx context.Context, f ttsc.File) (string, error)
	// Key returns the callback signing key of a project.
	Key func(projectID string) string
	// Client sends the requests; it decides which hosts may be reached
	// and bounds each request's time (see package netguard).
	Client *http.Client
	// MaxAttempts is how often a delivery is tried. Default 10.
	MaxAttempts int
	// RetryBase is the wait after the first failure; it doubles with each
	// further failure up to an hour. Default 10s, so ten attempts span
	// about 1.5 hours.
	RetryBase time.Duration
	// Now is the clock of signatures. Default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Worker is the River worker for ttsc.CallbackArgs.
type Worker struct {
	river.WorkerDefaults[ttsc.CallbackArgs]
	cfg Config
}

// New returns a Worker for cfg.
func New(cfg Config) (*Worker, error) {
	if cfg.Jobs == nil || cfg.DownloadURL == nil || cfg.Key == nil || cfg.Client == nil {
		return nil, errors.New("callback: Config.Jobs, DownloadURL, Key and Client are required")
	}
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{cfg: cfg}, nil
}

// NextRetry doubles the wait after each failed attempt, up to an hour.
func (w *Worker) NextRetry(j *river.Job[ttsc.CallbackArgs]) time.Time {
	d := w.cfg.RetryBase << min(max(j.Attempt-1, 0), 20)
	return time.Now().Add(min(d, time.Hour))
}

// Timeout bounds one attempt a little beyond the client's own timeout, so
// a receiver that never answers cannot hold a worker.
func (w *Worker) Timeout(*river.Job[ttsc.CallbackArgs]) time.Duration {
	if w.cfg.Client.Timeout > 0 {
		return w.cfg.Client.Timeout + 5*time.Second
	}
	return time.Minute
}

// Payload is the JSON body of a callback.
type Payload struct {
	JobID     string `json:"job_id"`
	ProjectID string `json:"project_id"`
	// Status is FINISHED when the job succeeded and ERROR when it failed,
	// as MetaStudio sends; State, Code and Message are those of
	// ShowAsyncTtsJob.
	Status  string `json:"status"`
	State   string `json:"state"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// The download URLs are valid for the server's URL expiry (1 hour by
	// default) from the attempt that carries them.
	AudioFileDownloadURL     string `json:"audio_file_download_url,omitempty"`
	SubtitleFileDownloadURL  string `json:"subtitle_file_download_url,omitempty"`
	AudioInfoFileDownloadURL string `json:"audio_info_file_download_url,omitempty"`
	// AudioDuration is the audio's length in seconds.
	AudioDuration float64 `json:"audio_duration"`
	// EndedAt is when the job ended, RFC 3339.
	EndedAt string `json:"ended_at"`
}

// Work delivers one callback attempt.
func (w *Worker) Work(ctx context.Context, rj *river.Job[ttsc.CallbackArgs]) error {
	log := w.cfg.Logger.With("job_id", rj.Args.JobID, "project_id", rj.Args.ProjectID, "attempt", rj.Attempt)
	j, err := w.cfg.Jobs.Job(ctx, rj.Args.ProjectID, rj.Args.JobID)
	if ttsc.ErrorCode(err) == ttsc.ENOTFOUND {
		return river.JobCancel(err) // deleted since: nothing to report
	}
	if err != nil {
		return err
	}
	var opts ttsc.JobOptions
	if err := json.Unmarshal(j.Options, &opts); err != nil || opts.CallbackURL == "" {
		return river.JobCancel(fmt.Errorf("job %s has no callback URL", j.ID))
	}
	body, err := w.payload(ctx, j)
	if err != nil {
		return err
	}
	err = w.post(ctx, opts.CallbackURL, j, body)
	if err == nil {
		log.Info("callback delivered")
		return nil
	}
	if rj.Attempt >= w.cfg.MaxAttempts {
		log.Warn("callback abandoned", "err", err)
		return river.JobCancel(err)
	}
	log.Warn("callback failed; will retry", "err", err)
	return err
}

func (w *Worker) payload(ctx context.Context, j *ttsc.Job) ([]byte, error) {
	p := Payload{
		JobID: j.ID, ProjectID: j.ProjectID, Status: "FINISHED", State: string(j.State),
		Code: "0", Message: j.Message, EndedAt: j.EndedAt.UTC().Format(time.RFC3339),
	}
	if j.State == ttsc.JobFailed {
		p.Status, p.Code = "ERROR", j.Code
	}
	for _, f := range j.Files {
		u, err := w.cfg.DownloadURL(ctx, f)
		if err != nil {
			return nil, err
		}
		switch {
		case f.Kind == ttsc.FileAudio && f.Index == 0:
			p.AudioFileDownloadURL = u
			p.AudioDuration = float64(f.DurationMs) / 1000
		case f.Kind == ttsc.FileSRT:
			p.SubtitleFileDownloadURL = u
		case f.Kind == ttsc.FileInfo:
			p.AudioInfoFileDownloadURL = u
		}
	}
	return json.Marshal(p)
}

func (w *Worker) post(ctx context.Context, url string, j *ttsc.Job, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return river.JobCancel(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ttsc-callback/1")
	req.Header.Set("X-Ttsc-Job-Id", j.ID)
	req.Header.Set(auth.CallbackSignatureHeader, auth.SignCallback(w.cfg.Key(j.ProjectID), w.cfg.Now(), body))
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("callback receiver answered %s", resp.Status)
	}
	return nil
}
