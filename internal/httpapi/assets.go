package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/openttsc/ttsc"
)

// systemVoiceTime is the create and update time reported for built-in
// voices: they exist as long as the release does.
const systemVoiceTime = "2026-01-01T00:00:00Z"

// digitalAsset is DigitalAssetInfo, restricted to what a voice has.
type digitalAsset struct {
	ProjectID        string          `json:"project_id"`
	AssetID          string          `json:"asset_id"`
	AssetName        string          `json:"asset_name"`
	AssetDescription string          `json:"asset_description"`
	CreateTime       string          `json:"create_time"`
	UpdateTime       string          `json:"update_time"`
	AssetType        string          `json:"asset_type"`
	AssetState       string          `json:"asset_state"`
	Tags             []string        `json:"tags"`
	AssetExtraMeta   assetExtraMeta  `json:"asset_extra_meta"`
	SystemProperties []systemProp    `json:"system_properties"`
	Files            []assetFileInfo `json:"files"`
	AssetOrder       int             `json:"asset_order"`
}

type systemProp struct {
	Action string `json:"action"`
	Key    string `json:"key"`
	Value  string `json:"value"`
}

type assetExtraMeta struct {
	VoiceModelMeta voiceModelMeta `json:"voice_model_meta"`
}

type voiceModelMeta struct {
	Order           int             `json:"order"`
	ModelType       string          `json:"model_type"`
	Sex             string          `json:"sex"`
	Language        string          `json:"language"`
	SpeedRatio      float32         `json:"speed_ratio"`
	VolumeRatio     float32         `json:"volume_ratio"`
	IsRealtimeVoice bool            `json:"is_realtime_voice"`
	VoiceCapability voiceCapability `json:"voice_capability"`
}

type voiceCapability struct {
	IsSupportPhonemeEn     bool `json:"is_support_phoneme_en"`
	IsSupportPhoneme       bool `json:"is_support_phoneme"`
	IsSupportBreakTime     bool `json:"is_support_break_time"`
	IsSupportBreakStrength bool `json:"is_support_break_strength"`
	IsSupportSpeed         bool `json:"is_support_speed"`
	IsSupportProsody       bool `json:"is_support_prosody"`
	IsSupportSsmlSayAs     bool `json:"is_support_ssml_say_as"`
	IsSupportSsmlSub       bool `json:"is_support_ssml_sub"`
	IsSupportWord          bool `json:"is_support_word"`
	IsSupportSrt           bool `json:"is_support_srt"`
}

type assetFileInfo struct {
	FileID            string `json:"file_id"`
	FileName          string `json:"file_name"`
	FileType          string `json:"file_type"`
	AssetFileCategory string `json:"asset_file_category"`
	State             string `json:"state"`
}

func toAsset(project string, v ttsc.Voice) digitalAsset {
	return digitalAsset{
		ProjectID:        project,
		AssetID:          v.ID,
		AssetName:        v.Name,
		AssetDescription: v.Description,
		CreateTime:       systemVoiceTime,
		UpdateTime:       systemVoiceTime,
		AssetType:        "VOICE_MODEL",
		AssetState:       "ACTIVED",
		Tags:             voiceTags(v),
		AssetExtraMeta: assetExtraMeta{VoiceModelMeta: voiceModelMeta{
			Order:           v.Order,
			ModelType:       "COMMON",
			Sex:             v.Sex,
			Language:        v.Language,
			SpeedRatio:      1,
			VolumeRatio:     1,
			IsRealtimeVoice: true,
			VoiceCapability: voiceCapability{IsSupportSpeed: true},
		}},
		SystemProperties: []systemProp{
			{Action: "ENGINE", Key: "engine", Value: v.Engine},
			{Action: "ENGINE", Key: "engine_voice", Value: v.EngineVoice},
			{Action: "LOCALE", Key: "locale", Value: v.Locale},
		},
		Files:      []assetFileInfo{},
		AssetOrder: v.Order,
	}
}

func voiceTags(v ttsc.Voice) []string {
	tags := []string{v.Engine, v.Locale}
	if v.Preset {
		tags = append(tags, "preset", v.Region)
	}
	return tags
}

type listAssetsResponse struct {
	Count  int            `json:"count"`
	Assets []digitalAsset `json:"assets"`
}

func (s *Server) handleListAssets(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, limit, err := paging(q, 10, 100)
	if err != nil {
		return err
	}
	var match []ttsc.Voice
	if voiceAssetsWanted(q) {
		for _, v := range s.cfg.Voices {
			if voiceMatches(v, q) {
				match = append(match, v)
			}
		}
	}
	slices.SortStableFunc(match, func(a, b ttsc.Voice) int { return a.Order - b.Order })
	if strings.EqualFold(q.Get("sort_dir"), "desc") {
		slices.Reverse(match)
	}
	resp := listAssetsResponse{Count: len(match), Assets: []digitalAsset{}}
	project := r.PathValue("project_id")
	for i := offset; i < len(match) && i < offset+limit; i++ {
		resp.Assets = append(resp.Assets, toAsset(project, match[i]))
	}
	return writeJSON(w, http.StatusOK, resp)
}

// voiceAssetsWanted reports whether the query asks for assets that voices
// can be: built-in voices are SYSTEM assets of type VOICE_MODEL in state
// ACTIVED. A query without asset_source lists them too, since a project
// has no customised voices of its own.
func voiceAssetsWanted(q url.Values) bool {
	if !listHas(q.Get("asset_type"), "VOICE_MODEL") || !listHas(q.Get("asset_state"), "ACTIVED") {
		return false
	}
	switch strings.ToUpper(q.Get("asset_source")) {
	case "", "SYSTEM", "ALL":
		return true
	}
	return false
}

func voiceMatches(v ttsc.Voice, q url.Values) bool {
	if !listHas(q.Get("language"), v.Language) || !listHas(q.Get("sex"), v.Sex) {
		return false
	}
	if name := q.Get("name"); name != "" && !strings.Contains(strings.ToLower(v.Name), strings.ToLower(name)) {
		return false
	}
	if tag := q.Get("tag"); tag != "" && !slices.ContainsFunc(voiceTags(v), func(t string) bool {
		return strings.Contains(strings.ToLower(t), strings.ToLower(tag))
	}) {
		return false
	}
	if ids := q["asset_id"]; len(ids) > 0 && !slices.ContainsFunc(ids, func(id string) bool { return listHas(id, v.ID) }) {
		return false
	}
	return true
}

// listHas reports whether the comma-separated list is empty or holds v
// (case-insensitively, as MetaStudio's enum values mix cases).
func listHas(list, v string) bool {
	if list == "" {
		return true
	}
	for _, item := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(item), v) {
			return true
		}
	}
	return false
}

// paging reads offset and limit with MetaStudio's ranges.
func paging(q url.Values, defLimit, maxLimit int) (offset, limit int, err error) {
	limit = defLimit
	if s := q.Get("limit"); s != "" {
		limit, err = strconv.Atoi(s)
		if err != nil || limit < 1 || limit > maxLimit {
			return 0, 0, ttsc.Errorf(ttsc.EINVALID, "query parameter limit must be an integer between 1 and %d, got %q", maxLimit, s)
		}
	}
	if s := q.Get("offset"); s != "" {
		offset, err = strconv.Atoi(s)
		if err != nil || offset < 0 || offset > 2147483647 {
			return 0, 0, ttsc.Errorf(ttsc.EINVALID, "query parameter offset must be an integer between 0 and 2147483647, got %q", s)
		}
	}
	return offset, limit, nil
}

func (s *Server) handleShowAsset(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("asset_id")
	v, err := s.voice("asset_id", &id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAsset(r.PathValue("project_id"), v))
}

// checkVoiceResponse is CheckVoiceAssetResponse.
type checkVoiceResponse struct {
	AssetID        string             `json:"asset_id"`
	AssetName      string             `json:"asset_name"`
	AssetType      string             `json:"asset_type"`
	AssetState     string             `json:"asset_state"`
	CreateTime     string             `json:"create_time"`
	UpdateTime     string             `json:"update_time"`
	AssetExtraMeta checkVoiceMetaWrap `json:"asset_extra_meta"`
	Files          []assetFileInfo    `json:"files"`
}

type checkVoiceMetaWrap struct {
	VoiceModelMeta checkVoiceMeta `json:"voice_model_meta"`
}

type checkVoiceMeta struct {
	Sex         string  `json:"sex"`
	Language    string  `json:"language"`
	SpeedRatio  float32 `json:"speed_ratio"`
	VolumeRatio float32 `json:"volume_ratio"`
}

func (s *Server) handleCheckVoiceAsset(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("voice_asset_id")
	v, err := s.voice("voice_asset_id", &id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, checkVoiceResponse{
		AssetID:    v.ID,
		AssetName:  v.Name,
		AssetType:  "VOICE_MODEL",
		AssetState: "ACTIVED",
		CreateTime: systemVoiceTime,
		UpdateTime: systemVoiceTime,
		AssetExtraMeta: checkVoiceMetaWrap{VoiceModelMeta: checkVoiceMeta{
			Sex: v.Sex, Language: v.Language, SpeedRatio: 1, VolumeRatio: 1,
		}},
		Files: []assetFileInfo{},
	})
}
