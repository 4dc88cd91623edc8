package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"
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
	if n := blobFiles(t, ts.Config.Data); n != 2 {
		t.Fatalf("%d files stored, want audio and subtitles", n)
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
