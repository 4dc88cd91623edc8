// Package storetest is the conformance suite every job and credential
// store passes, so SQLite and PostgreSQL behave alike.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/openttsc/ttsc"
)

// Store is what a backend offers.
type Store interface {
	ttsc.JobStore
	ttsc.CredentialStore
}

// newJob returns a job with every field set.
func newJob(project, id string, typ ttsc.JobType) *ttsc.Job {
	return &ttsc.Job{
		ID: id, ProjectID: project, Type: typ, State: ttsc.JobWaiting,
		VoiceID: "0a4b548fd8d2d6998e1fc3fffb29f9bc", Text: "你好，欢迎使用", TTSText: "<speak>你好</speak>",
		Prosody:  ttsc.Prosody{Speed: 120, Pitch: 90, Volume: 200, Channels: 2},
		Format:   ttsc.FormatWAV,
		Priority: 3,
		Options:  []byte(`{"style":"calm"}`),
	}
}

// Run runs the suite; open returns an empty store for each subtest.
func Run(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	ignoreTimes := cmpopts.IgnoreFields(ttsc.Job{}, "CreatedAt", "UpdatedAt", "EndedAt")

	t.Run("OKCreateAndGet", func(t *testing.T) {
		s := open(t)
		j := newJob("p1", "j1", ttsc.JobAudition)
		if err := s.CreateJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		got, err := s.Job(ctx, "p1", "j1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(j, got, ignoreTimes); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if got.CreatedAt.IsZero() || !got.CreatedAt.Equal(j.CreatedAt) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt %v, job had %v; want equal, UTC", got.CreatedAt, j.CreatedAt)
		}
	})
	t.Run("ErrDuplicateJob", func(t *testing.T) {
		s := open(t)
		if err := s.CreateJob(ctx, newJob("p1", "j1", ttsc.JobAudition)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateJob(ctx, newJob("p1", "j1", ttsc.JobAudition)); ttsc.ErrorCode(err) != ttsc.ECONFLICT {
			t.Errorf("second CreateJob: %v, want ECONFLICT", err)
		}
	})
	t.Run("ErrOtherProject", func(t *testing.T) {
		s := open(t)
		if err := s.CreateJob(ctx, newJob("p1", "j1", ttsc.JobAudition)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Job(ctx, "p2", "j1"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("Job from another project: %v, want ENOTFOUND", err)
		}
		if _, err := s.Job(ctx, "p1", "nope"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("missing Job: %v, want ENOTFOUND", err)
		}
	})
	t.Run("OKLifecycle", func(t *testing.T) {
		s := open(t)
		if err := s.CreateJob(ctx, newJob("p1", "j1", ttsc.JobAsync)); err != nil {
			t.Fatal(err)
		}
		j, err := s.StartJob(ctx, "j1", 3)
		if err != nil || j.State != ttsc.JobProcessing || j.Segments != 3 {
			t.Fatalf("StartJob: %+v, %v", j, err)
		}
		for _, i := range []int{1, 0, 1} { // out of order, and index 1 twice
			f := ttsc.File{Kind: ttsc.FileAudio, Index: i, Key: fmt.Sprintf("p1/j1/audio-%04d.wav", i), ContentType: "audio/wav", Size: int64(100 + i), DurationMs: 500}
			if err := s.AddFile(ctx, "j1", f); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AddFile(ctx, "j1", ttsc.File{Kind: ttsc.FileAudio, Index: 1, Key: "other", ContentType: "x", Size: 9}); err != nil {
			t.Fatal(err)
		}
		// A retry starts the job again: still PROCESSING, files kept.
		j, err = s.StartJob(ctx, "j1", 3)
		if err != nil || j.State != ttsc.JobProcessing || len(j.Files) != 2 {
			t.Fatalf("StartJob again: %+v, %v", j, err)
		}
		if j.Files[0].Index != 0 || j.Files[1].Index != 1 || j.Files[1].Key != "p1/j1/audio-0001.wav" {
			t.Errorf("files %+v, want indexes 0, 1 with the first record of 1 kept", j.Files)
		}
		if err := s.EndJob(ctx, "j1", ttsc.JobSucceeded, "0", ""); err != nil {
			t.Fatal(err)
		}
		if err := s.EndJob(ctx, "j1", ttsc.JobFailed, "MSS.00000004", "late"); err != nil {
			t.Fatal(err)
		}
		j, err = s.Job(ctx, "p1", "j1")
		if err != nil || j.State != ttsc.JobSucceeded || j.Code != "0" || j.EndedAt.IsZero() {
			t.Errorf("after EndJob twice: %+v, %v; want the first end kept", j, err)
		}
		j, err = s.StartJob(ctx, "j1", 5)
		if err != nil || j.State != ttsc.JobSucceeded {
			t.Errorf("StartJob on an ended job changed it: %+v, %v", j, err)
		}
	})
	t.Run("ErrMissingJobUpdates", func(t *testing.T) {
		s := open(t)
		if _, err := s.StartJob(ctx, "nope", 1); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("StartJob: %v", err)
		}
		if err := s.AddFile(ctx, "nope", ttsc.File{Kind: ttsc.FileAudio, Key: "k"}); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("AddFile: %v", err)
		}
		if err := s.EndJob(ctx, "nope", ttsc.JobFailed, "x", "y"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("EndJob: %v", err)
		}
	})
	t.Run("OKListJobs", func(t *testing.T) {
		s := open(t)
		var ids []string
		for i := range 5 {
			typ := ttsc.JobAudition
			if i%2 == 1 {
				typ = ttsc.JobAsync
			}
			id := fmt.Sprintf("j%d", i)
			ids = append(ids, id)
			if err := s.CreateJob(ctx, newJob("p1", id, typ)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond) // distinct creation times
		}
		if err := s.CreateJob(ctx, newJob("p2", "other", ttsc.JobAudition)); err != nil {
			t.Fatal(err)
		}
		mid, err := s.Job(ctx, "p1", "j2")
		if err != nil {
			t.Fatal(err)
		}
		for _, test := range []struct {
			name  string
			f     ttsc.JobFilter
			want  []string
			total int
		}{
			{"All", ttsc.JobFilter{ProjectID: "p1"}, []string{"j4", "j3", "j2", "j1", "j0"}, 5},
			{"Page", ttsc.JobFilter{ProjectID: "p1", Offset: 1, Limit: 2}, []string{"j3", "j2"}, 5},
			{"Type", ttsc.JobFilter{ProjectID: "p1", Type: ttsc.JobAsync}, []string{"j3", "j1"}, 2},
			{"ID", ttsc.JobFilter{ProjectID: "p1", ID: "j2"}, []string{"j2"}, 1},
			{"Since", ttsc.JobFilter{ProjectID: "p1", CreatedSince: mid.CreatedAt}, []string{"j4", "j3", "j2"}, 3},
			{"Until", ttsc.JobFilter{ProjectID: "p1", CreatedUntil: mid.CreatedAt}, []string{"j2", "j1", "j0"}, 3},
			{"OtherProject", ttsc.JobFilter{ProjectID: "p2"}, []string{"other"}, 1},
			{"None", ttsc.JobFilter{ProjectID: "p3"}, nil, 0},
		} {
			t.Run(test.name, func(t *testing.T) {
				jobs, total, err := s.ListJobs(ctx, test.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, j := range jobs {
					got = append(got, j.ID)
				}
				if diff := cmp.Diff(test.want, got); diff != "" || total != test.total {
					t.Errorf("total %d (want %d), ids (-want +got):\n%s", total, test.total, diff)
				}
			})
		}
	})
	t.Run("OKCredentials", func(t *testing.T) {
		s := open(t)
		c := &ttsc.Credential{AccessKey: "AK1", SecretKey: "SK1", ProjectID: "p1"}
		if err := s.CreateCredential(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateCredential(ctx, &ttsc.Credential{AccessKey: "AK2", SecretKey: "SK2", ProjectID: "p2"}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateCredential(ctx, &ttsc.Credential{AccessKey: "AK1", SecretKey: "x", ProjectID: "p3"}); ttsc.ErrorCode(err) != ttsc.ECONFLICT {
			t.Errorf("duplicate access key: %v, want ECONFLICT", err)
		}
		got, err := s.Credential(ctx, "AK1")
		if err != nil || got.SecretKey != "SK1" || got.ProjectID != "p1" {
			t.Errorf("Credential: %+v, %v", got, err)
		}
		all, err := s.ListCredentials(ctx, "")
		if err != nil || len(all) != 2 {
			t.Fatalf("ListCredentials: %d, %v", len(all), err)
		}
		for _, c := range all {
			if c.SecretKey != "" {
				t.Errorf("ListCredentials returned the secret of %s", c.AccessKey)
			}
		}
		if p1, _ := s.ListCredentials(ctx, "p1"); len(p1) != 1 || p1[0].AccessKey != "AK1" {
			t.Errorf("ListCredentials(p1) = %v", p1)
		}
		if err := s.DeleteCredential(ctx, "AK1"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCredential(ctx, "AK1"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("second delete: %v, want ENOTFOUND", err)
		}
		if _, err := s.Credential(ctx, "AK1"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("deleted credential: %v, want ENOTFOUND", err)
		}
	})
	t.Run("OKTokenExpiry", func(t *testing.T) {
		s := open(t)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if err := s.CreateToken(ctx, &ttsc.Token{Hash: "h1", ProjectID: "p1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if tok, err := s.Token(ctx, "h1", now.Add(59*time.Minute)); err != nil || tok.ProjectID != "p1" {
			t.Errorf("valid token: %+v, %v", tok, err)
		}
		if _, err := s.Token(ctx, "h1", now.Add(time.Hour)); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("expired token: %v, want ENOTFOUND", err)
		}
		if _, err := s.Token(ctx, "h2", now); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("unknown token: %v, want ENOTFOUND", err)
		}
	})
}
