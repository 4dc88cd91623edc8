package sqlitestore

import (
	"context"
	"fmt"
	"testing"

	"github.com/openttsc/ttsc"
)

// BenchmarkPoll is what one poll of a preview costs the store: the
// credential of the signature and the job with its files.
func BenchmarkPoll(b *testing.B) {
	db, err := Open(context.Background(), Config{Path: b.TempDir() + "/ttsc.db"})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.CreateCredential(ctx, &ttsc.Credential{AccessKey: "AK", SecretKey: "SK", ProjectID: "p"}); err != nil {
		b.Fatal(err)
	}
	if err := db.CreateJob(ctx, &ttsc.Job{ID: "j", ProjectID: "p", Type: ttsc.JobAudition, Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatWAV}); err != nil {
		b.Fatal(err)
	}
	for i := range 10 {
		if err := db.AddFile(ctx, "j", ttsc.File{Kind: ttsc.FileAudio, Index: i, Key: fmt.Sprintf("p/j/audio-%04d.wav", i), ContentType: "audio/wav"}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := db.Credential(ctx, "AK"); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Job(ctx, "p", "j"); err != nil {
			b.Fatal(err)
		}
	}
}
