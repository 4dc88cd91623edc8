package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
)

// blobFiles counts the files under the data directory's blob store.
func blobFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestRetention(t *testing.T) {
	onlyOn(t, "sqlite", "postgres") // counts files on disk
	ts := startServer(t, "", func(c *ServeConfig) { c.retentionEvery = 100 * time.Millisecond })
	c := ts.client(t, ts.Cred)
	created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
		Text: "Kept for three days.", VoiceAssetId: voiceID(t, "EN"), GenSrt: ptr(true)}})
	if err != nil {
		t.Fatal(err)
	}
	job := waitAsync(t, c, *created.JobId)
	// And a preview of two files, parts of one blob.
	preview, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{
		Text: strings.Repeat("This first sentence of the preview is long enough to be read as a segment of its own, ", 2) +
			"and it ends here. The second file holds this.", Emotion: voiceID(t, "EN")}})
	if err != nil {
		t.Fatal(err)
	}
	if files := *waitAudition(t, c, *preview.JobId).Files; len(files) != 2 {
		t.Fatalf("preview of %d files, want 2", len(files))
	}
	if n := blobFiles(t, ts.Config.Data); n != 3 {
		t.Fatalf("%d files stored, want audio and subtitles, and the preview's blob", n)
	}
	// Within retention, the sweeps keep it.
	time.Sleep(300 * time.Millisecond)
	if _, err := c.ShowAsyncTtsJob(&model.ShowAsyncTtsJobRequest{JobId: *created.JobId}); err != nil {
		t.Fatalf("a job within retention: %v", err)
	}
	// 73 hours later, the next sweep deletes it. (Requests are signed
	// with the real time, so the clock goes back before the next one.)
	ts.Clock.Advance(73 * time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for blobFiles(t, ts.Config.Data) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	ts.Clock.Advance(-73 * time.Hour)
	if n := blobFiles(t, ts.Config.Data); n != 0 {
		t.Errorf("%d files left after retention", n)
	}
	_, err = c.ShowAsyncTtsJob(&model.ShowAsyncTtsJobRequest{JobId: *created.JobId})
	sdkError(t, err, http.StatusNotFound, "MSS.10001002")
	list, err := c.ShowTtsJob(&model.ShowTtsJobRequest{})
	if err != nil || *list.Count != 0 {
		t.Errorf("job records after retention: %v, %v", list.Count, err)
	}
	// Its download URL (signed before) finds nothing.
	resp, err := http.Get(*job.AudioFileUrl)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("download of a deleted file: %d, want 404", resp.StatusCode)
	}
}

// A preview answered from the stored audio of an identical earlier one
// shares its files. Retention deletes a shared file with the last job
// that has it, never while a younger job still does.
func TestRetentionKeepsSharedFiles(t *testing.T) {
	onlyOn(t, "sqlite", "postgres") // counts files on disk
	ts := startServer(t, "", func(c *ServeConfig) { c.retentionEvery = 100 * time.Millisecond })
	c := ts.client(t, ts.Cred)
	// A token valid for the whole test, whatever the server's clock.
	token, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := ts.db.CreateToken(context.Background(), &ttsc.Token{Hash: hash, ProjectID: ts.Cred.ProjectID, CreatedAt: now, ExpiresAt: now.Add(100 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	body := `{"text":"Shared until the last job goes.","emotion":"` + voiceID(t, "EN") + `"}`
	firstID := createPreview(t, ts, token, body)
	first := waitAudition(t, c, firstID)
	firstAudio := download(t, (*first.Files)[0].DownloadUrl)
	if n := blobFiles(t, ts.Config.Data); n != 1 {
		t.Fatalf("%d files stored, want 1", n)
	}
	// Two hours later (the server's clock), the same preview again.
	ts.Clock.Advance(2 * time.Hour)
	second := showPreview(t, ts, token, createPreview(t, ts, token, body))
	if !second.IsFileComplete || len(second.Files) != 1 || blobFiles(t, ts.Config.Data) != 1 {
		t.Fatalf("identical preview: complete %v with %d files, %d stored; want it answered at once with the first one's file",
			second.IsFileComplete, len(second.Files), blobFiles(t, ts.Config.Data))
	}
	if !bytes.Equal(firstAudio, download(t, second.Files[0].DownloadUrl)) {
		t.Fatal("the identical preview's file differs from the first one's")
	}
	// At 73 hours the first job goes; the second still has the file.
	ts.Clock.Advance(71 * time.Hour)
	waitFor(t, func() bool {
		_, err := ts.db.Job(context.Background(), ts.Cred.ProjectID, firstID)
		return ttsc.ErrorCode(err) == ttsc.ENOTFOUND
	})
	if n := blobFiles(t, ts.Config.Data); n != 1 {
		t.Fatalf("%d files after the first job's retention; want the shared one kept", n)
	}
	if len(download(t, showPreview(t, ts, token, second.JobID).Files[0].DownloadUrl)) == 0 {
		t.Fatal("the younger job's file is gone")
	}
	// At 76 hours the second goes, and the file with it.
	ts.Clock.Advance(3 * time.Hour)
	waitFor(t, func() bool { return blobFiles(t, ts.Config.Data) == 0 })
	ts.Clock.Advance(-76 * time.Hour)
}

// createPreview creates a preview with a token and returns its job ID.
func createPreview(t *testing.T, ts *testServer, token, body string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.URL+"/v1/"+ts.Cred.ProjectID+"/ttsc/audition", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", token)
	var created struct {
		JobID string `json:"job_id"`
	}
	if resp := do(t, req, &created); resp.StatusCode != http.StatusOK {
		t.Fatalf("creating a preview: %s", resp.Status)
	}
	return created.JobID
}

// preview is the body of ShowTtsAuditionFile.
type preview struct {
	JobID          string
	IsFileComplete bool `json:"is_file_complete"`
	Files          []struct {
		DownloadUrl string `json:"download_url"`
	} `json:"files"`
}

// showPreview polls a preview once, with a token.
func showPreview(t *testing.T, ts *testServer, token, id string) preview {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+"/v1/"+ts.Cred.ProjectID+"/ttsc/audition-file/"+id, nil)
	req.Header.Set("X-Auth-Token", token)
	p := preview{JobID: id}
	if resp := do(t, req, &p); resp.StatusCode != http.StatusOK {
		t.Fatalf("showing a preview: %s", resp.Status)
	}
	return p
}

// waitFor waits up to 10 seconds for cond.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}
