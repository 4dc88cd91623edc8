package httpapi

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/text"
)

// Limits of pronunciation entries.
const (
	maxVocabularyKey   = 100
	maxVocabularyValue = 500
	maxGroupName       = 64
)

// sayAsValues are the readings a SAY_AS entry may ask for.
var sayAsValues = []string{"date", "number", "figure", "telephone", "spell", "english"}

// pinyin is one or more syllables with tone digits: "chong2 qing4".
var pinyin = regexp.MustCompile(`^[a-zü]+[1-5]( [a-zü]+[1-5])*$`)

type vocabularyRequest struct {
	Type    *string `json:"type"`
	Key     *string `json:"key"`
	Value   *string `json:"value"`
	GroupID *string `json:"group_id"`
}

type idResponse struct {
	ID string `json:"id"`
}

type vocabularyJSON struct {
	ID         string `json:"id"`
	Key        string `json:"key"`
	Value      string `json:"value"`
	Type       string `json:"type"`
	GroupID    string `json:"group_id"`
	CreateTime string `json:"create_time"`
	UpdateTime string `json:"update_time"`
}

type vocabularyListResponse struct {
	Count int              `json:"count"`
	Data  []vocabularyJSON `json:"data"`
}

// vocabulary validates a create or update body into an entry.
func (s *Server) vocabulary(r *http.Request, id string) (*ttsc.Vocabulary, error) {
	var req vocabularyRequest
	if err := decodeJSON(r, &req); err != nil {
		return nil, err
	}
	v := &ttsc.Vocabulary{ID: id, ProjectID: r.PathValue("project_id")}
	if req.Type == nil || !slices.Contains(ttsc.VocabularyTypes(), ttsc.VocabularyType(*req.Type)) {
		return nil, ttsc.Errorf(ttsc.EINVALID, "field type must be one of CHINESE_G2P, PHONETIC_SYMBOL, CONTINUUM, ALIAS, SAY_AS")
	}
	v.Type = ttsc.VocabularyType(*req.Type)
	if req.Key != nil {
		v.Key = strings.TrimSpace(*req.Key)
	}
	if req.Value != nil {
		v.Value = strings.TrimSpace(*req.Value)
	}
	if req.GroupID != nil {
		v.GroupID = *req.GroupID
	}
	if n := utf8.RuneCountInString(v.Key); n == 0 || n > maxVocabularyKey {
		return nil, ttsc.Errorf(ttsc.EINVALID, "field key must be 1 to %d characters, got %d", maxVocabularyKey, n)
	}
	if n := utf8.RuneCountInString(v.Value); n > maxVocabularyValue || n == 0 && v.Type != ttsc.VocabularyContinuum {
		return nil, ttsc.Errorf(ttsc.EINVALID, "field value must be 1 to %d characters for type %s, got %d", maxVocabularyValue, v.Type, n)
	}
	switch v.Type {
	case ttsc.VocabularySayAs:
		if !slices.Contains(sayAsValues, v.Value) {
			return nil, ttsc.Errorf(ttsc.EINVALID, "field value of a SAY_AS entry must be one of %s, got %q", strings.Join(sayAsValues, ", "), truncate(v.Value, 32))
		}
	case ttsc.VocabularyPhonetic:
		if _, err := text.EspeakPhonemes(v.Value); err != nil {
			return nil, ttsc.Errorf(ttsc.EINVALID, "field value of a PHONETIC_SYMBOL entry must be English IPA, such as \"təˈmɑːtəʊ\": %v", err)
		}
	case ttsc.VocabularyG2P:
		v.Value = strings.ToLower(strings.Join(strings.Fields(v.Value), " "))
		han := 0
		for _, c := range v.Key {
			if unicode.Is(unicode.Han, c) {
				han++
			}
		}
		if !pinyin.MatchString(v.Value) {
			return nil, ttsc.Errorf(ttsc.EINVALID, "field value of a CHINESE_G2P entry must be pinyin syllables with tone digits 1-5, such as \"chong2 qing4\", got %q", truncate(v.Value, 64))
		}
		if n := len(strings.Fields(v.Value)); n != han || han != utf8.RuneCountInString(v.Key) {
			return nil, ttsc.Errorf(ttsc.EINVALID, "a CHINESE_G2P entry needs one pinyin syllable per Chinese character of its key: key %q has %d characters, value has %d syllables", v.Key, utf8.RuneCountInString(v.Key), n)
		}
	}
	return v, nil
}

func (s *Server) handleCreateVocabulary(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vocabulary(r, NewID())
	if err != nil {
		return err
	}
	if err := s.cfg.Vocabulary.CreateVocabulary(r.Context(), v); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, idResponse{ID: v.ID})
}

func (s *Server) handleUpdateVocabulary(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vocabulary(r, r.PathValue("vocabulary_id"))
	if err != nil {
		return err
	}
	if err := s.cfg.Vocabulary.UpdateVocabulary(r.Context(), v); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, idResponse{ID: v.ID})
}

func (s *Server) handleDeleteVocabularies(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ID []string `json:"id"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if len(req.ID) == 0 || len(req.ID) > 1000 {
		return ttsc.Errorf(ttsc.EINVALID, "field id must list 1 to 1000 vocabulary IDs, got %d", len(req.ID))
	}
	if _, err := s.cfg.Vocabulary.DeleteVocabularies(r.Context(), r.PathValue("project_id"), req.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) handleListVocabularies(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, limit, err := paging(q, 10, 100)
	if err != nil {
		return err
	}
	f := ttsc.VocabularyFilter{
		ProjectID: r.PathValue("project_id"), GroupID: q.Get("group_id"), AssetID: q.Get("asset_id"),
		SearchKey: q.Get("search_key"), Offset: offset, Limit: limit,
	}
	if t := q.Get("type"); t != "" {
		if !slices.Contains(ttsc.VocabularyTypes(), ttsc.VocabularyType(t)) {
			return ttsc.Errorf(ttsc.EINVALID, "query parameter type must be one of CHINESE_G2P, PHONETIC_SYMBOL, CONTINUUM, ALIAS, SAY_AS, got %q", truncate(t, 32))
		}
		f.Type = ttsc.VocabularyType(t)
	}
	if f.CreatedSince, err = parseTime("start_time", q.Get("start_time")); err != nil {
		return err
	}
	if f.CreatedUntil, err = parseTime("end_time", q.Get("end_time")); err != nil {
		return err
	}
	vs, total, err := s.cfg.Vocabulary.ListVocabularies(r.Context(), f)
	if err != nil {
		return err
	}
	resp := vocabularyListResponse{Count: total, Data: []vocabularyJSON{}}
	for _, v := range vs {
		resp.Data = append(resp.Data, vocabularyJSON{
			ID: v.ID, Key: v.Key, Value: v.Value, Type: string(v.Type), GroupID: v.GroupID,
			CreateTime: v.CreatedAt.UTC().Format(time.RFC3339), UpdateTime: v.UpdatedAt.UTC().Format(time.RFC3339),
		})
	}
	return writeJSON(w, http.StatusOK, resp)
}

// groupName validates the body of a group create or rename.
func groupName(r *http.Request) (string, error) {
	var req struct {
		GroupName *string `json:"group_name"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return "", err
	}
	if req.GroupName == nil {
		return "", ttsc.Errorf(ttsc.EINVALID, "field group_name is required: 1 to %d characters", maxGroupName)
	}
	name := strings.TrimSpace(*req.GroupName)
	if n := utf8.RuneCountInString(name); n == 0 || n > maxGroupName {
		return "", ttsc.Errorf(ttsc.EINVALID, "field group_name must be 1 to %d characters, got %d", maxGroupName, n)
	}
	return name, nil
}

func (s *Server) handleCreateGroup(w http.ResponseWriter, r *http.Request) error {
	name, err := groupName(r)
	if err != nil {
		return err
	}
	g := &ttsc.VocabularyGroup{ID: NewID(), ProjectID: r.PathValue("project_id"), Name: name}
	if err := s.cfg.Vocabulary.CreateGroup(r.Context(), g); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, idResponse{ID: g.ID})
}

func (s *Server) handleRenameGroup(w http.ResponseWriter, r *http.Request) error {
	name, err := groupName(r)
	if err != nil {
		return err
	}
	id := r.PathValue("group_id")
	if err := s.cfg.Vocabulary.RenameGroup(r.Context(), r.PathValue("project_id"), id, name); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, idResponse{ID: id})
}

func (s *Server) handleDeleteGroup(w http.ResponseWriter, r *http.Request) error {
	if err := s.cfg.Vocabulary.DeleteGroup(r.Context(), r.PathValue("project_id"), r.PathValue("group_id")); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) handleSetGroupAssets(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		AssetIDs *[]string `json:"asset_ids"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.AssetIDs == nil {
		return ttsc.Errorf(ttsc.EINVALID, "field asset_ids is required: the voice asset IDs the group applies to (may be empty)")
	}
	for i := range *req.AssetIDs {
		if _, err := s.voice("asset_ids", &(*req.AssetIDs)[i]); err != nil {
			return err
		}
	}
	id := r.PathValue("group_id")
	if err := s.cfg.Vocabulary.SetGroupAssets(r.Context(), r.PathValue("project_id"), id, *req.AssetIDs); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, idResponse{ID: id})
}

type groupJSON struct {
	GroupID   string   `json:"group_id"`
	GroupName string   `json:"group_name"`
	AssetIDs  []string `json:"asset_ids"`
}

func (s *Server) handleListGroups(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, limit, err := paging(q, 10, 100)
	if err != nil {
		return err
	}
	gs, total, err := s.cfg.Vocabulary.ListGroups(r.Context(), r.PathValue("project_id"), q.Get("group_id"), offset, limit)
	if err != nil {
		return err
	}
	resp := struct {
		Count int         `json:"count"`
		Data  []groupJSON `json:"data"`
	}{Count: total, Data: []groupJSON{}}
	for _, g := range gs {
		resp.Data = append(resp.Data, groupJSON{GroupID: g.ID, GroupName: g.Name, AssetIDs: append([]string{}, g.AssetIDs...)})
	}
	return writeJSON(w, http.StatusOK, resp)
}

type tenantConfigJSON struct {
	ID    string `json:"id"`
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (s *Server) handleSaveTenantConfig(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		ID    *string         `json:"id"`
		Key   *string         `json:"key"`
		Value json.RawMessage `json:"value"`
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Key == nil || *req.Key != ttsc.VocabularySwitch {
		return ttsc.Errorf(ttsc.EINVALID, "field key must be %q, the only tenant setting", ttsc.VocabularySwitch)
	}
	// MetaStudio's own example sends a boolean; its SDK sends a string.
	var value string
	if err := json.Unmarshal(req.Value, &value); err != nil {
		var b bool
		if json.Unmarshal(req.Value, &b) != nil {
			return ttsc.Errorf(ttsc.EINVALID, "field value must be true or false (a boolean or a string)")
		}
		value = strconv.FormatBool(b)
	}
	if value != "true" && value != "false" {
		return ttsc.Errorf(ttsc.EINVALID, "field value must be true or false, got %q", truncate(value, 16))
	}
	c := &ttsc.TenantConfig{ID: NewID(), ProjectID: r.PathValue("project_id"), Key: *req.Key, Value: value}
	if err := s.cfg.Vocabulary.SaveTenantConfig(r.Context(), c); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) handleListTenantConfigs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, limit, err := paging(q, 10, 1000)
	if err != nil {
		return err
	}
	cs, err := s.cfg.Vocabulary.TenantConfigs(r.Context(), r.PathValue("project_id"), q.Get("key"))
	if err != nil {
		return err
	}
	resp := struct {
		Count int                `json:"count"`
		Data  []tenantConfigJSON `json:"data"`
	}{Count: len(cs), Data: []tenantConfigJSON{}}
	for i := offset; i < len(cs) && i < offset+limit; i++ {
		resp.Data = append(resp.Data, tenantConfigJSON{ID: cs[i].ID, Key: cs[i].Key, Value: cs[i].Value})
	}
	return writeJSON(w, http.StatusOK, resp)
}
