package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzRequestBodies sends arbitrary bodies to every operation that takes
// one, through the real server: each must answer with a status below 500
// and, when it refuses, MetaStudio's error body.
func FuzzRequestBodies(f *testing.F) {
	routes := []struct{ method, path string }{
		{"POST", "/ttsc/audition"},
		{"POST", "/ttsc/async-jobs"},
		{"POST", "/ttsc/vocabulary-configs"},
		{"PUT", "/ttsc/vocabulary-configs/0123456789abcdef0123456789abcdef"},
		{"DELETE", "/ttsc/vocabulary-configs"},
		{"POST", "/ttsc/vocabulary-groups"},
		{"PUT", "/ttsc/vocabulary-groups/0123456789abcdef0123456789abcdef"},
		{"PUT", "/ttsc/group-assets/0123456789abcdef0123456789abcdef"},
		{"PUT", "/ttsc/tenant-configs"},
	}
	f.Add(uint8(0), []byte(`{"text":"hi","emotion":"1273d8ca20dbff96ae365df079b47418","speed":300}`))
	f.Add(uint8(1), []byte(`{"text":"<speak><break time='20s'/></speak>","voice_asset_id":"x","callback_config":{}}`))
	f.Add(uint8(2), []byte(`{"type":"PHONETIC_SYMBOL","key":"a","value":"ʙ"}`))
	f.Add(uint8(4), []byte(`{"id":["a",1]}`))
	f.Add(uint8(8), []byte(`{"key":"vocabulary","value":{"x":1}}`))
	f.Add(uint8(5), []byte(`[]`))
	f.Add(uint8(3), []byte(`{"type":"ALIAS","key":"`+strings.Repeat("k", 300)+`","value":"v"}`))
	ts := startServer(f, "", func(c *ServeConfig) { c.RateSynthesis, c.RateManage, c.RateQuery = 0, 0, 0 })
	value := ts.token(f)
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		rt := routes[int(route)%len(routes)]
		req, err := http.NewRequest(rt.method, ts.URL+"/v1/"+ts.Cred.ProjectID+rt.path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Auth-Token", value)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s", rt.method, rt.path, body, resp.StatusCode, b)
		}
		if resp.StatusCode >= 400 {
			var e errorBody
			if err := json.Unmarshal(b, &e); err != nil || e.ErrorCode == "" || e.ErrorMsg == "" || e.RequestID == "" {
				t.Fatalf("%s %s %q: %d with a body that is not MetaStudio's: %s", rt.method, rt.path, body, resp.StatusCode, b)
			}
		}
	})
}
