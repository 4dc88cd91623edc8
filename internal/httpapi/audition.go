package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/reuse"
	"github.com/openttsc/ttsc/internal/speech"
	"github.com/openttsc/ttsc/internal/text"
)

// synthesisRequest holds the fields previews and async jobs share.
type synthesisRequest struct {
	Text     *string `json:"text"`
	TTSText  *string `json:"tts_text"`
	Speed    *int32  `json:"speed"`
	Pitch    *int32  `json:"pitch"`
	Volume   *int32  `json:"volume"`
	Channels *int32  `json:"channels"`
}

// auditionRequest is CreateTtsAuditionRequestBody.
type auditionRequest struct {
	synthesisRequest
	Emotion                  *string `json:"emotion"`
	BusinessType             *string `json:"business_type"`
	Style                    *string `json:"style"`
	IsVocabularyConfigEnable *bool   `json:"is_vocabulary_config_enable"`
}

type jobIDResponse struct {
	JobID string `json:"job_id"`
}

func (s *Server) handleCreateAudition(w http.ResponseWriter, r *http.Request) error {
	var req auditionRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	j, err := s.newJob(r, ttsc.JobAudition, &req.synthesisRequest, "emotion", req.Emotion)
	if err != nil {
		return err
	}
	opts := ttsc.JobOptions{IsVocabularyConfigEnable: req.IsVocabularyConfigEnable}
	if req.BusinessType != nil {
		opts.BusinessType = *req.BusinessType
	}
	if req.Style != nil {
		opts.Style = *req.Style
	}
	return s.createJob(w, r, j, opts)
}

// newJob validates the fields previews and async jobs share and returns
// the job they describe, WAV at priority 0 until the caller says otherwise.
func (s *Server) newJob(r *http.Request, typ ttsc.JobType, req *synthesisRequest, voiceField string, voiceID *string) (*ttsc.Job, error) {
	text, err := checkText("text", req.Text, true)
	if err != nil {
		return nil, err
	}
	ttsText, err := checkText("tts_text", req.TTSText, false)
	if err != nil {
		return nil, err
	}
	voice, err := s.voice(voiceField, voiceID)
	if err != nil {
		return nil, err
	}
	prosody, err := checkProsody(req.Speed, req.Pitch, req.Volume, req.Channels)
	if err != nil {
		return nil, err
	}
	return &ttsc.Job{
		ID:        NewID(),
		ProjectID: r.PathValue("project_id"),
		Type:      typ,
		State:     ttsc.JobWaiting,
		VoiceID:   voice.ID,
		Text:      text,
		TTSText:   ttsText,
		Prosody:   prosody,
		Format:    ttsc.FormatWAV,
	}, nil
}

// createJob stores j with opts, enqueued, and answers with its ID.
func (s *Server) createJob(w http.ResponseWriter, r *http.Request, j *ttsc.Job, opts ttsc.JobOptions) error {
	if err := s.checkUnfinished(r, j.ProjectID); err != nil {
		return err
	}
	var err error
	if j.Options, err = json.Marshal(opts); err != nil {
		return err
	}
	stored, err := s.preparePreview(r.Context(), j, opts)
	if err != nil {
		return err
	}
	if !stored {
		if err := s.cfg.Jobs.CreateJob(r.Context(), j); err != nil {
			return err
		}
	}
	s.logger(r).Info("job created", "from_stored", stored, "job_id", j.ID, "type", j.Type, "voice", j.VoiceID, "format", j.Format,
		"runes", utf8.RuneCountInString(j.SynthesisText()))
	return writeJSON(w, http.StatusOK, jobIDResponse{JobID: j.ID})
}

// preparePreview answers a preview from stored files when it can
// (fromStored), and reports whether it did; otherwise, when an engine
// host is free, it starts reading the preview's first segment.
func (s *Server) preparePreview(ctx context.Context, j *ttsc.Job, opts ttsc.JobOptions) (bool, error) {
	if j.Type != ttsc.JobAudition || (s.cfg.Reuse == nil && s.cfg.EngineIdle == nil) {
		return false, nil
	}
	voice := s.voices[j.VoiceID]
	entries, err := speech.Entries(ctx, s.cfg.Vocabulary, j.ProjectID, j.VoiceID, opts.IsVocabularyConfigEnable)
	if err != nil {
		return false, err
	}
	prep, err := speech.Prepare(j.SynthesisText(), voice, entries, speech.Limits{})
	if err != nil || len(prep.Segments) == 0 {
		return false, nil // the worker fails the job with the reason
	}
	stored, err := s.fromStored(ctx, j, voice, prep)
	if err != nil || stored {
		return stored, err
	}
	if s.cfg.EngineIdle != nil && s.cfg.EngineIdle() {
		// The worker's read of this segment joins this one. Its own
		// deadline is the engine's: a client gone does not stop it.
		req := speech.Request(voice, j.Prosody, prep.Segments[0])
		go s.cfg.Engine.Synthesize(context.WithoutCancel(ctx), req)
	}
	return false, nil
}

// fromStored records a preview as done when every one of its segments
// was read before and is still stored: the job gets the earlier files,
// with word timings placed in its own text, and nothing is queued. It
// reports whether it did.
func (s *Server) fromStored(ctx context.Context, j *ttsc.Job, voice ttsc.Voice, prep *text.Prepared) (bool, error) {
	if s.cfg.Reuse == nil {
		return false, nil
	}
	files := make([]ttsc.File, len(prep.Segments))
	for i, seg := range prep.Segments {
		e, ok := s.cfg.Reuse.Get(reuse.Key(voice, j.Prosody, j.Format, seg))
		if !ok {
			return false, nil
		}
		f := e.File
		// The same segment may stand elsewhere in this text, or for
		// other characters (an alias), than in the earlier one.
		f.Index, f.Words = i, speech.FileWords(prep, seg, e.Words)
		files[i] = f
	}
	j.State, j.Code, j.Segments, j.Files = ttsc.JobSucceeded, "0", len(files), files
	if err := s.cfg.Jobs.RecordJob(ctx, j); err != nil {
		return false, err
	}
	s.cfg.Metrics.CacheHit()
	s.cfg.Metrics.JobEnded(string(j.Type), string(j.State), 0)
	return true, nil
}

// auditionFileResponse is ShowTtsAuditionFileResponse.
type auditionFileResponse struct {
	IsFileComplete bool           `json:"is_file_complete"`
	Code           string         `json:"code"`
	Message        string         `json:"message"`
	Files          []auditionFile `json:"files"`
}

type auditionFile struct {
	DownloadURL string `json:"download_url"`
	// Words is a ttsc extension, which MetaStudio's SDKs ignore: the
	// file's word timings (docs/api-notes.md), [] when there are none.
	Words []ttsc.WordTiming `json:"words"`
}

func (s *Server) handleShowAuditionFile(w http.ResponseWriter, r *http.Request) error {
	j, err := s.job(r, ttsc.JobAudition)
	if err != nil {
		return err
	}
	resp := auditionFileResponse{
		IsFileComplete: j.State.Ended(),
		Code:           "0",
		Message:        j.Message,
		Files:          []auditionFile{},
	}
	if j.State == ttsc.JobFailed {
		resp.Code = j.Code
	}
	for _, f := range j.Files {
		if f.Kind != ttsc.FileAudio {
			continue
		}
		u, err := s.DownloadURL(r.Context(), f)
		if err != nil {
			return err
		}
		words := f.Words
		if words == nil {
			words = []ttsc.WordTiming{}
		}
		resp.Files = append(resp.Files, auditionFile{DownloadURL: u, Words: words})
	}
	return writeJSON(w, http.StatusOK, resp)
}

// job loads the job named in the path, which must be of type t.
func (s *Server) job(r *http.Request, t ttsc.JobType) (*ttsc.Job, error) {
	id := r.PathValue("job_id")
	j, err := s.cfg.Jobs.Job(r.Context(), r.PathValue("project_id"), id)
	if err != nil {
		return nil, err
	}
	if j.Type != t {
		return nil, ttsc.Errorf(ttsc.ENOTFOUND, "job %s not found", id)
	}
	return j, nil
}

// checkText validates a text field: valid UTF-8, well-formed SSML when
// it is SSML, 1 to ttsc.MaxTextRunes code points to read, and not only
// white space when required.
func checkText(field string, v *string, required bool) (string, error) {
	if v == nil || *v == "" {
		if required {
			return "", ttsc.Errorf(ttsc.EINVALID, "field %s is required: 1 to %d characters", field, ttsc.MaxTextRunes)
		}
		return "", nil
	}
	if !utf8.ValidString(*v) {
		return "", ttsc.Errorf(ttsc.EINVALID, "field %s is not valid UTF-8", field)
	}
	// PostgreSQL cannot store NUL, and the engines' C strings end at it.
	if i := strings.IndexByte(*v, 0); i >= 0 {
		return "", ttsc.Errorf(ttsc.EINVALID, "field %s must not contain the NUL character (U+0000), found at character %d",
			field, utf8.RuneCountInString((*v)[:i])+1)
	}
	readable := *v
	if text.IsSSML(*v) {
		// The limit counts what is read, not the markup, which may add
		// up to as much again.
		if n := utf8.RuneCountInString(*v); n > 2*ttsc.MaxTextRunes {
			return "", ttsc.Errorf(ttsc.EINVALID, "field %s is %d characters long with its SSML markup; the limit is %d", field, n, 2*ttsc.MaxTextRunes)
		}
		p, err := text.Prepare(*v, text.Options{})
		if err != nil {
			return "", &ttsc.Error{Code: ttsc.EINVALID, Message: "field " + field + ": " + ttsc.ErrorMessage(err), Err: err}
		}
		readable = p.Display
	}
	if n := utf8.RuneCountInString(readable); n > ttsc.MaxTextRunes {
		return "", ttsc.Errorf(ttsc.EINVALID, "field %s is %d characters long; the limit is %d", field, n, ttsc.MaxTextRunes)
	}
	if strings.TrimSpace(readable) == "" {
		return "", ttsc.Errorf(ttsc.EINVALID, "field %s has nothing to read: it is only white space or markup", field)
	}
	return *v, nil
}

// checkProsody validates MetaStudio's audio parameters and fills defaults.
func checkProsody(speed, pitch, volume, channels *int32) (ttsc.Prosody, error) {
	for _, c := range []struct {
		field    string
		v        *int32
		min, max int
	}{
		{"speed", speed, ttsc.SpeedMin, ttsc.SpeedMax},
		{"pitch", pitch, ttsc.PitchMin, ttsc.PitchMax},
		{"volume", volume, ttsc.VolumeMin, ttsc.VolumeMax},
		{"channels", channels, ttsc.ChannelsMin, ttsc.ChannelsMax},
	} {
		if err := checkRange(c.field, c.v, c.min, c.max); err != nil {
			return ttsc.Prosody{}, err
		}
	}
	return ttsc.Prosody{
		Speed:    intOr(speed, ttsc.SpeedDefault),
		Pitch:    intOr(pitch, ttsc.PitchDefault),
		Volume:   intOr(volume, ttsc.VolumeDefault),
		Channels: intOr(channels, 1),
	}, nil
}

// voice resolves a voice asset ID given in field.
func (s *Server) voice(field string, id *string) (ttsc.Voice, error) {
	if id == nil || *id == "" {
		return ttsc.Voice{}, ttsc.Errorf(ttsc.EINVALID, "field %s is required: a voice asset ID (see GET /v1/{project_id}/digital-assets?asset_type=VOICE_MODEL)", field)
	}
	v, ok := s.voices[*id]
	if !ok {
		return ttsc.Voice{}, ttsc.Errorf(ttsc.ENOVOICE, "voice asset %q given in field %s does not exist", truncate(*id, 64), field)
	}
	return v, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
