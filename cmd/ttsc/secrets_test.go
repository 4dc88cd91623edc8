package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc/internal/auth"
)

// TestNoSecretsInLogsOrErrors runs the operations that handle secrets,
// successful and refused, with debug logs on, and looks for every secret
// in the logs and in every answer.
func TestNoSecretsInLogsOrErrors(t *testing.T) {
	ts := startServer(t, "", func(c *ServeConfig) { c.LogLevel = -4 }) // debug
	c := ts.client(t, ts.Cred)
	token := ts.token(t)
	var answers []string
	record := func(resp *http.Response) {
		if resp == nil {
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answers = append(answers, string(b))
	}
	get := func(path string, header http.Header) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			record(resp)
		}
	}
	p := "/v1/" + ts.Cred.ProjectID
	en := voiceID(t, "EN")

	// Signed requests, good and with a wrong secret.
	if _, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: "Secrets stay secret.", Emotion: en}}); err != nil {
		t.Fatal(err)
	}
	wrong := *ts.Cred
	wrong.SecretKey = "WRONGSECRETWRONGSECRETWRONGSECRET0123"
	_, err := ts.client(t, &wrong).ShowTtsJob(&model.ShowTtsJobRequest{})
	answers = append(answers, err.Error())
	// Tokens: good, unknown, as bearer.
	get(p+"/ttsc/tts-jobs", http.Header{"X-Auth-Token": {token}})
	get(p+"/ttsc/tts-jobs", http.Header{"X-Auth-Token": {token + "x"}})
	req, _ := http.NewRequest("POST", ts.URL+"/v1/audio/speech", strings.NewReader(`{"model":"x","input":"hi","voice":"nowhere"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, _ := http.DefaultClient.Do(req)
	record(resp)
	// A once code, used twice.
	code, err := c.CreateTtsOnceCode(&model.CreateTtsOnceCodeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	ws := "ws" + strings.TrimPrefix(ts.URL, "http") + p + "/ttsc/jobs?voice_asset_id=" + en + "&once_code=" + *code.OnceCode
	conn, _, err := websocket.Dial(context.Background(), ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	wsjson.Write(context.Background(), conn, map[string]string{"command": "START", "text": "Hi."})
	conn.Read(context.Background())
	conn.Close(websocket.StatusNormalClosure, "")
	_, resp, _ = websocket.Dial(context.Background(), ws, nil)
	record(resp)
	time.Sleep(200 * time.Millisecond)

	signingKey, err := os.ReadFile(filepath.Join(ts.Config.Data, "url-signing.key"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"secret key":           ts.Cred.SecretKey,
		"wrong secret key":     wrong.SecretKey,
		"token":                token,
		"once code":            *code.OnceCode,
		"URL signing key":      strings.TrimSpace(string(signingKey)),
		"project callback key": auth.CallbackKey(mustHex(t, strings.TrimSpace(string(signingKey))), ts.Cred.ProjectID),
	}
	logs := ts.Logs.String()
	if !strings.Contains(logs, "request rejected") {
		t.Fatalf("the logs hold no request lines; the test reads nothing:\n%.500s", logs)
	}
	for name, secret := range secrets {
		if secret == "" {
			t.Fatalf("%s is empty", name)
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the %s appears in the logs", name)
		}
		for _, a := range answers {
			if strings.Contains(a, secret) {
				t.Errorf("the %s appears in an answer: %.200s", name, a)
			}
		}
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSecretsSealedAtRest reads the database file itself: no secret key
// is there in the clear, and the key that seals them is a file of its own
// that only its owner can read.
func TestSecretsSealedAtRest(t *testing.T) {
	onlyOn(t, "sqlite") // reads the SQLite file; the sealing code is shared
	ts := startServer(t, "")
	if _, err := ts.client(t, ts.Cred).ShowTtsJob(&model.ShowTtsJobRequest{}); err != nil {
		t.Fatalf("a sealed key still verifies: %v", err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(ts.Config.Data, "ttsc.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored string
	if err := db.QueryRow(`SELECT secret_key FROM credentials WHERE access_key = ?`, ts.Cred.AccessKey).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, ts.Cred.SecretKey) || !strings.HasPrefix(stored, "sealed:v1:") {
		t.Errorf("the database holds the secret key as %q", stored)
	}
	st, err := os.Stat(filepath.Join(ts.Config.Data, "secrets.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("secrets.key: %v, %v; want mode 0600", st.Mode(), err)
	}
}
