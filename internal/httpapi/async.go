package httpapi

import (
	"net/http"
	"strings"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/netguard"
)

// asyncRequest is CreateAsyncTtsJobRequestBody.
type asyncRequest struct {
	synthesisRequest
	VoiceAssetID   *string `json:"voice_asset_id"`
	AudioFormat    *string `json:"audio_format"`
	NeedTimestamp  *bool   `json:"need_timestamp"`
	SilenceFlag    *bool   `json:"silence_flag"`
	SilenceTimeMs  *int32  `json:"silence_time_ms"`
	CallbackConfig *struct {
		CallbackURL *string `json:"callback_url"`
	} `json:"callback_config"`
	GenSRT                   *bool   `json:"gen_srt"`
	SRTLen                   *int64  `json:"srt_len"`
	SRTLineLimit             *int32  `json:"srt_line_limit"`
	SliceSegments            *bool   `json:"slice_segments"`
	OutputExternalURL        *string `json:"output_external_url"`
	SRTOutputExternalURL     *string `json:"srt_output_external_url"`
	ActionOutputExternalURL  *string `json:"action_output_external_url"`
	IsVocabularyConfigEnable *bool   `json:"is_vocabulary_config_enable"`
	IsConcurrentResource     *bool   `json:"is_concurrent_resource"`
	Priority                 *int32  `json:"priority"`
}

// maxURLLen bounds callback and upload URLs.
const maxURLLen = 2048

// destinations checks the callback and upload URLs of req against the
// operator's policies and records them in opts.
func (s *Server) destinations(req *asyncRequest, opts *ttsc.JobOptions) error {
	if cb := req.CallbackConfig; cb != nil {
		if cb.CallbackURL == nil || *cb.CallbackURL == "" {
			return ttsc.Errorf(ttsc.EINVALID, "field callback_config.callback_url is required when callback_config is given")
		}
		if err := checkURL("callback_config.callback_url", *cb.CallbackURL, s.cfg.Callbacks,
			"the operator can allow private hosts with --callback-allow"); err != nil {
			return err
		}
		opts.CallbackURL = *cb.CallbackURL
	}
	uploads := []struct {
		field    string
		value    *string
		dst      *string
		needs    bool
		needsMsg string
	}{
		{"output_external_url", req.OutputExternalURL, &opts.OutputExternalURL, true, ""},
		{"srt_output_external_url", req.SRTOutputExternalURL, &opts.SRTOutputExternalURL, opts.GenSRT, "gen_srt is true"},
		{"action_output_external_url", req.ActionOutputExternalURL, &opts.ActionOutputExternalURL, opts.NeedTimestamp, "need_timestamp is true"},
	}
	for _, u := range uploads {
		if u.value == nil || *u.value == "" {
			continue
		}
		if !u.needs {
			return ttsc.Errorf(ttsc.EINVALID, "field %s needs a file to upload: it is only accepted when %s", u.field, u.needsMsg)
		}
		if err := checkURL(u.field, *u.value, s.cfg.ExternalURLs,
			"the operator allows hosts with --external-url-allow"); err != nil {
			return err
		}
		*u.dst = *u.value
	}
	return nil
}

// checkURL checks a client-supplied destination against policy; a nil
// policy refuses every URL.
func checkURL(field, u string, policy *netguard.Policy, hint string) error {
	if len(u) > maxURLLen {
		return ttsc.Errorf(ttsc.EINVALID, "field %s must be at most %d characters, got %d", field, maxURLLen, len(u))
	}
	if policy == nil {
		return ttsc.Errorf(ttsc.EINVALID, "field %s: this server sends to no external hosts (%s)", field, hint)
	}
	if err := policy.CheckURL(u); err != nil {
		return ttsc.Errorf(ttsc.EINVALID, "field %s %v (%s)", field, strings.TrimSuffix(err.Error(), ": "+netguard.ErrDenied.Error()), hint)
	}
	return nil
}

func (s *Server) handleCreateAsyncJob(w http.ResponseWriter, r *http.Request) error {
	var req asyncRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	j, err := s.newJob(r, ttsc.JobAsync, &req.synthesisRequest, "voice_asset_id", req.VoiceAssetID)
	if err != nil {
		return err
	}
	format := ttsc.FormatWAV
	if req.AudioFormat != nil {
		switch f := ttsc.AudioFormat(strings.ToUpper(*req.AudioFormat)); f {
		case ttsc.FormatWAV, ttsc.FormatMP3:
			format = f
		default:
			return ttsc.Errorf(ttsc.EINVALID, "field audio_format must be WAV or MP3, got %q", truncate(*req.AudioFormat, 16))
		}
	}
	if err := checkRange("priority", req.Priority, 0, 10); err != nil {
		return err
	}
	if err := checkRange("silence_time_ms", req.SilenceTimeMs, 0, 5000); err != nil {
		return err
	}
	if err := checkRange("srt_line_limit", req.SRTLineLimit, 0, 5000); err != nil {
		return err
	}
	if req.SRTLen != nil && (*req.SRTLen < 0 || *req.SRTLen > 10000) {
		return ttsc.Errorf(ttsc.EINVALID, "field srt_len must be between 0 and 10000, got %d", *req.SRTLen)
	}
	opts := ttsc.JobOptions{
		IsVocabularyConfigEnable: req.IsVocabularyConfigEnable,
		NeedTimestamp:            req.NeedTimestamp != nil && *req.NeedTimestamp,
		GenSRT:                   req.GenSRT != nil && *req.GenSRT,
		SRTLineLimit:             intOr(req.SRTLineLimit, 1),
	}
	if req.SRTLen != nil {
		opts.SRTLen = int(*req.SRTLen)
	}
	if req.SilenceFlag != nil && *req.SilenceFlag {
		opts.SilenceMs = intOr(req.SilenceTimeMs, 2000)
	}
	if req.IsConcurrentResource != nil {
		opts.IsConcurrentResource = *req.IsConcurrentResource
	}
	if req.SliceSegments != nil {
		opts.SliceSegments = *req.SliceSegments
	}
	if err := s.destinations(&req, &opts); err != nil {
		return err
	}
	j.Format, j.Priority = format, intOr(req.Priority, 5)
	return s.createJob(w, r, j, opts)
}

// asyncJobResponse is ShowAsyncTtsJobResponse.
type asyncJobResponse struct {
	State              string `json:"state"`
	Code               string `json:"code"`
	Message            string `json:"message"`
	AudioFileURL       string `json:"audio_file_url,omitempty"`
	AudioInfoFileURL   string `json:"audio_info_file_url,omitempty"`
	AudioSRTFileURL    string `json:"audio_srt_file_url,omitempty"`
	AudioActionFileURL string `json:"audio_action_file_url,omitempty"`
}

func (s *Server) handleShowAsyncJob(w http.ResponseWriter, r *http.Request) error {
	j, err := s.job(r, ttsc.JobAsync)
	if err != nil {
		return err
	}
	resp := asyncJobResponse{State: string(j.State), Code: "0", Message: j.Message}
	if j.State == ttsc.JobFailed {
		resp.Code = j.Code
	}
	for _, f := range j.Files {
		u, err := s.DownloadURL(r.Context(), f)
		if err != nil {
			return err
		}
		switch f.Kind {
		case ttsc.FileAudio:
			if f.Index == 0 {
				resp.AudioFileURL = u
			}
		case ttsc.FileInfo:
			resp.AudioInfoFileURL = u
		case ttsc.FileSRT:
			resp.AudioSRTFileURL = u
		}
	}
	return writeJSON(w, http.StatusOK, resp)
}
