package ttsc

import (
	"context"
	"time"
)

// JobType says which API created a job. The values are MetaStudio's.
type JobType string

// Job types.
const (
	JobAudition  JobType = "AUDITION"
	JobAsync     JobType = "ASYNC_JOB"
	JobWebSocket JobType = "WEBSOCKET"
)

// JobState is where a job is in its life. The values are MetaStudio's.
//
// The API creates jobs WAITING; a worker moves them to PROCESSING when it
// starts and to SUCCEED or FAILED when it ends. A job that a crashed worker
// left PROCESSING is picked up again by the queue and stays PROCESSING;
// when the crash took its last attempt, or its queued work was cancelled
// or removed, a periodic sweep ends it FAILED (JobStore.FailOrphans). A
// streamed job lives only in the process serving its connection; the same
// sweep ends it FAILED once it is older than any live stream can be
// (JobStore.FailStaleStreams).
type JobState string

// Job states.
const (
	JobWaiting    JobState = "WAITING"
	JobProcessing JobState = "PROCESSING"
	JobSucceeded  JobState = "SUCCEED"
	JobFailed     JobState = "FAILED"
)

// Ended reports whether the state is final.
func (s JobState) Ended() bool { return s == JobSucceeded || s == JobFailed }

// AudioFormat is the container of a job's audio files.
type AudioFormat string

// Audio formats.
const (
	FormatWAV AudioFormat = "WAV"
	FormatMP3 AudioFormat = "MP3"
	FormatPCM AudioFormat = "PCM"
)

// Prosody holds MetaStudio's audio parameters, in MetaStudio's units.
type Prosody struct {
	// Speed in percent of the voice's natural rate, 50..200, default 100.
	Speed int `json:"speed"`
	// Pitch in percent of the voice's natural pitch, 50..200, default 100.
	Pitch int `json:"pitch"`
	// Volume on MetaStudio's scale 90..240, default 140 (the voice's natural level).
	Volume int `json:"volume"`
	// Channels is 1 (mono) or 2 (stereo), default 1.
	Channels int `json:"channels"`
}

// Prosody limits and defaults, from the MetaStudio API.
const (
	SpeedMin, SpeedMax, SpeedDefault    = 50, 200, 100
	PitchMin, PitchMax, PitchDefault    = 50, 200, 100
	VolumeMin, VolumeMax, VolumeDefault = 90, 240, 140
	ChannelsMin, ChannelsMax            = 1, 2
	// MaxTextRunes is the longest text, in Unicode code points, that any
	// synthesis API accepts.
	MaxTextRunes = 10000
)

// DefaultProsody returns the parameters that make a voice sound as its
// engine speaks it naturally.
func DefaultProsody() Prosody {
	return Prosody{Speed: SpeedDefault, Pitch: PitchDefault, Volume: VolumeDefault, Channels: 1}
}

// Job is one synthesis request and what came of it.
type Job struct {
	ID        string
	ProjectID string
	Type      JobType
	State     JobState
	// VoiceID is the voice asset ID the client asked for.
	VoiceID string
	// Text is what the client sent as text; TTSText, when not empty, is
	// what is synthesized instead.
	Text    string
	TTSText string
	Prosody Prosody
	Format  AudioFormat
	// Priority is 0 (most urgent) to 10; previews use 0.
	Priority int
	// Options holds the type-specific request fields as JSON, kept so the
	// worker sees exactly what the client asked for.
	Options []byte
	// Code is "0" on success and a MetaStudio error code on failure; empty
	// while the job runs.
	Code    string
	Message string
	// Segments is how many audio segments the job will produce, known once
	// the worker has split the text; 0 before.
	Segments  int
	Files     []File
	CreatedAt time.Time
	UpdatedAt time.Time
	EndedAt   time.Time
}

// SynthesisText returns the text the engine should read.
func (j *Job) SynthesisText() string {
	if j.TTSText != "" {
		return j.TTSText
	}
	return j.Text
}

// FileKind says what a job file holds.
type FileKind string

// File kinds.
const (
	FileAudio FileKind = "audio"
	FileInfo  FileKind = "info"
	FileSRT   FileKind = "srt"
)

// File is one stored output of a job.
type File struct {
	// Kind and Index identify the file within its job; audio segments are
	// numbered from 0 in text order.
	Kind  FileKind
	Index int
	// Key names the blob in the BlobStore.
	Key string
	// Offset is where the file starts in its blob, and Size its length
	// from there. Files appended to a shared blob (see Appender) start
	// anywhere; any other file is its whole blob, at Offset 0.
	Offset      int64
	ContentType string
	Size        int64
	// DurationMs is the audio duration, for audio files.
	DurationMs int64
	// Words times the words spoken in a preview's audio file, in text
	// order; nil for other files, and when the engine reported no words.
	Words     []WordTiming
	CreatedAt time.Time
}

// WordTiming is one word spoken in an audio file: where it is in the text
// the client sent and when it is heard. The JSON form is the one
// ShowTtsAuditionFile answers with and the store keeps.
type WordTiming struct {
	// Text is the word as the client wrote it: the code points
	// BeginChar to EndChar of the text the job read (tts_text when given,
	// else text; for SSML, its text without the markup). The words a
	// pronunciation entry was read as make one word spanning its key.
	Text      string `json:"text"`
	BeginChar int    `json:"begin_char"`
	EndChar   int    `json:"end_char"`
	// BeginMs and EndMs are milliseconds from the start of the file. A
	// word lasts until the next one starts; the last one ends with the
	// file.
	BeginMs int64 `json:"begin_ms"`
	EndMs   int64 `json:"end_ms"`
}

// JobFilter selects jobs of one project. Zero fields do not filter.
type JobFilter struct {
	ProjectID    string
	ID           string
	Type         JobType
	CreatedSince time.Time
	CreatedUntil time.Time
	Offset       int
	Limit        int
}

// SynthesisArgs is the queue payload of a job: just enough to find it. It
// satisfies River's JobArgs interface.
type SynthesisArgs struct {
	JobID     string `json:"job_id"`
	ProjectID string `json:"project_id"`
}

// Kind names the queue job kind.
func (SynthesisArgs) Kind() string { return "ttsc.synthesize" }

// CallbackArgs is the queue payload of a job-end callback. It satisfies
// River's JobArgs interface.
type CallbackArgs struct {
	JobID     string `json:"job_id"`
	ProjectID string `json:"project_id"`
}

// Kind names the queue job kind.
func (CallbackArgs) Kind() string { return "ttsc.callback" }

// RetentionArgs is the queue payload of the periodic sweep that deletes
// jobs past their retention. It satisfies River's JobArgs interface.
type RetentionArgs struct{}

// Kind names the queue job kind.
func (RetentionArgs) Kind() string { return "ttsc.retention" }

// OrphanArgs is the queue payload of the periodic sweep that ends jobs
// whose queued work will never run again (JobStore.FailOrphans). It
// satisfies River's JobArgs interface.
type OrphanArgs struct{}

// Kind names the queue job kind.
func (OrphanArgs) Kind() string { return "ttsc.orphans" }

// JobStore keeps jobs and their files.
type JobStore interface {
	// CreateJob stores j (State WAITING) and enqueues its synthesis in the
	// same transaction, so a stored job is never without queued work. A
	// WEBSOCKET job, synthesized on its connection, is only recorded.
	CreateJob(ctx context.Context, j *Job) error
	// Job returns the job with its files in index order. Returns ENOTFOUND
	// if there is no such job in the project.
	Job(ctx context.Context, projectID, id string) (*Job, error)
	// ListJobs returns the jobs that match f, newest first, and the total
	// number of matches regardless of Offset and Limit.
	ListJobs(ctx context.Context, f JobFilter) ([]*Job, int, error)
	// StartJob moves a WAITING job to PROCESSING and records the number of
	// segments; a job already PROCESSING is returned as it is (a retry).
	// Returns ENOTFOUND if the job does not exist.
	StartJob(ctx context.Context, id string, segments int) (*Job, error)
	// AddFile records a file of a job, created at f.CreatedAt, or now when
	// that is zero; times are kept to the millisecond. Recording the same
	// Kind and Index twice keeps the first record, so retries never
	// duplicate files.
	AddFile(ctx context.Context, jobID string, f File) error
	// EndJob moves the job to state (SUCCEED or FAILED) with code and
	// message. Ending an ended job is a no-op. When the job's options name
	// a callback URL, the callback's delivery (CallbackArgs) is enqueued
	// in the same transaction, so it happens exactly once per ended job.
	EndJob(ctx context.Context, id string, state JobState, code, message string) error
	// FailOrphans ends FAILED, with code and message, up to limit jobs
	// of any project that wait or run although no queued work will run
	// them again: their queue job was discarded (its last attempt's
	// worker died), cancelled or deleted. A job whose queue job waits,
	// runs or awaits a retry is left alone, and so are streamed jobs,
	// which are never queued (FailStaleStreams ends those). Each job
	// ends as EndJob ends it, and only while it is unfinished and
	// without a live queue job, so sweeps of several processes end it
	// once. It returns the IDs of the jobs it ended, oldest first, also
	// when it fails midway.
	FailOrphans(ctx context.Context, code, message string, limit int) ([]string, error)
	// FailStaleStreams ends FAILED, with code and message, up to limit
	// streamed jobs (WEBSOCKET) of any project created before before
	// that still wait or run: the caller picks before so that no live
	// stream is that old, and the process that served them has died.
	// Each job ends as EndJob ends it, and only while it is unfinished,
	// so sweeps of several processes end it once. It returns the IDs of
	// the jobs it ended, oldest first, also when it fails midway.
	FailStaleStreams(ctx context.Context, before time.Time, code, message string, limit int) ([]string, error)
	// ExpiredJobs returns up to limit jobs of any project created before
	// before, oldest first, with their files.
	ExpiredJobs(ctx context.Context, before time.Time, limit int) ([]*Job, error)
	// Unfinished counts the project's jobs that are WAITING or
	// PROCESSING.
	Unfinished(ctx context.Context, projectID string) (int, error)
	// DeleteJob deletes a job and its file records (not the blobs).
	// Deleting a missing job is not an error.
	DeleteJob(ctx context.Context, id string) error
	// RecordJob stores j, already ended (State, Code, Message, Segments)
	// with its Files, and queues nothing: a preview answered from audio
	// stored for an identical earlier one.
	RecordJob(ctx context.Context, j *Job) error
	// KeyShared reports whether a job other than jobID records a file
	// stored under key, so that deleting jobID must keep the blob.
	KeyShared(ctx context.Context, key, jobID string) (bool, error)
}

// JobOptions are the request fields a job keeps besides its text, voice
// and prosody, stored as Job.Options in JSON.
type JobOptions struct {
	BusinessType             string `json:"business_type,omitempty"`
	Style                    string `json:"style,omitempty"`
	IsVocabularyConfigEnable *bool  `json:"is_vocabulary_config_enable,omitempty"`
	IsConcurrentResource     bool   `json:"is_concurrent_resource,omitempty"`
	SliceSegments            bool   `json:"slice_segments,omitempty"`
	// NeedTimestamp asks for an audio info file with word and sentence
	// timings.
	NeedTimestamp bool `json:"need_timestamp,omitempty"`
	// GenSRT asks for an SRT subtitle file; SRTLen is the most characters
	// on one subtitle line (0: no limit) and SRTLineLimit the most lines
	// in one cue (0 means 1).
	GenSRT       bool `json:"gen_srt,omitempty"`
	SRTLen       int  `json:"srt_len,omitempty"`
	SRTLineLimit int  `json:"srt_line_limit,omitempty"`
	// SilenceMs, when positive, asks that a failed job still hand out an
	// audio file: that many milliseconds of silence.
	SilenceMs int `json:"silence_ms,omitempty"`
	// WebSocketJobID is the job ID a streaming client gave its START.
	WebSocketJobID string `json:"websocket_job_id,omitempty"`
	// CallbackURL receives a signed POST when the job ends.
	CallbackURL string `json:"callback_url,omitempty"`
	// OutputExternalURL, SRTOutputExternalURL and ActionOutputExternalURL
	// receive a PUT of the audio, the subtitles and the audio info file
	// when the job succeeds.
	OutputExternalURL       string `json:"output_external_url,omitempty"`
	SRTOutputExternalURL    string `json:"srt_output_external_url,omitempty"`
	ActionOutputExternalURL string `json:"action_output_external_url,omitempty"`
}
