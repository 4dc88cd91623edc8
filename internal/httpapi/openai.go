package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/audio/mp3"
	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/speech"
	"github.com/openttsc/ttsc/internal/text"
	"github.com/openttsc/ttsc/internal/voices"
)

// openAIRequest is the body of OpenAI's POST /v1/audio/speech.
type openAIRequest struct {
	Model          *string         `json:"model"`
	Input          *string         `json:"input"`
	Voice          json.RawMessage `json:"voice"`
	ResponseFormat *string         `json:"response_format"`
	Speed          *float64        `json:"speed"`
	Instructions   *string         `json:"instructions"`
	StreamFormat   *string         `json:"stream_format"`
}

// openAIError is OpenAI's error body.
type openAIError struct {
	Error openAIErrorDetail `json:"error"`
}

type openAIErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// paramError is an EINVALID error about one request field.
type paramError struct {
	param string
	err   error
}

func (e *paramError) Error() string { return e.err.Error() }
func (e *paramError) Unwrap() error { return e.err }

func invalidParam(param, format string, args ...any) error {
	return &paramError{param, ttsc.Errorf(ttsc.EINVALID, format, args...)}
}

// handleOpenAISpeech is an OpenAI-compatible speech endpoint: a bearer
// token (made with `ttsc tokens create`) authenticates, and the audio
// streams back as the engine reads it, segment by segment.
func (s *Server) handleOpenAISpeech(w http.ResponseWriter, r *http.Request) error {
	if err := s.openAISpeech(w, r); err != nil {
		s.writeOpenAIError(w, r, err)
	}
	return nil
}

func (s *Server) openAISpeech(w http.ResponseWriter, r *http.Request) error {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return ttsc.Errorf(ttsc.EUNAUTHORIZED, "send a ttsc token as \"Authorization: Bearer TOKEN\" (make one with `ttsc tokens create`)")
	}
	tok, err := s.cfg.Credentials.Token(r.Context(), auth.HashToken(strings.TrimSpace(token)), s.cfg.Now())
	if ttsc.ErrorCode(err) == ttsc.ENOTFOUND {
		return ttsc.Errorf(ttsc.EUNAUTHORIZED, "the token is unknown or has expired")
	}
	if err != nil {
		return err
	}
	if err := s.limiter.allow(tok.ProjectID, FamilySynthesis, s.cfg.Now()); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		return err
	}
	var req openAIRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return ttsc.Errorf(ttsc.EINVALID, "the body is not a JSON object: %v", err)
	}
	if req.Model == nil || *req.Model == "" {
		return invalidParam("model", "model is required (any value: ttsc has one model per voice)")
	}
	// The same rules as every text of the API: UTF-8, SSML well-formed,
	// 1 to 10,000 characters to read.
	if _, err := checkText("input", req.Input, true); err != nil {
		return &paramError{"input", err}
	}
	voice, err := s.openAIVoice(req.Voice)
	if err != nil {
		return err
	}
	format := "mp3"
	if req.ResponseFormat != nil {
		format = strings.ToLower(*req.ResponseFormat)
	}
	switch format {
	case "mp3", "wav", "pcm":
	case "opus", "aac", "flac":
		return invalidParam("response_format", "response_format %q is not available here; use mp3, wav or pcm", format)
	default:
		return invalidParam("response_format", "response_format must be mp3, wav or pcm, got %q", truncate(format, 16))
	}
	if req.StreamFormat != nil && *req.StreamFormat != "audio" {
		return invalidParam("stream_format", "stream_format must be audio; sse is not available here")
	}
	prosody := ttsc.DefaultProsody()
	if req.Speed != nil {
		sp := *req.Speed
		if math.IsNaN(sp) || sp < 0.25 || sp > 4 {
			return invalidParam("speed", "speed must be between 0.25 and 4.0, got %v", sp)
		}
		prosody.Speed = int(math.Round(sp * 100))
	}
	entries, err := speech.Entries(r.Context(), s.cfg.Vocabulary, tok.ProjectID, voice.ID, nil)
	if err != nil {
		return err
	}
	prep, err := speech.Prepare(*req.Input, voice, entries, speech.Limits{})
	if err != nil {
		return &paramError{"input", err}
	}
	if s.cfg.Engine == nil {
		return ttsc.Errorf(ttsc.EUNAVAILABLE, "this server has no engines for synchronous speech")
	}
	s.logger(r).Info("openai speech", "project_id", tok.ProjectID, "voice", voice.ID, "format", format, "runes", utf8.RuneCountInString(*req.Input))
	return s.streamSpeech(w, r, voice, prosody, prep, format)
}

// streamSpeech writes the audio segment by segment. Once the first bytes
// are out an error can no longer change the status, so it aborts the
// response and the client sees a broken stream.
func (s *Server) streamSpeech(w http.ResponseWriter, r *http.Request, voice ttsc.Voice, p ttsc.Prosody, prep *text.Prepared, format string) error {
	started := false
	rc := http.NewResponseController(w)
	err := speech.Reader{Engine: s.cfg.Engine, Metrics: s.cfg.Metrics}.Speak(r.Context(), voice, p, prep, func(i int, sp *ttsc.Speech) error {
		var chunk []byte
		switch format {
		case "mp3":
			b, err := mp3.Encode(sp.Samples, sp.SampleRate, 1, 0)
			if err != nil {
				return err
			}
			chunk = b
		default:
			chunk = audio.PCMBytes(sp.Samples) // written before Speak reuses them
		}
		if !started {
			started = true
			w.Header().Set("Content-Type", map[string]string{"mp3": "audio/mpeg", "wav": "audio/wav", "pcm": "audio/pcm"}[format])
			w.Header().Set("X-Sample-Rate", strconv.Itoa(sp.SampleRate))
			w.WriteHeader(http.StatusOK)
			if format == "wav" {
				if _, err := w.Write(audio.StreamWAVHeader(sp.SampleRate, 1)); err != nil {
					return err
				}
			}
		}
		if _, err := w.Write(chunk); err != nil {
			return err
		}
		return rc.Flush()
	})
	if err != nil && started {
		s.logger(r).Warn("openai speech stream broken", "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// openAIVoice resolves OpenAI's voice: a name of theirs, a catalogue
// asset ID, an engine voice ("rms", "en-us+f5") or a catalogue name, as a
// string or as {"id": ...}.
func (s *Server) openAIVoice(raw json.RawMessage) (ttsc.Voice, error) {
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		var obj struct {
			ID string `json:"id"`
		}
		if len(raw) == 0 || json.Unmarshal(raw, &obj) != nil || obj.ID == "" {
			return ttsc.Voice{}, invalidParam("voice", "voice is required: an OpenAI voice name (alloy, echo, …), a ttsc voice asset ID or a voice name")
		}
		name = obj.ID
	}
	if v, ok := voices.Resolve(s.cfg.Voices, name); ok {
		return v, nil
	}
	return ttsc.Voice{}, &paramError{"voice", ttsc.Errorf(ttsc.ENOVOICE, "voice %q is neither an OpenAI voice name nor a ttsc voice (see GET /v1/{project_id}/digital-assets)", truncate(name, 64))}
}

// writeOpenAIError answers with OpenAI's error body.
func (s *Server) writeOpenAIError(w http.ResponseWriter, r *http.Request, err error) {
	status, typ := http.StatusInternalServerError, "server_error"
	msg := ttsc.ErrorMessage(err)
	var mbe *http.MaxBytesError
	switch code := ttsc.ErrorCode(err); {
	case errors.As(err, &mbe):
		status, typ, msg = http.StatusRequestEntityTooLarge, "invalid_request_error", tooLargeMessage(mbe.Limit)
	case code == ttsc.EINVALID || code == ttsc.ENOVOICE || code == ttsc.EBADJSON:
		status, typ = http.StatusBadRequest, "invalid_request_error"
	case code == ttsc.EUNAUTHORIZED:
		status, typ = http.StatusUnauthorized, "invalid_request_error"
	case code == ttsc.EUNAVAILABLE:
		status = http.StatusServiceUnavailable
	case code == ttsc.ETOOMANY:
		status, typ = http.StatusTooManyRequests, "rate_limit_exceeded"
	}
	setRetryAfter(w, err)
	body := openAIError{Error: openAIErrorDetail{Message: msg, Type: typ}}
	var pe *paramError
	if errors.As(err, &pe) {
		body.Error.Param = &pe.param
	}
	if status == http.StatusUnauthorized {
		c := "invalid_api_key"
		body.Error.Code = &c
	}
	if status >= 500 {
		s.logger(r).Error("openai speech failed", "status", status, "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
