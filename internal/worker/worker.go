// Package worker does the synthesis work of queued jobs: it splits a job's
// text into segments, has an engine read each one, encodes the audio,
// stores it and records it on the job, segment by segment, so a client
// can play the first segment while later ones are still being made.
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
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
		cfg.FailureCode = func(error) string { return "MSS.00000004" }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{cfg: cfg, reader: speech.Reader{Engine: cfg.Engine, Metrics: cfg.Metrics}}, nil
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
		w.cfg.Metrics.JobEnded(string(j.Type), string(ttsc.JobSucceeded), time.Since(j.CreatedAt))
		log.Info("job succeeded", "segments", j.Segments, "elapsed_ms", time.Since(start).Milliseconds())
		return nil
	case ctx.Err() != nil:
		// Shutting down or timed out: River runs the job again and the
		// segments done so far are kept.
		return err
	case permanent(err) || rj.Attempt >= rj.MaxAttempts:
		log.Warn("job failed", "err", err)
		if silErr := w.silence(context.WithoutCancel(ctx), j); silErr != nil {
			log.Warn("storing the silence of a failed job failed", "err", silErr)
		}
		if endErr := w.cfg.Jobs.EndJob(context.WithoutCancel(ctx), j.ID, ttsc.JobFailed, w.cfg.FailureCode(err), ttsc.ErrorMessage(err)); endErr != nil {
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
	_, err := w.store(ctx, j, 0, audio.Silence(rate, time.Duration(opts.SilenceMs)*time.Millisecond), rate)
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
	src := j.SynthesisText()
	var opts ttsc.JobOptions
	if len(j.Options) > 0 {
		if err := json.Unmarshal(j.Options, &opts); err != nil {
			return &ttsc.Error{Code: ttsc.EINVALID, Message: "the job's options are unreadable", Err: err}
		}
	}
	entries, err := speech.Entries(ctx, w.cfg.Vocabulary, j.ProjectID, j.VoiceID, opts.IsVocabularyConfigEnable)
	if err != nil {
		return err
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
		return err
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
		f, err := w.store(ctx, j, i, sp.Samples, sp.SampleRate)
		if err != nil {
			return err
		}
		w.cfg.Reuse.Put(reuse.Key(voice, j.Prosody, j.Format, seg), f)
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
		words = append(words, timeWords(seg, sp, len(samples), rate)...)
		samples = append(samples, sp.Samples...)
	}
	if rate == 0 {
		return ttsc.Errorf(ttsc.ESYNTHESIS, "the engine returned no audio")
	}
	src := prep.Display
	words = originalWords(prep, words)
	sentences := timeSentences(text.Split(src, speech.SegmentRunes), words)
	duration := time.Duration(len(samples)) * time.Second / time.Duration(rate)
	if opts.NeedTimestamp {
		info := audio.NewInfo(src, words, sentences, rate, duration).JSON()
		if err := w.put(ctx, j, ttsc.FileInfo, "info", "json", "application/json", info, 0); err != nil {
			return err
		}
	}
	if opts.GenSRT {
		srt := audio.SRT(src, words, sentences, opts.SRTLen, opts.SRTLineLimit)
		if err := w.put(ctx, j, ttsc.FileSRT, "subtitle", "srt", "application/x-subrip", srt, 0); err != nil {
			return err
		}
	}
	_, err := w.store(ctx, j, 0, samples, rate)
	return err
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
				return err
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
	b, err := w.cfg.Blobs.Open(ctx, f.Key)
	if err != nil {
		return err
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

// timeWords places a segment's word events in the whole text and audio:
// offset is the number of samples before the segment. A word lasts until
// the next one starts, the last one until the segment's audio ends.
func timeWords(seg text.Segment, sp *ttsc.Speech, offset, rate int) []audio.Span {
	ms := func(sample int) int64 { return int64(offset+sample) * 1000 / int64(rate) }
	out := make([]audio.Span, 0, len(sp.Words))
	for k, wd := range sp.Words {
		end := len(sp.Samples)
		if k+1 < len(sp.Words) {
			end = sp.Words[k+1].Sample
		}
		out = append(out, audio.Span{
			Start: seg.Start + wd.TextStart, End: seg.Start + wd.TextEnd,
			BeginMs: ms(wd.Sample), EndMs: ms(max(end, wd.Sample)),
		})
	}
	return out
}

// originalWords maps timed words of the rewritten text back onto the
// text the client sent; the words an alias was read as become one word
// spanning its key.
func originalWords(rw interface{ Original(int, bool) int }, words []audio.Span) []audio.Span {
	out := words[:0]
	for _, wd := range words {
		wd.Start, wd.End = rw.Original(wd.Start, false), rw.Original(wd.End, true)
		if n := len(out); n > 0 && out[n-1].Start == wd.Start {
			out[n-1].End, out[n-1].EndMs = max(out[n-1].End, wd.End), wd.EndMs
			continue
		}
		out = append(out, wd)
	}
	return out
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

// put stores one companion file of a job under a fixed key.
func (w *Worker) put(ctx context.Context, j *ttsc.Job, kind ttsc.FileKind, name, ext, ctype string, data []byte, index int) error {
	key := fmt.Sprintf("%s/%s/%s-%04d.%s", j.ProjectID, j.ID, name, index, ext)
	if err := w.cfg.Blobs.Put(ctx, key, data, ctype); err != nil {
		return err
	}
	return w.cfg.Jobs.AddFile(ctx, j.ID, ttsc.File{Kind: kind, Index: index, Key: key, ContentType: ctype, Size: int64(len(data))})
}

// store encodes audio in the job's format and records it as audio file
// index, and returns the record. The blob key is fixed by job and index,
// so a retry overwrites rather than adds.
func (w *Worker) store(ctx context.Context, j *ttsc.Job, index int, samples []int16, rate int) (ttsc.File, error) {
	durationMs := int64(len(samples)) * 1000 / int64(rate)
	if j.Prosody.Channels == 2 {
		samples = audio.Stereo(samples)
	}
	var data []byte
	ext, ctype := "wav", "audio/wav"
	if j.Format == ttsc.FormatMP3 {
		ext, ctype = "mp3", "audio/mpeg"
		var err error
		if data, err = mp3.Encode(samples, rate, j.Prosody.Channels, 0); err != nil {
			return ttsc.File{}, err
		}
	} else {
		data = audio.EncodeWAV(samples, rate, j.Prosody.Channels)
	}
	key := fmt.Sprintf("%s/%s/audio-%04d.%s", j.ProjectID, j.ID, index, ext)
	if err := w.cfg.Blobs.Put(ctx, key, data, ctype); err != nil {
		return ttsc.File{}, err
	}
	f := ttsc.File{
		Kind:        ttsc.FileAudio,
		Index:       index,
		Key:         key,
		ContentType: ctype,
		Size:        int64(len(data)),
		DurationMs:  durationMs,
	}
	return f, w.cfg.Jobs.AddFile(ctx, j.ID, f)
}
