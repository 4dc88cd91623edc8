// Package worker does the synthesis work of queued jobs: it splits a job's
// text into segments, has an engine read each one, encodes the audio,
// stores it and records it on the job, segment by segment, so a client
// can play the first segment while later ones are still being made.
package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"syscall"
	"time"

	"github.com/riverqueue/river"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/audio/mp3"
	"github.com/openttsc/ttsc/internal/metrics"
	"github.com/openttsc/ttsc/internal/netguard"
	"github.com/openttsc/ttsc/internal/reuse"
	"github.com/openttsc/ttsc/internal/speech"
	"github.com/openttsc/ttsc/internal/text"
)

// Config configures a Worker. Jobs, Blobs, Engine and Voices are required.
type Config struct {
	Jobs   ttsc.JobStore
	Blobs  ttsc.BlobStore
	Engine ttsc.Engine
	// Voices resolves a voice asset ID.
	Voices func(id string) (ttsc.Voice, bool)
	// Vocabulary holds the projects' pronunciation entries; nil applies
	// none.
	Vocabulary speech.Vocabulary
	// Limits override the segment limits of package speech (tests).
	Limits speech.Limits
	// FailureCode maps an error to the MetaStudio code recorded on a
	// failed job. Default: "MSS.00000004" for everything.
	FailureCode func(error) string
	// Uploads sends finished files to the external URLs a job names; it
	// must refuse hosts the operator has not allowed (package netguard).
	// Nil fails such jobs.
	Uploads *http.Client
	// Reuse learns where each preview segment's audio is stored, so the
	// API can answer an identical preview with the same files; nil
	// learns nothing.
	Reuse *reuse.Index
	// Metrics records job and engine timings; nil records nothing.
	Metrics *metrics.Metrics
	// Logger receives job logs. Default slog.Default().
	Logger *slog.Logger
}

// Worker is the River worker for ttsc.SynthesisArgs.
type Worker struct {
	river.WorkerDefaults[ttsc.SynthesisArgs]
	cfg    Config
	reader speech.Reader
}

// New returns a Worker for cfg.
func New(cfg Config) (*Worker, error) {
	if cfg.Jobs == nil || cfg.Blobs == nil || cfg.Engine == nil || cfg.Voices == nil {
		return nil, errors.New("worker: Config.Jobs, Blobs, Engine and Voices are required")
	}
	if cfg.FailureCode == nil {
		cfg.FailureCode = defaultFailureCode
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{cfg: cfg, reader: speech.Reader{Engine: cfg.Engine, Metrics: cfg.Metrics}}, nil
}

// defaultFailureCode is the MetaStudio code of every failure when no
// FailureCode is configured.
func defaultFailureCode(error) string { return "MSS.00000004" }

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
	lastAttempt := rj.Attempt >= rj.MaxAttempts
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && lastAttempt {
		// The job timeout ended the last attempt: River would discard
		// the job and leave it PROCESSING for ever.
		err = &ttsc.Error{Code: ttsc.ESYNTHESIS, Err: err, Message: fmt.Sprintf(
			"the job did not finish within the time limit of an attempt (%s), in %d attempts", attemptLimit(ctx, start), rj.Attempt)}
	}
	switch {
	case err == nil:
		if err := w.cfg.Jobs.EndJob(ctx, j.ID, ttsc.JobSucceeded, "0", ""); err != nil {
			return err
		}
		w.cfg.Metrics.JobEnded(string(j.Type), string(ttsc.JobSucceeded), time.Since(j.CreatedAt))
		log.Info("job succeeded", "segments", j.Segments, "elapsed_ms", time.Since(start).Milliseconds())
		return nil
	case ctx.Err() != nil && !lastAttempt, errors.Is(ctx.Err(), context.Canceled):
		// Shutting down or timed out: River runs the job again and the
		// segments done so far are kept.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			log.Warn("job attempt failed; will retry", "err", err, "limit", attemptLimit(ctx, start).String())
		}
		return err
	case permanent(err) || lastAttempt:
		log.Warn("job failed", "err", err)
		if silErr := w.silence(context.WithoutCancel(ctx), j); silErr != nil {
			log.Warn("storing the silence of a failed job failed", "err", silErr)
		}
		msg := ttsc.ErrorMessage(err)
		if !permanent(err) && rj.Attempt > 1 {
			msg = fmt.Sprintf("%s (gave up after %d attempts)", msg, rj.Attempt)
		}
		if endErr := w.cfg.Jobs.EndJob(context.WithoutCancel(ctx), j.ID, ttsc.JobFailed, w.cfg.FailureCode(err), msg); endErr != nil {
			return endErr
		}
		w.cfg.Metrics.JobEnded(string(j.Type), string(ttsc.JobFailed), time.Since(j.CreatedAt))
		return nil
	}
	log.Warn("job attempt failed; will retry", "err", err)
	return err
}

// silence stores the silent audio a failed job asked for with
// silence_flag, so clients that always play a file get one; the job still
// ends FAILED with its reason.
func (w *Worker) silence(ctx context.Context, j *ttsc.Job) error {
	var opts ttsc.JobOptions
	if len(j.Options) > 0 {
		if err := json.Unmarshal(j.Options, &opts); err != nil {
			return err
		}
	}
	if opts.SilenceMs <= 0 || j.Type == ttsc.JobAudition {
		return nil
	}
	const rate = 22050
	_, err := w.store(ctx, j, 0, audio.Silence(rate, time.Duration(opts.SilenceMs)*time.Millisecond), rate, nil)
	return err
}

// attemptLimit is how long the attempt that started at start could run,
// to the second: the job timeout.
func attemptLimit(ctx context.Context, start time.Time) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return time.Since(start).Round(time.Second)
	}
	return dl.Sub(start).Round(time.Second)
}

// dependency marks a failure of the database or the file storage: once
// they are back another attempt may succeed, whatever the error's code.
type dependency struct{ err error }

func (d dependency) Error() string { return d.err.Error() }
func (d dependency) Unwrap() error { return d.err }

// transient marks err, if any, as a failure of a dependency.
func transient(err error) error {
	if err == nil {
		return nil
	}
	return dependency{err}
}

// storeFailed is the error of a blob write that failed: a dependency's
// failure, with a message naming the file and, where the store gives
// one, the reason (a full disk, an unreachable object store).
func storeFailed(err error, key string) error {
	reason := ""
	var errno syscall.Errno
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &errno): // the system's words, without paths
		reason = ": " + errno.Error()
	case ttsc.ErrorCode(err) != ttsc.EINTERNAL: // the store's own message
		reason = ": " + ttsc.ErrorMessage(err)
	}
	return dependency{&ttsc.Error{Code: ttsc.EUNAVAILABLE, Err: err,
		Message: fmt.Sprintf("the file storage could not store %s%s", path.Base(key), reason)}}
}

// permanent reports whether another attempt would fail the same way.
func permanent(err error) bool {
	if errors.As(err, new(dependency)) {
		return false
	}
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
	src := j.SynthesisText()
	var opts ttsc.JobOptions
	if len(j.Options) > 0 {
		if err := json.Unmarshal(j.Options, &opts); err != nil {
			return &ttsc.Error{Code: ttsc.EINVALID, Message: "the job's options are unreadable", Err: err}
		}
	}
	entries, err := speech.Entries(ctx, w.cfg.Vocabulary, j.ProjectID, j.VoiceID, opts.IsVocabularyConfigEnable)
	if err != nil {
		return transient(err)
	}
	prep, err := speech.Prepare(src, voice, entries, w.cfg.Limits)
	if err != nil {
		return err
	}
	segs := prep.Segments
	if len(segs) == 0 {
		return ttsc.Errorf(ttsc.EINVALID, "the text has nothing to read")
	}
	j2, err := w.cfg.Jobs.StartJob(ctx, j.ID, len(segs))
	if err != nil {
		return transient(err)
	}
	if j.State == ttsc.JobWaiting {
		w.cfg.Metrics.JobStarted(string(j.Type), time.Since(j.CreatedAt))
	}
	*j = *j2
	done := make(map[int]bool, len(j.Files))
	for _, f := range j.Files {
		if f.Kind == ttsc.FileAudio {
			done[f.Index] = true
		}
	}
	if j.Type != ttsc.JobAudition {
		if err := w.whole(ctx, j, opts, voice, prep, done[0]); err != nil {
			return err
		}
		return w.upload(ctx, j, opts)
	}
	for i, seg := range segs {
		if done[i] {
			continue
		}
		sp, err := w.reader.Read(ctx, voice, j.Prosody, segs, i)
		if err != nil {
			return err
		}
		t1 := time.Now()
		// The word timings are recorded with the file (a column, not
		// another blob to write).
		words := speech.SegmentWords(sp)
		f, err := w.store(ctx, j, i, sp.Samples, sp.SampleRate, speech.FileWords(prep, seg, words))
		audio.Recycle(sp.Samples) // written, or failed to be
		if err != nil {
			return err
		}
		w.cfg.Reuse.Put(reuse.Key(voice, j.Prosody, j.Format, seg), reuse.Entry{File: f, Words: words})
		w.cfg.Logger.Debug("segment stored", "job_id", j.ID, "segment", i, "runes", len([]rune(seg.Text)),
			"store_ms", time.Since(t1).Milliseconds())
	}
	return nil
}

// whole reads every segment and stores the job's audio as one file, the
// shape of an async job's result, with the timing and subtitle files the
// job asked for. The audio is recorded last, so a retry that finds it
// recorded has nothing left to do.
func (w *Worker) whole(ctx context.Context, j *ttsc.Job, opts ttsc.JobOptions, voice ttsc.Voice, prep *text.Prepared, stored bool) error {
	if stored {
		return nil
	}
	segs := prep.Segments
	var samples []int16
	var words []audio.Span
	rate := 0
	for i, seg := range segs {
		sp, err := w.reader.Read(ctx, voice, j.Prosody, segs, i)
		if err != nil {
			return err
		}
		if rate == 0 {
			rate = sp.SampleRate
		}
		words = append(words, speech.TimeWords(seg, sp, len(samples), rate)...)
		samples = append(samples, sp.Samples...)
		audio.Recycle(sp.Samples)
	}
	if rate == 0 {
		return ttsc.Errorf(ttsc.ESYNTHESIS, "the engine returned no audio")
	}
	src := prep.Display
	words = speech.OriginalWords(prep, words)
	sentences := timeSentences(text.Split(src, speech.SegmentRunes), words)
	duration := time.Duration(len(samples)) * time.Second / time.Duration(rate)
	// Every file is written before any is recorded: when the storage
	// fails, the job lists no subtitles or timings of audio it lacks.
	var files []ttsc.File
	if opts.NeedTimestamp {
		info := audio.NewInfo(src, words, sentences, rate, duration).JSON()
		f, err := w.put(ctx, j, ttsc.FileInfo, "info", "json", "application/json", info, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
	}
	if opts.GenSRT {
		srt := audio.SRT(src, words, sentences, opts.SRTLen, opts.SRTLineLimit)
		f, err := w.put(ctx, j, ttsc.FileSRT, "subtitle", "srt", "application/x-subrip", srt, 0)
		if err != nil {
			return err
		}
		files = append(files, f)
	}
	f, err := w.storeBlob(ctx, j, 0, samples, rate, nil)
	if err != nil {
		// Nothing records the companions: remove them (retention
		// deletes recorded files only), as far as the storage lets.
		for _, c := range files {
			w.cfg.Blobs.Delete(context.WithoutCancel(ctx), c.Key)
		}
		return err
	}
	for _, f := range append(files, f) { // the audio last
		if err := w.cfg.Jobs.AddFile(ctx, j.ID, f); err != nil {
			return transient(err)
		}
	}
	return nil
}

// upload PUTs the finished files to the external URLs the job names. A
// retry uploads again, which PUT makes harmless.
func (w *Worker) upload(ctx context.Context, j *ttsc.Job, opts ttsc.JobOptions) error {
	targets := []struct {
		field, url string
		kind       ttsc.FileKind
	}{
		{"output_external_url", opts.OutputExternalURL, ttsc.FileAudio},
		{"srt_output_external_url", opts.SRTOutputExternalURL, ttsc.FileSRT},
		{"action_output_external_url", opts.ActionOutputExternalURL, ttsc.FileInfo},
	}
	var fresh *ttsc.Job
	for _, t := range targets {
		if t.url == "" {
			continue
		}
		if w.cfg.Uploads == nil {
			return ttsc.Errorf(ttsc.EINVALID, "%s: this server does not upload to external URLs", t.field)
		}
		if fresh == nil {
			var err error
			if fresh, err = w.cfg.Jobs.Job(ctx, j.ProjectID, j.ID); err != nil {
				return transient(err)
			}
		}
		i := slices.IndexFunc(fresh.Files, func(f ttsc.File) bool { return f.Kind == t.kind && f.Index == 0 })
		if i < 0 {
			return ttsc.Errorf(ttsc.EINVALID, "%s: the job has no such file to upload", t.field)
		}
		if err := w.put1(ctx, t.field, t.url, fresh.Files[i]); err != nil {
			return err
		}
	}
	return nil
}

// put1 uploads one stored file to url.
func (w *Worker) put1(ctx context.Context, field, url string, f ttsc.File) error {
	b, err := ttsc.OpenFile(ctx, w.cfg.Blobs, f)
	if err != nil {
		return transient(err)
	}
	defer b.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, b)
	if err != nil {
		return ttsc.Errorf(ttsc.EINVALID, "%s: %v", field, err)
	}
	req.ContentLength = b.Size
	req.Header.Set("Content-Type", f.ContentType)
	resp, err := w.cfg.Uploads.Do(req)
	if errors.Is(err, netguard.ErrDenied) {
		return &ttsc.Error{Code: ttsc.EINVALID, Message: fmt.Sprintf("uploading to %s: the host is not allowed", field), Err: err}
	}
	if err != nil {
		// Retried: the receiver may come back.
		return &ttsc.Error{Code: ttsc.EINTERNAL, Message: fmt.Sprintf("uploading to %s: the host could not be reached", field), Err: err}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch c := resp.StatusCode; {
	case c/100 == 2:
		return nil
	case c/100 == 4 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		// The URL is wrong or expired: another attempt would fail alike.
		return ttsc.Errorf(ttsc.EINVALID, "uploading to %s: the server answered %s", field, resp.Status)
	default:
		return &ttsc.Error{Code: ttsc.EINTERNAL, Message: fmt.Sprintf("uploading to %s: the server answered %s", field, resp.Status)}
	}
}

// timeSentences times each sentence from its first and last word;
// sentences without words (punctuation only) are left out.
func timeSentences(sentences []text.Segment, words []audio.Span) []audio.Span {
	var out []audio.Span
	wi := 0
	for _, s := range sentences {
		first := -1
		for wi < len(words) && words[wi].Start < s.End() {
			if first < 0 {
				first = wi
			}
			wi++
		}
		if first < 0 {
			continue
		}
		out = append(out, audio.Span{Start: s.Start, End: s.End(), BeginMs: words[first].BeginMs, EndMs: words[wi-1].EndMs})
	}
	return out
}

// put stores one file of a job under a fixed key, and returns
// its record for the caller to add.
func (w *Worker) put(ctx context.Context, j *ttsc.Job, kind ttsc.FileKind, name, ext, ctype string, data []byte, index int) (ttsc.File, error) {
	key := fmt.Sprintf("%s/%s/%s-%04d.%s", j.ProjectID, j.ID, name, index, ext)
	if err := w.cfg.Blobs.Put(ctx, key, data, ctype); err != nil {
		return ttsc.File{}, storeFailed(err, key)
	}
	return ttsc.File{Kind: kind, Index: index, Key: key, ContentType: ctype, Size: int64(len(data))}, nil
}

// store encodes audio in the job's format and records it as audio file
// index with the timings of its words (nil: none), and returns the
// record. The blob key is fixed by job and index, so a retry overwrites
// rather than adds.
func (w *Worker) store(ctx context.Context, j *ttsc.Job, index int, samples []int16, rate int, words []ttsc.WordTiming) (ttsc.File, error) {
	f, err := w.storeBlob(ctx, j, index, samples, rate, words)
	if err != nil {
		return f, err
	}
	return f, transient(w.cfg.Jobs.AddFile(ctx, j.ID, f))
}

// storeBlob is store without recording the file: it returns the record.
func (w *Worker) storeBlob(ctx context.Context, j *ttsc.Job, index int, samples []int16, rate int, words []ttsc.WordTiming) (ttsc.File, error) {
	durationMs := int64(len(samples)) * 1000 / int64(rate)
	if j.Prosody.Channels == 2 {
		samples = audio.Stereo(samples)
	}
	// data is the file in parts: a WAV file is its header and its
	// samples as they are in memory, which a store that appends writes
	// without a copy of them.
	var data [][]byte
	ext, ctype := "wav", "audio/wav"
	if j.Format == ttsc.FormatMP3 {
		ext, ctype = "mp3", "audio/mpeg"
		b, err := mp3.Encode(samples, rate, j.Prosody.Channels, 0)
		if err != nil {
			return ttsc.File{}, err
		}
		data = [][]byte{b}
	} else {
		header, pcm := audio.WAVParts(samples, rate, j.Prosody.Channels)
		data = [][]byte{header, pcm}
	}
	var f ttsc.File
	var err error
	if a, ok := w.cfg.Blobs.(ttsc.Appender); ok && j.Type == ttsc.JobAudition {
		f, err = w.append(ctx, a, j, ext, ctype, index, data...)
	} else {
		f, err = w.put(ctx, j, ttsc.FileAudio, "audio", ext, ctype, bytes.Join(data, nil), index)
	}
	f.DurationMs, f.Words = durationMs, words
	return f, err
}

// append stores audio file index of a preview at the end of the one blob
// of its job that holds them all, and returns its record. A retry appends
// the files not yet recorded again; what an attempt appended without
// recording stays in the blob, unnamed.
func (w *Worker) append(ctx context.Context, a ttsc.Appender, j *ttsc.Job, ext, ctype string, index int, parts ...[]byte) (ttsc.File, error) {
	key := fmt.Sprintf("%s/%s/audition.%s", j.ProjectID, j.ID, ext)
	off, err := a.Append(ctx, key, parts...)
	if err != nil {
		return ttsc.File{}, storeFailed(err, key)
	}
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	return ttsc.File{Kind: ttsc.FileAudio, Index: index, Key: key, Offset: off, ContentType: ctype, Size: int64(size)}, nil
}
