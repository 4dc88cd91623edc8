package worker

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/blob/diskblob"
	"github.com/openttsc/ttsc/internal/engine/espeak"
	"github.com/openttsc/ttsc/internal/speech"
	"github.com/openttsc/ttsc/internal/store/sqlitestore"
	"github.com/openttsc/ttsc/internal/voices"
)

// countingEngine counts the segments it reads and fails those containing
// failOn with failErr.
type countingEngine struct {
	ttsc.Engine
	mu      sync.Mutex
	texts   []string
	failOn  string
	failErr error
}

func (c *countingEngine) Synthesize(ctx context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	c.mu.Lock()
	c.texts = append(c.texts, req.Text)
	c.mu.Unlock()
	if c.failOn != "" && strings.Contains(req.Text, c.failOn) {
		return nil, c.failErr
	}
	return c.Engine.Synthesize(ctx, req)
}

// failingBlobs refuses every write, as a full disk does.
type failingBlobs struct{ ttsc.BlobStore }

func (failingBlobs) Put(_ context.Context, key string, _ []byte, _ string) error {
	return &os.PathError{Op: "write", Path: "/srv/blobs/" + key + "~tmp-1", Err: syscall.ENOSPC}
}

// fullDisk is failingBlobs for a store that appends, as the disk does:
// a preview's files are appended.
type fullDisk struct{ failingBlobs }

func (fullDisk) Append(_ context.Context, key string, _ ...[]byte) (int64, error) {
	return 0, &os.PathError{Op: "write", Path: "/srv/blobs/" + key, Err: syscall.ENOSPC}
}

type bundle struct {
	db     *sqlitestore.DB
	blobs  *diskblob.Store
	engine *countingEngine
}

func setup(t *testing.T) *bundle {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlitestore.Open(context.Background(), sqlitestore.Config{Path: filepath.Join(dir, "ttsc.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobs, err := diskblob.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := espeak.New()
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{db: db, blobs: blobs, engine: &countingEngine{Engine: e}}
}

func (b *bundle) worker(t *testing.T, blobs ttsc.BlobStore) *Worker {
	t.Helper()
	w, err := New(Config{
		Jobs: b.db, Blobs: blobs, Engine: b.engine, Voices: voices.Lookup,
		Limits:      speech.Limits{PackRunes: 1}, // a segment per sentence, so tests can count them
		FailureCode: func(err error) string { return "CODE-" + ttsc.ErrorCode(err) },
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// readWAV reads the stored file f, which must be a WAV file.
func readWAV(t *testing.T, blobs ttsc.BlobStore, f ttsc.File) ([]byte, *audio.PCM) {
	t.Helper()
	blob, err := ttsc.OpenFile(context.Background(), blobs, f)
	if err != nil {
		t.Fatal(err)
	}
	defer blob.Close()
	data, err := io.ReadAll(blob)
	if err != nil {
		t.Fatal(err)
	}
	p, err := audio.DecodeWAV(data)
	if err != nil {
		t.Fatalf("file %d: %v", f.Index, err)
	}
	return data, p
}

func (b *bundle) job(t *testing.T, text string, p ttsc.Prosody, voice string) *ttsc.Job {
	t.Helper()
	j := &ttsc.Job{ID: "job1", ProjectID: "proj", Type: ttsc.JobAudition, VoiceID: voice, Text: text, Prosody: p, Format: ttsc.FormatWAV}
	if err := b.db.CreateJob(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	return j
}

func riverJob(j *ttsc.Job, attempt int) *river.Job[ttsc.SynthesisArgs] {
	return &river.Job[ttsc.SynthesisArgs]{
		JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 3},
		Args:   ttsc.SynthesisArgs{JobID: j.ID, ProjectID: j.ProjectID},
	}
}

// englishVoice returns an espeak-ng English voice: the worker tests run
// espeak-ng in process.
func englishVoice(t *testing.T) string {
	for _, v := range voices.Catalog() {
		if v.Language == "EN" && !v.Preset && v.Engine == voices.EngineEspeak {
			return v.ID
		}
	}
	t.Fatal("no English voice")
	return ""
}

const threeSentences = "The first sentence is here. The second one follows it. And the third ends the text."

func TestWorkSucceeds(t *testing.T) {
	for _, test := range []struct {
		name     string
		prosody  ttsc.Prosody
		channels int
	}{
		{"OKMono", ttsc.DefaultProsody(), 1},
		{"OKStereoLoud", ttsc.Prosody{Speed: 150, Pitch: 120, Volume: 240, Channels: 2}, 2},
	} {
		t.Run(test.name, func(t *testing.T) {
			b := setup(t)
			j := b.job(t, threeSentences, test.prosody, englishVoice(t))
			if err := b.worker(t, b.blobs).Work(context.Background(), riverJob(j, 1)); err != nil {
				t.Fatal(err)
			}
			got, err := b.db.Job(context.Background(), "proj", "job1")
			if err != nil {
				t.Fatal(err)
			}
			if got.State != ttsc.JobSucceeded || got.Code != "0" || got.Segments != 3 || len(got.Files) != 3 {
				t.Fatalf("job %s code %q, %d segments, %d files; want SUCCEED 0 with 3 of each", got.State, got.Code, got.Segments, len(got.Files))
			}
			// The files follow each other in one blob of the job.
			var end int64
			for i, f := range got.Files {
				if f.Key != "proj/job1/audition.wav" || f.Offset != end {
					t.Errorf("file %d: %s at %d, want proj/job1/audition.wav at %d", i, f.Key, f.Offset, end)
				}
				end += f.Size
			}
			for i, f := range got.Files {
				data, p := readWAV(t, b.blobs, f)
				if p.Channels != test.channels || f.Index != i || f.Size != int64(len(data)) || f.DurationMs < 500 {
					t.Errorf("file %d: %d channels, index %d, size %d/%d, %d ms", i, p.Channels, f.Index, f.Size, len(data), f.DurationMs)
				}
				if err := audio.CheckSpeech(p); err != nil {
					t.Errorf("file %d: %v", i, err)
				}
				// Each file times its own sentence's words, in the
				// job's text and the file's milliseconds.
				sentence := strings.SplitAfter(threeSentences, ". ")[i]
				var texts []string
				last := int64(-1)
				for _, w := range f.Words {
					texts = append(texts, w.Text)
					if w.Text != string([]rune(threeSentences)[w.BeginChar:w.EndChar]) || w.BeginMs <= last || w.EndMs < w.BeginMs || w.EndMs > f.DurationMs {
						t.Errorf("file %d (%d ms): word %+v", i, f.DurationMs, w)
					}
					last = w.BeginMs
				}
				if want := strings.Fields(strings.TrimSuffix(strings.TrimSpace(sentence), ".")); strings.Join(texts, " ") != strings.Join(want, " ") {
					t.Errorf("file %d: words %q, want %q", i, texts, want)
				}
			}
		})
	}
}

func TestRetrySkipsDoneSegments(t *testing.T) {
	b := setup(t)
	j := b.job(t, threeSentences, ttsc.DefaultProsody(), englishVoice(t))
	// A first attempt died after storing segment 1 only.
	if _, err := b.db.StartJob(context.Background(), j.ID, 3); err != nil {
		t.Fatal(err)
	}
	if err := b.db.AddFile(context.Background(), j.ID, ttsc.File{Kind: ttsc.FileAudio, Index: 1, Key: "proj/job1/audio-0001.wav", ContentType: "audio/wav", Size: 1}); err != nil {
		t.Fatal(err)
	}
	if err := b.worker(t, b.blobs).Work(context.Background(), riverJob(j, 2)); err != nil {
		t.Fatal(err)
	}
	if len(b.engine.texts) != 2 || strings.Contains(strings.Join(b.engine.texts, "|"), "second") {
		t.Errorf("engine read %q; want the first and third sentences only", b.engine.texts)
	}
	got, _ := b.db.Job(context.Background(), "proj", "job1")
	if got.State != ttsc.JobSucceeded || len(got.Files) != 3 {
		t.Errorf("job %s with %d files, want SUCCEED with 3", got.State, len(got.Files))
	}
}

// TestRetryAppendsAfterAFailedAttempt: a preview's files share one blob,
// and an attempt that failed part way leaves in it what it recorded and,
// here, bytes it wrote without recording them (a write cut short). The
// next attempt appends the missing files after those, and every recorded
// file is still whole.
func TestRetryAppendsAfterAFailedAttempt(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	j := b.job(t, threeSentences, ttsc.DefaultProsody(), englishVoice(t))
	b.engine.failOn, b.engine.failErr = "second", ttsc.Errorf(ttsc.EINTERNAL, "engine host restarted")
	if err := b.worker(t, b.blobs).Work(ctx, riverJob(j, 1)); err == nil {
		t.Fatal("the failing attempt succeeded")
	}
	if _, err := b.blobs.Append(ctx, "proj/job1/audition.wav", []byte("cut short")); err != nil {
		t.Fatal(err)
	}
	b.engine.failOn = ""
	if err := b.worker(t, b.blobs).Work(ctx, riverJob(j, 2)); err != nil {
		t.Fatal(err)
	}
	got, _ := b.db.Job(ctx, "proj", "job1")
	if got.State != ttsc.JobSucceeded || len(got.Files) != 3 {
		t.Fatalf("job %s with %d files, want SUCCEED with 3", got.State, len(got.Files))
	}
	if f0, f1 := got.Files[0], got.Files[1]; f1.Offset != f0.Offset+f0.Size+int64(len("cut short")) {
		t.Errorf("file 1 at %d, want after file 0 (%d+%d) and the unrecorded bytes", f1.Offset, f0.Offset, f0.Size)
	}
	for i, f := range got.Files {
		_, p := readWAV(t, b.blobs, f)
		if err := audio.CheckSpeech(p); err != nil {
			t.Errorf("file %d: %v", i, err)
		}
	}
}

func TestWorkFails(t *testing.T) {
	for _, test := range []struct {
		name      string
		voice     string
		failOn    string
		failErr   error
		blobsFail bool
		appends   bool // the failing store appends
		attempt   int
		wantErr   bool // returned to River for a retry
		wantState ttsc.JobState
		code      string
		mention   string
	}{
		{name: "ErrEngineCrashFailsAtOnce", failOn: "second", failErr: ttsc.Errorf(ttsc.ESYNTHESIS, "engine host crashed"),
			attempt: 1, wantState: ttsc.JobFailed, code: "CODE-" + ttsc.ESYNTHESIS, mention: "segment 2 of 3: engine host crashed"},
		{name: "ErrUnknownVoice", voice: "ffffffffffffffffffffffffffffffff",
			attempt: 1, wantState: ttsc.JobFailed, code: "CODE-" + ttsc.ENOVOICE, mention: "no longer exists"},
		{name: "ErrDiskFullRetried", blobsFail: true, attempt: 1, wantErr: true, wantState: ttsc.JobProcessing},
		{name: "ErrDiskFullLastAttempt", blobsFail: true, attempt: 3, wantState: ttsc.JobFailed, code: "CODE-" + ttsc.EUNAVAILABLE,
			mention: "the file storage could not store audio-0000.wav: no space left on device (gave up after 3 attempts)"},
		{name: "ErrDiskFullAppendRetried", blobsFail: true, appends: true, attempt: 1, wantErr: true, wantState: ttsc.JobProcessing},
		{name: "ErrDiskFullAppendLastAttempt", blobsFail: true, appends: true, attempt: 3, wantState: ttsc.JobFailed, code: "CODE-" + ttsc.EUNAVAILABLE,
			mention: "the file storage could not store audition.wav: no space left on device (gave up after 3 attempts)"},
	} {
		t.Run(test.name, func(t *testing.T) {
			b := setup(t)
			voice := test.voice
			if voice == "" {
				voice = englishVoice(t)
			}
			b.engine.failOn, b.engine.failErr = test.failOn, test.failErr
			j := b.job(t, threeSentences, ttsc.DefaultProsody(), voice)
			var blobs ttsc.BlobStore = b.blobs
			if test.blobsFail {
				blobs = failingBlobs{b.blobs}
			}
			if test.appends {
				blobs = fullDisk{failingBlobs{b.blobs}}
			}
			err := b.worker(t, blobs).Work(context.Background(), riverJob(j, test.attempt))
			if (err != nil) != test.wantErr {
				t.Fatalf("Work = %v, want error %v", err, test.wantErr)
			}
			got, _ := b.db.Job(context.Background(), "proj", "job1")
			if got.State != test.wantState || got.Code != test.code || !strings.Contains(got.Message, test.mention) {
				t.Errorf("job %s code %q message %q; want %s %q mentioning %q", got.State, got.Code, got.Message, test.wantState, test.code, test.mention)
			}
		})
	}
}

func TestCanceledJobIsRetried(t *testing.T) {
	b := setup(t)
	j := b.job(t, threeSentences, ttsc.DefaultProsody(), englishVoice(t))
	ctx, cancel := context.WithCancel(context.Background())
	b.engine.failOn, b.engine.failErr = "second", context.Canceled
	cancel()
	err := b.worker(t, b.blobs).Work(ctx, riverJob(j, 1))
	if err == nil {
		t.Fatal("Work on a canceled context returned nil; the job would be lost")
	}
	got, _ := b.db.Job(context.Background(), "proj", "job1")
	if got.State.Ended() {
		t.Errorf("a canceled attempt ended the job %s", got.State)
	}
}

func TestShortSentencesArePacked(t *testing.T) {
	b := setup(t)
	j := b.job(t, threeSentences, ttsc.DefaultProsody(), englishVoice(t))
	w := b.worker(t, b.blobs)
	w.cfg.Limits = speech.Limits{} // the defaults
	if err := w.Work(context.Background(), riverJob(j, 1)); err != nil {
		t.Fatal(err)
	}
	if len(b.engine.texts) != 1 || b.engine.texts[0] != threeSentences {
		t.Errorf("engine read %q; want the three short sentences at once", b.engine.texts)
	}
}
