package main

import (
	"net/http"
	"testing"

	metastudio "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"
)

// TestSDKFailurePaths sends each operation a request it must refuse,
// through the official SDK, and checks the status and MetaStudio code the
// SDK reports.
func TestSDKFailurePaths(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	wrongSecret := *ts.Cred
	wrongSecret.SecretKey = "not-the-secret-key-of-this-access-key"
	bad := ts.client(t, &wrongSecret)
	unknown := "0123456789abcdef0123456789abcdef"
	for _, test := range []struct {
		name   string
		call   func(c *metastudio.MetaStudioClient) error
		client *metastudio.MetaStudioClient
		status int
		code   string
	}{
		{"ErrOnceCodeWrongSecret", func(c *metastudio.MetaStudioClient) error {
			_, err := c.CreateTtsOnceCode(&model.CreateTtsOnceCodeRequest{})
			return err
		}, bad, http.StatusUnauthorized, "APIGW.0301"},
		{"ErrPhoneticSymbolNoWord", func(c *metastudio.MetaStudioClient) error {
			_, err := c.ShowTtsPhoneticSymbol(&model.ShowTtsPhoneticSymbolRequest{Word: ""})
			return err
		}, c, http.StatusBadRequest, "MSS.00000003"},
		{"ErrJobsLimit", func(c *metastudio.MetaStudioClient) error {
			_, err := c.ShowTtsJob(&model.ShowTtsJobRequest{Limit: ptr(int32(1001))})
			return err
		}, c, http.StatusBadRequest, "MSS.00000003"},
		{"ErrJobsType", func(c *metastudio.MetaStudioClient) error {
			_, err := c.ShowTtsJob(&model.ShowTtsJobRequest{JobType: ptr("FAX")})
			return err
		}, c, http.StatusBadRequest, "MSS.00000003"},
		{"ErrShowUnknownAsset", func(c *metastudio.MetaStudioClient) error {
			_, err := c.ShowAsset(&model.ShowAssetRequest{AssetId: unknown})
			return err
		}, c, http.StatusBadRequest, "MSS.10001001"}, // an unknown voice, as everywhere
		{"ErrUpdateUnknownEntry", func(c *metastudio.MetaStudioClient) error {
			_, err := c.SaveTtscVocabularyConfigs(&model.SaveTtscVocabularyConfigsRequest{VocabularyId: unknown, Body: &model.SaveTtscVocabularyConfigsRequestBody{
				Type: model.GetSaveTtscVocabularyConfigsRequestBodyTypeEnum().ALIAS, Key: ptr("a"), Value: ptr("b")}})
			return err
		}, c, http.StatusNotFound, "MSS.10001002"},
		{"ErrDeleteNoEntries", func(c *metastudio.MetaStudioClient) error {
			_, err := c.DeleteTtscVocabularyConfigs(&model.DeleteTtscVocabularyConfigsRequest{Body: &model.DeleteTtscVocabularyConfigsRequestBody{Id: &[]string{}}})
			return err
		}, c, http.StatusBadRequest, "MSS.00000003"},
		{"ErrGroupWithoutName", func(c *metastudio.MetaStudioClient) error {
			_, err := c.CreateTtscVocabularyGroups(&model.CreateTtscVocabularyGroupsRequest{Body: &model.SaveTtscVocabularyGroupsRequestBody{}})
			return err
		}, c, http.StatusBadRequest, "MSS.00000003"},
		{"ErrRenameUnknownGroup", func(c *metastudio.MetaStudioClient) error {
			_, err := c.UpdateTtscVocabularyGroups(&model.UpdateTtscVocabularyGroupsRequest{GroupId: unknown, Body: &model.SaveTtscVocabularyGroupsRequestBody{GroupName: ptr("x")}})
			return err
		}, c, http.StatusNotFound, "MSS.10001002"},
		{"ErrDeleteUnknownGroup", func(c *metastudio.MetaStudioClient) error {
			_, err := c.DeleteTtscVocabularyGroups(&model.DeleteTtscVocabularyGroupsRequest{GroupId: unknown})
			return err
		}, c, http.StatusNotFound, "MSS.10001002"},
		{"ErrAssetsOfUnknownGroup", func(c *metastudio.MetaStudioClient) error {
			_, err := c.SetTtscGroupAssets(&model.SetTtscGroupAssetsRequest{GroupId: unknown, Body: &model.SetTtscGroupAssetsRequestBody{AssetIds: &[]string{voiceID(t, "EN")}}})
			return err
		}, c, http.StatusNotFound, "MSS.10001002"},
		{"ErrTenantConfigKey", func(c *metastudio.MetaStudioClient) error {
			_, err := c.SaveTtscTenantConfigs(&model.SaveTtscTenantConfigsRequest{Body: &model.SaveTtscTenantConfigsRequestBody{Key: "colour", Value: "true"}})
			return err
		}, c, http.StatusBadRequest, "MSS.00000003"},
		{"ErrSwitchWrongSecret", func(c *metastudio.MetaStudioClient) error {
			_, err := c.ShowVocabularySwitchConfigs(&model.ShowVocabularySwitchConfigsRequest{})
			return err
		}, bad, http.StatusUnauthorized, "APIGW.0301"},
	} {
		t.Run(test.name, func(t *testing.T) {
			sdkError(t, test.call(test.client), test.status, test.code)
		})
	}
}
