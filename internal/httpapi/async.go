package httpapi

import (
	"net/http"
	"strings"

	"github.com/openttsc/ttsc"
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

// notYet refuses a field whose behaviour ttsc does not implement yet,
// rather than accepting it and silently doing nothing.
func notYet(field string) error {
	return ttsc.Errorf(ttsc.EINVALID, "field %s is not supported by this server yet; leave it out (see docs/api-notes.md)", field)
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
	switch {
	case req.CallbackConfig != nil:
		return notYet("callback_config")
	case req.OutputExternalURL != nil && *req.OutputExternalURL != "":
		return notYet("output_external_url")
	case req.SRTOutputExternalURL != nil && *req.SRTOutputExternalURL != "":
		return notYet("srt_output_external_url")
	case req.ActionOutputExternalURL != nil && *req.ActionOutputExternalURL != "":
		return notYet("action_output_external_url")
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
		u, err := s.downloadURL(r.Context(), f.Key)
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
