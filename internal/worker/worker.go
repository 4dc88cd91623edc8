// Package worker does the synthesis work of queued jobs: it splits a job's
// text into segments, has an engine read each one, encodes the audio,
// stores it and records it on the job, segment by segment, so a client
// can play the first segment while later ones are still being made.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/text"
)

// Config configures a Worker. Jobs, Blobs, Engine and Voices are required.
type Config struct {
	Jobs   ttsc.JobStore
	Blobs  ttsc.BlobStore
	Engine ttsc.Engine
	// Voices resolves a voice asset ID.
	Voices func(id string) (ttsc.Voice, bool)
	// SegmentRunes is the longest segment, in code points, handed to the
	// engine at once. Default 300.
	SegmentRunes int
	// FailureCode maps an error to the MetaStudio code recorded on a
	// failed job. Default: "MSS.00000004" for everything.
	FailureCode func(error) string
	// Logger receives job logs. Default slog.Default().
	Logger *slog.Logger
}

// Worker is the River worker for ttsc.SynthesisArgs.
type Worker struct {
	river.WorkerDefaults[ttsc.SynthesisArgs]
	cfg Config
}

// New returns a Worker for cfg.
func New(cfg Config) (*Worker, error) {
	if cfg.Jobs == nil || cfg.Blobs == nil || cfg.Engine == nil || cfg.Voices == nil {
		return nil, errors.New("worker: Config.Jobs, Blobs, Engine and Voices are required")
	}
	if cfg.SegmentRunes == 0 {
		cfg.SegmentRunes = 300
	}
	if cfg.FailureCode == nil {
		cfg.FailureCode = func(error) string { return "MSS.00000004" }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{cfg: cfg}, nil
}

// NextRetry retries transient failures quickly: a client is polling.
func (w *Worker) NextRetry(job *river.Job[ttsc.SynthesisArgs]) time.Time {
	return time.Now().Add(time.Duration(job.Attempt*job.Attempt) * time.Second)
}

// Work synthesizes one job. Segments already recorded by an earlier
// attempt are skipped, so a retry after a crash neither repeats nor loses
// files. Failures that another attempt cannot fix end the job FAILED at
// once; others are returned for River to retry, and the last attempt ends
// the job FAILED.
func (w *Worker) Work(ctx context.Context, rj *river.Job[ttsc.SynthesisArgs]) error {
	args := rj.Args
	log := w.cfg.Logger.With("job_id", args.JobID, "project_id", args.ProjectID, "attempt", rj.Attempt)
	j, err := w.cfg.Jobs.Job(ctx, args.ProjectID, args.JobID)
	if err != nil {
		if ttsc.ErrorCode(err) == ttsc.ENOTFOUND {
			// Deleted (retention) before it ran: nothing to do.
			return river.JobCancel(err)
		}
		return err
	}
	if j.State.Ended() {
		return nil
	}
	start := time.Now()
	err = w.synthesize(ctx, j)
	switch {
	case err == nil:
		if err := w.cfg.Jobs.EndJob(ctx, j.ID, ttsc.JobSucceeded, "0", ""); err != nil {
			return err
		}
		log.Info("job succeeded", "segments", j.Segments, "elapsed_ms", time.Since(start).Milliseconds())
		return nil
	case ctx.Err() != nil:
		// Shutting down or timed out: River runs the job again and the
		// segments done so far are kept.
		return err
	case permanent(err) || rj.Attempt >= rj.MaxAttempts:
		log.Warn("job failed", "err", err)
		if endErr := w.cfg.Jobs.EndJob(context.WithoutCancel(ctx), j.ID, ttsc.JobFailed, w.cfg.FailureCode(err), ttsc.ErrorMessage(err)); endErr != nil {
			return endErr
		}
		return nil
	}
	log.Warn("job attempt failed; will retry", "err", err)
	return err
}

// permanent reports whether another attempt would fail the same way.
func permanent(err error) bool {
	switch ttsc.ErrorCode(err) {
	case ttsc.EINVALID, ttsc.ENOVOICE, ttsc.ESYNTHESIS, ttsc.EUNAVAILABLE:
		return true
	}
	return false
}

func (w *Worker) synthesize(ctx context.Context, j *ttsc.Job) error {
	voice, ok := w.cfg.Voices(j.VoiceID)
	if !ok {
		return ttsc.Errorf(ttsc.ENOVOICE, "voice asset %s no longer exists", j.VoiceID)
	}
	segs := text.Split(j.SynthesisText(), w.cfg.SegmentRunes)
	if len(segs) == 0 {
		return ttsc.Errorf(ttsc.EINVALID, "the text has nothing to read")
	}
	j2, err := w.cfg.Jobs.StartJob(ctx, j.ID, len(segs))
	if err != nil {
		return err
	}
	*j = *j2
	done := make(map[int]bool, len(j.Files))
	for _, f := range j.Files {
		if f.Kind == ttsc.FileAudio {
			done[f.Index] = true
		}
	}
	for i, seg := range segs {
		if done[i] {
			continue
		}
		t0 := time.Now()
		sp, err := w.cfg.Engine.Synthesize(ctx, ttsc.SynthesisRequest{
			Engine: voice.Engine,
			Voice:  voice.EngineVoice,
			Text:   seg.Text,
			Speed:  j.Prosody.Speed,
			Pitch:  j.Prosody.Pitch,
		})
		if err != nil {
			return &ttsc.Error{
				Code:    ttsc.ErrorCode(err),
				Message: fmt.Sprintf("segment %d of %d: %s", i+1, len(segs), ttsc.ErrorMessage(err)),
				Err:     err,
			}
		}
		t1 := time.Now()
		if err := w.store(ctx, j, i, sp); err != nil {
			return err
		}
		w.cfg.Logger.Debug("segment stored", "job_id", j.ID, "segment", i,
			"engine_ms", t1.Sub(t0).Milliseconds(), "store_ms", time.Since(t1).Milliseconds())
	}
	return nil
}

// store encodes one segment's speech and records it on the job. The blob
// key is fixed by job and index, so a retry overwrites rather than adds.
func (w *Worker) store(ctx context.Context, j *ttsc.Job, index int, sp *ttsc.Speech) error {
	samples := sp.Samples
	audio.ApplyVolume(samples, j.Prosody.Volume)
	if j.Prosody.Channels == 2 {
		samples = audio.Stereo(samples)
	}
	data := audio.EncodeWAV(samples, sp.SampleRate, j.Prosody.Channels)
	key := fmt.Sprintf("%s/%s/audio-%04d.wav", j.ProjectID, j.ID, index)
	if err := w.cfg.Blobs.Put(ctx, key, data, "audio/wav"); err != nil {
		return err
	}
	return w.cfg.Jobs.AddFile(ctx, j.ID, ttsc.File{
		Kind:        ttsc.FileAudio,
		Index:       index,
		Key:         key,
		ContentType: "audio/wav",
		Size:        int64(len(data)),
		DurationMs:  int64(len(sp.Samples)) * 1000 / int64(sp.SampleRate),
	})
}
