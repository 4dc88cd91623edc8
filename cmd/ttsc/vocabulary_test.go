package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc/internal/audio"
)

func TestVocabularyOperations(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	types := model.GetSaveTtscVocabularyConfigsRequestBodyTypeEnum()
	cn := voiceID(t, "CN")

	group, err := c.CreateTtscVocabularyGroups(&model.CreateTtscVocabularyGroupsRequest{Body: &model.SaveTtscVocabularyGroupsRequestBody{GroupName: ptr("places")}})
	if err != nil {
		t.Fatal(err)
	}
	gid := *group.Id
	if _, err := c.SetTtscGroupAssets(&model.SetTtscGroupAssetsRequest{GroupId: gid, Body: &model.SetTtscGroupAssetsRequestBody{AssetIds: &[]string{cn}}}); err != nil {
		t.Fatal(err)
	}
	alias, err := c.CreateTtscVocabularyConfigs(&model.CreateTtscVocabularyConfigsRequest{Body: &model.SaveTtscVocabularyConfigsRequestBody{
		Type: types.ALIAS, Key: ptr("WHO"), Value: ptr("World Health Organization")}})
	if err != nil {
		t.Fatal(err)
	}
	g2p, err := c.CreateTtscVocabularyConfigs(&model.CreateTtscVocabularyConfigsRequest{Body: &model.SaveTtscVocabularyConfigsRequestBody{
		Type: types.CHINESE_G2_P, Key: ptr("重庆"), Value: ptr("chong2 qing4"), GroupId: &gid}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SaveTtscVocabularyConfigs(&model.SaveTtscVocabularyConfigsRequest{VocabularyId: *alias.Id, Body: &model.SaveTtscVocabularyConfigsRequestBody{
		Type: types.ALIAS, Key: ptr("WHO"), Value: ptr("W. H. O.")}}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListTtscVocabularyConfigs(&model.ListTtscVocabularyConfigsRequest{SearchKey: ptr("w. h")})
	if err != nil {
		t.Fatal(err)
	}
	if *list.Count != 1 || *(*list.Data)[0].Value != "W. H. O." {
		t.Errorf("search: %d entries %+v", *list.Count, list.Data)
	}
	byVoice, err := c.ListTtscVocabularyConfigs(&model.ListTtscVocabularyConfigsRequest{AssetId: ptr(voiceID(t, "EN"))})
	if err != nil || *byVoice.Count != 1 {
		t.Errorf("entries for an English voice: %v, %v; want only the ungrouped one", byVoice.Count, err)
	}
	groups, err := c.ListTtscVocabularyGroups(&model.ListTtscVocabularyGroupsRequest{})
	if err != nil || *groups.Count != 1 || (*(*groups.Data)[0].AssetIds)[0] != cn {
		t.Errorf("groups: %+v, %v", groups, err)
	}
	if _, err := c.UpdateTtscVocabularyGroups(&model.UpdateTtscVocabularyGroupsRequest{GroupId: gid, Body: &model.SaveTtscVocabularyGroupsRequestBody{GroupName: ptr("cities")}}); err != nil {
		t.Fatal(err)
	}

	// The switch: the SDK sends strings, MetaStudio's example a boolean.
	if _, err := c.SaveTtscTenantConfigs(&model.SaveTtscTenantConfigsRequest{Body: &model.SaveTtscTenantConfigsRequestBody{Key: "vocabulary", Value: "false"}}); err != nil {
		t.Fatal(err)
	}
	var e errorBody
	if resp := do(t, ts.signedRequest(t, "PUT", "/v1/"+ts.Cred.ProjectID+"/ttsc/tenant-configs", `{"key":"vocabulary","value":true}`, "application/json", ts.Clock.Now()), nil); resp.StatusCode != 200 {
		t.Errorf("boolean value: status %d", resp.StatusCode)
	}
	sw, err := c.ShowVocabularySwitchConfigs(&model.ShowVocabularySwitchConfigsRequest{Key: ptr("vocabulary")})
	if err != nil || *sw.Count != 1 || (*sw.Data)[0].Value != "true" {
		t.Errorf("switch: %+v, %v", sw, err)
	}

	if _, err := c.DeleteTtscVocabularyConfigs(&model.DeleteTtscVocabularyConfigsRequest{Body: &model.DeleteTtscVocabularyConfigsRequestBody{Id: &[]string{*alias.Id}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTtscVocabularyGroups(&model.DeleteTtscVocabularyGroupsRequest{GroupId: gid}); err != nil {
		t.Fatal(err)
	}
	left, err := c.ListTtscVocabularyConfigs(&model.ListTtscVocabularyConfigsRequest{})
	if err != nil || *left.Count != 0 {
		t.Errorf("after deleting the entry and the group (with %s): %v entries, %v", *g2p.Id, *left.Count, err)
	}

	for _, test := range []struct {
		name string
		body model.SaveTtscVocabularyConfigsRequestBody
		code string
		hint string
	}{
		{"ErrG2PNotPinyin", model.SaveTtscVocabularyConfigsRequestBody{Type: types.CHINESE_G2_P, Key: ptr("重庆"), Value: ptr("chongqing")}, "MSS.00000003", "tone digits"},
		{"ErrG2PSyllableCount", model.SaveTtscVocabularyConfigsRequestBody{Type: types.CHINESE_G2_P, Key: ptr("重庆"), Value: ptr("chong2")}, "MSS.00000003", "one pinyin syllable per"},
		{"ErrPhoneticNotIPA", model.SaveTtscVocabularyConfigsRequestBody{Type: types.PHONETIC_SYMBOL, Key: ptr("tomato"), Value: ptr("to-MAH-to")}, "MSS.00000003", "IPA"},
		{"ErrSayAsValue", model.SaveTtscVocabularyConfigsRequestBody{Type: types.SAY_AS, Key: ptr("110"), Value: ptr("loud")}, "MSS.00000003", "telephone"},
		{"ErrNoKey", model.SaveTtscVocabularyConfigsRequestBody{Type: types.ALIAS, Value: ptr("x")}, "MSS.00000003", "key"},
		{"ErrUnknownGroup", model.SaveTtscVocabularyConfigsRequestBody{Type: types.ALIAS, Key: ptr("a"), Value: ptr("b"), GroupId: ptr("nope")}, "MSS.10001002", "group"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := c.CreateTtscVocabularyConfigs(&model.CreateTtscVocabularyConfigsRequest{Body: &test.body})
			status := http.StatusBadRequest
			if test.code == "MSS.10001002" {
				status = http.StatusNotFound
			}
			sdkError(t, err, status, test.code)
			if err != nil && !strings.Contains(err.Error(), test.hint) {
				t.Errorf("%v does not mention %q", err, test.hint)
			}
		})
	}
	do(t, ts.signedRequest(t, "PUT", "/v1/"+ts.Cred.ProjectID+"/ttsc/tenant-configs", `{"key":"vocabulary","value":"maybe"}`, "application/json", ts.Clock.Now()), &e)
	if e.ErrorCode != "MSS.00000003" {
		t.Errorf("switch value maybe: %+v", e)
	}
}

func TestVocabularyAppliedDuringSynthesis(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	en := voiceID(t, "EN")
	if _, err := c.CreateTtscVocabularyConfigs(&model.CreateTtscVocabularyConfigsRequest{Body: &model.SaveTtscVocabularyConfigsRequestBody{
		Type: model.GetSaveTtscVocabularyConfigsRequestBodyTypeEnum().ALIAS, Key: ptr("WHO"), Value: ptr("World Health Organization")}}); err != nil {
		t.Fatal(err)
	}
	text := "The WHO met today."
	run := func(enable *bool) (time.Duration, *audio.Info) {
		t.Helper()
		created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
			Text: text, VoiceAssetId: en, NeedTimestamp: ptr(true), IsVocabularyConfigEnable: enable}})
		if err != nil {
			t.Fatal(err)
		}
		resp := waitAsync(t, c, *created.JobId)
		wav, _ := fetch(t, *resp.AudioFileUrl)
		p, err := audio.DecodeWAV(wav)
		if err != nil {
			t.Fatal(err)
		}
		infoData, _ := fetch(t, *resp.AudioInfoFileUrl)
		var info audio.Info
		if err := json.Unmarshal(infoData, &info); err != nil {
			t.Fatal(err)
		}
		return p.Duration(), &info
	}
	plain, _ := run(ptr(false))
	aliased, info := run(ptr(true))
	if aliased < plain+500*time.Millisecond {
		t.Errorf("with the alias the text lasts %v, without %v; want it clearly longer", aliased, plain)
	}
	var who *audio.Mark
	for i := range info.Words {
		if info.Words[i].Text == "WHO" {
			who = &info.Words[i]
		}
	}
	if who == nil || who.BeginChar != 4 || who.EndChar != 7 || who.EndMs-who.BeginMs < 800 {
		t.Errorf("timestamps should show WHO (characters 4–7) read long as its alias: %+v in %+v", who, info.Words)
	}
	// Unset flag: the project switch decides.
	if off, _ := run(nil); off > plain+200*time.Millisecond {
		t.Errorf("switch off: %v, want the plain reading %v", off, plain)
	}
	if _, err := c.SaveTtscTenantConfigs(&model.SaveTtscTenantConfigsRequest{Body: &model.SaveTtscTenantConfigsRequestBody{Key: "vocabulary", Value: "true"}}); err != nil {
		t.Fatal(err)
	}
	if on, _ := run(nil); on < aliased-200*time.Millisecond {
		t.Errorf("switch on: %v, want the aliased reading %v", on, aliased)
	}
}
