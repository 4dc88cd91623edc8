package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc/internal/audio"
)

func TestResultCache(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	en := voiceID(t, "EN")
	run := func(text string) []byte {
		t.Helper()
		created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
			Text: text, VoiceAssetId: en, IsVocabularyConfigEnable: ptr(true)}})
		if err != nil {
			t.Fatal(err)
		}
		resp := waitAsync(t, c, *created.JobId)
		b, _ := fetch(t, *resp.AudioFileUrl)
		return b
	}
	hits := func() float64 { return max(scrape(t, ts.URL, `ttsc_cache_requests_total\{result="hit"\}`), 0) }

	t.Run("OKIdenticalRequestHits", func(t *testing.T) {
		before := hits()
		first := run("The cache keeps what the engine has read. Identical requests reuse it.")
		second := run("The cache keeps what the engine has read. Identical requests reuse it.")
		if hits() <= before {
			t.Errorf("cache hits %v → %v; want more", before, hits())
		}
		if !bytes.Equal(first, second) {
			t.Error("the cached answer differs from the first")
		}
	})
	t.Run("OKVocabularyChangeIsNotStale", func(t *testing.T) {
		created, err := c.CreateTtscVocabularyConfigs(&model.CreateTtscVocabularyConfigsRequest{Body: &model.SaveTtscVocabularyConfigsRequestBody{
			Type: model.GetSaveTtscVocabularyConfigsRequestBodyTypeEnum().ALIAS, Key: ptr("WHO"), Value: ptr("World Health Organization")}})
		if err != nil {
			t.Fatal(err)
		}
		duration := func(b []byte) time.Duration {
			p, err := audio.DecodeWAV(b)
			if err != nil {
				t.Fatal(err)
			}
			return p.Duration()
		}
		long := duration(run("The WHO met today."))
		if _, err := c.SaveTtscVocabularyConfigs(&model.SaveTtscVocabularyConfigsRequest{VocabularyId: *created.Id, Body: &model.SaveTtscVocabularyConfigsRequestBody{
			Type: model.GetSaveTtscVocabularyConfigsRequestBodyTypeEnum().ALIAS, Key: ptr("WHO"), Value: ptr("who")}}); err != nil {
			t.Fatal(err)
		}
		short := duration(run("The WHO met today."))
		if short > long-500*time.Millisecond {
			t.Errorf("after changing the alias the text lasts %v, before %v: stale audio?", short, long)
		}
		// Previews answered from stored files are not stale either.
		body := &model.CreateTtsAuditionRequestBody{Text: "The WHO met again.", Emotion: en, IsVocabularyConfigEnable: ptr(true)}
		before, _ := previewPCM(t, c, body)
		if again, _ := previewPCM(t, c, body); again.Duration() != before.Duration() {
			t.Errorf("an identical preview lasts %v, the first %v", again.Duration(), before.Duration())
		}
		if _, err := c.SaveTtscVocabularyConfigs(&model.SaveTtscVocabularyConfigsRequest{VocabularyId: *created.Id, Body: &model.SaveTtscVocabularyConfigsRequestBody{
			Type: model.GetSaveTtscVocabularyConfigsRequestBodyTypeEnum().ALIAS, Key: ptr("WHO"), Value: ptr("World Health Organization")}}); err != nil {
			t.Fatal(err)
		}
		if after, _ := previewPCM(t, c, body); after.Duration() < before.Duration()+500*time.Millisecond {
			t.Errorf("after changing the alias the preview lasts %v, before %v: stale audio?", after.Duration(), before.Duration())
		}
	})
}
