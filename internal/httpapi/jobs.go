package httpapi

import (
	"encoding/json"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/openttsc/ttsc"
)

// ttsJobDetail is TtsJobDetail, one record of ShowTtsJob.
type ttsJobDetail struct {
	JobID          string       `json:"job_id"`
	AssetID        string       `json:"asset_id"`
	TextLength     int          `json:"text_length"`
	CreateTime     string       `json:"create_time"`
	AudioFormat    string       `json:"audio_format"`
	NeedTimestamp  bool         `json:"need_timestamp"`
	GenSRT         bool         `json:"gen_srt"`
	JobType        string       `json:"job_type"`
	JobState       string       `json:"job_state"`
	FailMsg        string       `json:"fail_msg"`
	WebSocketJobID string       `json:"websocket_job_id,omitempty"`
	Files          []ttsJobFile `json:"files"`
}

// ttsJobFile is TtsJobFile: the URLs of one audio file and its companions.
type ttsJobFile struct {
	AudioFileURL       string `json:"audio_file_url,omitempty"`
	AudioInfoFileURL   string `json:"audio_info_file_url,omitempty"`
	AudioSRTFileURL    string `json:"audio_srt_file_url,omitempty"`
	AudioActionFileURL string `json:"audio_action_file_url,omitempty"`
}

type ttsJobListResponse struct {
	Count int            `json:"count"`
	Data  []ttsJobDetail `json:"data"`
}

// parseTime reads an RFC 3339 query parameter.
func parseTime(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, ttsc.Errorf(ttsc.EINVALID, "query parameter %s must be an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", name, truncate(v, 40))
	}
	return t, nil
}

func (s *Server) handleListJobs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, limit, err := paging(q, 10, 100)
	if err != nil {
		return err
	}
	f := ttsc.JobFilter{ProjectID: r.PathValue("project_id"), ID: q.Get("job_id"), Offset: offset, Limit: limit}
	if f.CreatedSince, err = parseTime("create_since", q.Get("create_since")); err != nil {
		return err
	}
	if f.CreatedUntil, err = parseTime("create_until", q.Get("create_until")); err != nil {
		return err
	}
	switch t := ttsc.JobType(q.Get("job_type")); t {
	case "", ttsc.JobAudition, ttsc.JobAsync, ttsc.JobWebSocket:
		f.Type = t
	default:
		return ttsc.Errorf(ttsc.EINVALID, "query parameter job_type must be AUDITION, ASYNC_JOB or WEBSOCKET, got %q", truncate(string(t), 32))
	}
	resp := ttsJobListResponse{Data: []ttsJobDetail{}}
	// ttsc's engines are none of MetaStudio's engine versions, so a
	// filter on one matches nothing.
	if q.Get("tts_service_enum") == "" {
		jobs, total, err := s.cfg.Jobs.ListJobs(r.Context(), f)
		if err != nil {
			return err
		}
		resp.Count = total
		for _, j := range jobs {
			d, err := s.jobDetail(r, j)
			if err != nil {
				return err
			}
			resp.Data = append(resp.Data, d)
		}
	}
	return writeJSON(w, http.StatusOK, resp)
}

func (s *Server) jobDetail(r *http.Request, j *ttsc.Job) (ttsJobDetail, error) {
	d := ttsJobDetail{
		JobID:       j.ID,
		AssetID:     j.VoiceID,
		TextLength:  utf8.RuneCountInString(j.Text),
		CreateTime:  j.CreatedAt.UTC().Format(time.RFC3339),
		AudioFormat: string(j.Format),
		JobType:     string(j.Type),
		JobState:    string(j.State),
		Files:       []ttsJobFile{},
	}
	if j.State == ttsc.JobFailed {
		d.FailMsg = j.Message
	}
	var opts ttsc.JobOptions
	if len(j.Options) > 0 && json.Unmarshal(j.Options, &opts) == nil {
		d.NeedTimestamp, d.GenSRT, d.WebSocketJobID = opts.NeedTimestamp, opts.GenSRT, opts.WebSocketJobID
	}
	for _, f := range j.Files {
		if f.Kind != ttsc.FileAudio {
			continue
		}
		u, err := s.DownloadURL(r.Context(), f)
		if err != nil {
			return d, err
		}
		d.Files = append(d.Files, ttsJobFile{AudioFileURL: u})
	}
	return d, nil
}
