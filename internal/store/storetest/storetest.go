// Package storetest is the conformance suite every job and credential
// store passes, so SQLite and PostgreSQL behave alike.
package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/openttsc/ttsc"
)

// Store is what a backend offers.
type Store interface {
	ttsc.JobStore
	ttsc.CredentialStore
	ttsc.VocabularyStore
	// River returns the queue, which the suite leaves in the states
	// crashes and operators leave it in.
	River() *river.Client[*sql.Tx]
}

// queueJob returns the synthesis queue job of the job jobID.
func queueJob(t testing.TB, q *river.Client[*sql.Tx], jobID string) *rivertype.JobRow {
	t.Helper()
	res, err := q.JobList(context.Background(), river.NewJobListParams().Kinds(ttsc.SynthesisArgs{}.Kind()).First(10000))
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range res.Jobs {
		var args ttsc.SynthesisArgs
		if json.Unmarshal(row.EncodedArgs, &args) == nil && args.JobID == jobID {
			return row
		}
	}
	t.Fatalf("job %s has no synthesis queue job", jobID)
	return nil
}

// SetQueueState puts the synthesis queue job of the job jobID in state
// without running any of ttsc's code, the way River's own maintenance
// or an operator would: JobStateDiscarded is what River's rescuer does
// to a job whose worker died during its last attempt, and
// JobStateCancelled is River's JobCancel of a job not running.
func SetQueueState(t testing.TB, q *river.Client[*sql.Tx], jobID string, state rivertype.JobState) {
	t.Helper()
	ctx := context.Background()
	row := queueJob(t, q, jobID)
	if state == rivertype.JobStateCancelled && row.State != rivertype.JobStateRunning {
		if _, err := q.JobCancel(ctx, row.ID); err != nil {
			t.Fatal(err)
		}
		return
	}
	set := "finalized_at = NULL"
	switch state {
	case rivertype.JobStateDiscarded: // its attempts used up
		set = "finalized_at = CURRENT_TIMESTAMP, attempt = max_attempts"
	case rivertype.JobStateCancelled, rivertype.JobStateCompleted:
		set = "finalized_at = CURRENT_TIMESTAMP"
	}
	// Literals only: the placeholders of the two databases differ.
	if err := q.Driver().GetExecutor().Exec(ctx, fmt.Sprintf(
		`UPDATE river_job SET state = '%s', %s WHERE id = %d`, state, set, row.ID)); err != nil {
		t.Fatal(err)
	}
}

// DeleteQueueJob deletes the synthesis queue job of the job jobID, as
// River's JobDelete does.
func DeleteQueueJob(t testing.TB, q *river.Client[*sql.Tx], jobID string) {
	t.Helper()
	if _, err := q.JobDelete(context.Background(), queueJob(t, q, jobID).ID); err != nil {
		t.Fatal(err)
	}
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
	t.Run("OKRecordEndedJobAndShareItsFile", func(t *testing.T) {
		s := open(t)
		orig := newJob("p1", "j1", ttsc.JobAudition)
		if err := s.CreateJob(ctx, orig); err != nil {
			t.Fatal(err)
		}
		shared := ttsc.File{Kind: ttsc.FileAudio, Key: "p1/j1/audition.wav", Offset: 4096, ContentType: "audio/wav", Size: 44, DurationMs: 1,
			Words: []ttsc.WordTiming{{Text: "你", BeginChar: 0, EndChar: 1, BeginMs: 0, EndMs: 1}}}
		if err := s.AddFile(ctx, "j1", shared); err != nil {
			t.Fatal(err)
		}
		if got, err := s.KeyShared(ctx, shared.Key, "j1"); err != nil || got {
			t.Fatalf("KeyShared with one job = %v, %v; want false", got, err)
		}
		j := newJob("p1", "j2", ttsc.JobAudition)
		j.State, j.Code, j.Segments = ttsc.JobSucceeded, "0", 2
		// A recorded job's files carry their own word timings, here
		// other ones than the earlier job's record of the shared file.
		reused := shared
		reused.Words = []ttsc.WordTiming{{Text: "好", BeginChar: 1, EndChar: 2, BeginMs: 0, EndMs: 1}}
		j.Files = []ttsc.File{reused, {Kind: ttsc.FileAudio, Index: 1, Key: "p1/j2/audio-0001.wav", ContentType: "audio/wav", Size: 46, DurationMs: 2}}
		if err := s.RecordJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		got, err := s.Job(ctx, "p1", "j2")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(j, got, ignoreTimes, cmpopts.IgnoreFields(ttsc.File{}, "CreatedAt")); diff != "" {
			t.Errorf("recorded job (-want +got):\n%s", diff)
		}
		if first, err := s.Job(ctx, "p1", "j1"); err != nil || len(first.Files) != 1 || !cmp.Equal(first.Files[0].Words, shared.Words) {
			t.Errorf("the earlier job's file after RecordJob: %+v, %v; want its own words %+v", first, err, shared.Words)
		}
		if got.EndedAt.IsZero() {
			t.Error("a recorded job has no end time")
		}
		if n, err := s.Unfinished(ctx, "p1"); err != nil || n != 1 {
			t.Errorf("Unfinished = %d, %v; want 1 (the recorded job has ended)", n, err)
		}
		for _, tc := range []struct {
			key, job string
			want     bool
		}{{shared.Key, "j1", true}, {shared.Key, "j2", true}, {"p1/j2/audio-0001.wav", "j2", false}, {"missing", "j1", false}} {
			if got, err := s.KeyShared(ctx, tc.key, tc.job); err != nil || got != tc.want {
				t.Errorf("KeyShared(%s, %s) = %v, %v; want %v", tc.key, tc.job, got, err, tc.want)
			}
		}
		if err := s.DeleteJob(ctx, "j2"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.KeyShared(ctx, shared.Key, "j1"); err != nil || got {
			t.Errorf("KeyShared after the other job's deletion = %v, %v; want false", got, err)
		}
		waiting := newJob("p1", "j3", ttsc.JobAudition)
		if err := s.RecordJob(ctx, waiting); ttsc.ErrorCode(err) != ttsc.EINVALID {
			t.Errorf("RecordJob of a WAITING job: %v; want EINVALID", err)
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
			f := ttsc.File{Kind: ttsc.FileAudio, Index: i, Key: fmt.Sprintf("p1/j1/audio-%04d.wav", i), Offset: int64(1000 * i), ContentType: "audio/wav", Size: int64(100 + i), DurationMs: 500}
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
		if j.Files[0].Index != 0 || j.Files[1].Index != 1 || j.Files[1].Key != "p1/j1/audio-0001.wav" || j.Files[1].Offset != 1000 {
			t.Errorf("files %+v, want indexes 0, 1 with the first record of 1 kept, at offset 1000", j.Files)
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
	t.Run("OKVocabulary", func(t *testing.T) {
		s := open(t)
		g := &ttsc.VocabularyGroup{ID: "g1", ProjectID: "p1", Name: "names"}
		if err := s.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
		if err := s.SetGroupAssets(ctx, "p1", "g1", []string{"voiceA"}); err != nil {
			t.Fatal(err)
		}
		for _, v := range []*ttsc.Vocabulary{
			{ID: "v1", ProjectID: "p1", Type: ttsc.VocabularyAlias, Key: "WHO", Value: "World Health Organization"},
			{ID: "v2", ProjectID: "p1", Type: ttsc.VocabularyG2P, Key: "重庆", Value: "chong2 qing4", GroupID: "g1"},
			{ID: "v3", ProjectID: "p1", Type: ttsc.VocabularySayAs, Key: "110", Value: "telephone", GroupID: "g1"},
			{ID: "v4", ProjectID: "p2", Type: ttsc.VocabularyAlias, Key: "WHO", Value: "who"},
		} {
			if err := s.CreateVocabulary(ctx, v); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}
		if err := s.CreateVocabulary(ctx, &ttsc.Vocabulary{ID: "v5", ProjectID: "p2", Type: ttsc.VocabularyAlias, Key: "x", GroupID: "g1"}); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("entry in another project's group: %v, want ENOTFOUND", err)
		}
		ids := func(f ttsc.VocabularyFilter) ([]string, int) {
			t.Helper()
			vs, total, err := s.ListVocabularies(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, v := range vs {
				out = append(out, v.ID)
			}
			return out, total
		}
		for _, test := range []struct {
			name  string
			f     ttsc.VocabularyFilter
			want  []string
			total int
		}{
			{"All", ttsc.VocabularyFilter{ProjectID: "p1"}, []string{"v1", "v2", "v3"}, 3},
			{"Type", ttsc.VocabularyFilter{ProjectID: "p1", Type: ttsc.VocabularyG2P}, []string{"v2"}, 1},
			{"Group", ttsc.VocabularyFilter{ProjectID: "p1", GroupID: "g1"}, []string{"v2", "v3"}, 2},
			{"BoundVoice", ttsc.VocabularyFilter{ProjectID: "p1", AssetID: "voiceA"}, []string{"v1", "v2", "v3"}, 3},
			{"OtherVoice", ttsc.VocabularyFilter{ProjectID: "p1", AssetID: "voiceB"}, []string{"v1"}, 1},
			{"SearchKey", ttsc.VocabularyFilter{ProjectID: "p1", SearchKey: "health"}, []string{"v1"}, 1},
			{"SearchLiteralPercent", ttsc.VocabularyFilter{ProjectID: "p1", SearchKey: "%"}, nil, 0},
			{"Page", ttsc.VocabularyFilter{ProjectID: "p1", Offset: 1, Limit: 1}, []string{"v2"}, 3},
		} {
			t.Run(test.name, func(t *testing.T) {
				got, total := ids(test.f)
				if diff := cmp.Diff(test.want, got); diff != "" || total != test.total {
					t.Errorf("total %d (want %d), (-want +got):\n%s", total, test.total, diff)
				}
			})
		}
		if err := s.UpdateVocabulary(ctx, &ttsc.Vocabulary{ID: "v1", ProjectID: "p1", Type: ttsc.VocabularyAlias, Key: "WHO", Value: "W H O"}); err != nil {
			t.Fatal(err)
		}
		if vs, _, _ := s.ListVocabularies(ctx, ttsc.VocabularyFilter{ProjectID: "p1", Limit: 1}); vs[0].Value != "W H O" {
			t.Errorf("after update: %+v", vs[0])
		}
		if err := s.UpdateVocabulary(ctx, &ttsc.Vocabulary{ID: "v4", ProjectID: "p1", Type: ttsc.VocabularyAlias}); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("updating another project's entry: %v, want ENOTFOUND", err)
		}
		if n, err := s.DeleteVocabularies(ctx, "p1", []string{"v1", "v4", "nope"}); err != nil || n != 1 {
			t.Errorf("DeleteVocabularies = %d, %v; want 1 (v4 is another project's)", n, err)
		}
		if err := s.RenameGroup(ctx, "p1", "g1", "renamed"); err != nil {
			t.Fatal(err)
		}
		gs, total, err := s.ListGroups(ctx, "p1", "", 0, 10)
		if err != nil || total != 1 || gs[0].Name != "renamed" || !cmp.Equal(gs[0].AssetIDs, []string{"voiceA"}) {
			t.Errorf("ListGroups: %+v, %d, %v", gs, total, err)
		}
		if err := s.DeleteGroup(ctx, "p1", "g1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := ids(ttsc.VocabularyFilter{ProjectID: "p1"}); len(got) != 0 {
			t.Errorf("entries %v outlived their group", got)
		}
		if err := s.DeleteGroup(ctx, "p1", "g1"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("second DeleteGroup: %v", err)
		}
	})
	t.Run("OKTenantConfig", func(t *testing.T) {
		s := open(t)
		c := &ttsc.TenantConfig{ID: "c1", ProjectID: "p1", Key: "vocabulary", Value: "true"}
		if err := s.SaveTenantConfig(ctx, c); err != nil {
			t.Fatal(err)
		}
		again := &ttsc.TenantConfig{ID: "c2", ProjectID: "p1", Key: "vocabulary", Value: "false"}
		if err := s.SaveTenantConfig(ctx, again); err != nil || again.ID != "c1" {
			t.Fatalf("second save: id %s, %v; want the first ID kept", again.ID, err)
		}
		cs, err := s.TenantConfigs(ctx, "p1", "vocabulary")
		if err != nil || len(cs) != 1 || cs[0].Value != "false" {
			t.Errorf("TenantConfigs: %+v, %v", cs, err)
		}
		if cs, _ := s.TenantConfigs(ctx, "p2", ""); len(cs) != 0 {
			t.Errorf("another project sees %+v", cs)
		}
	})
	t.Run("OKOnceCodeSingleUse", func(t *testing.T) {
		s := open(t)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, h := range []string{"c1", "c2"} {
			if err := s.CreateOnceCode(ctx, &ttsc.Token{Hash: h, ProjectID: "p1", CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		if c, err := s.ConsumeOnceCode(ctx, "c1", now.Add(time.Minute)); err != nil || c.ProjectID != "p1" {
			t.Fatalf("first use: %+v, %v", c, err)
		}
		if _, err := s.ConsumeOnceCode(ctx, "c1", now.Add(time.Minute)); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("second use: %v, want ENOTFOUND", err)
		}
		if _, err := s.ConsumeOnceCode(ctx, "c2", now.Add(5*time.Minute)); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("expired code: %v, want ENOTFOUND", err)
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
	t.Run("OKSparseJob", func(t *testing.T) {
		// Zero optional fields come back zero, not as empty values.
		s := open(t)
		j := &ttsc.Job{ID: "j1", ProjectID: "p1", Type: ttsc.JobWebSocket, VoiceID: "v", Text: "hi", Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatPCM}
		if err := s.CreateJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		if j.State != ttsc.JobWaiting || j.CreatedAt.IsZero() || !j.UpdatedAt.Equal(j.CreatedAt) {
			t.Errorf("CreateJob left State %q, CreatedAt %v, UpdatedAt %v", j.State, j.CreatedAt, j.UpdatedAt)
		}
		got, err := s.Job(ctx, "p1", "j1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(j, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if !got.EndedAt.IsZero() || got.Files != nil && len(got.Files) != 0 {
			t.Errorf("new job has EndedAt %v, files %v", got.EndedAt, got.Files)
		}
	})
	t.Run("OKFileRoundTrip", func(t *testing.T) {
		s := open(t)
		if err := s.CreateJob(ctx, newJob("p1", "j1", ttsc.JobAsync)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StartJob(ctx, "j1", 1); err != nil {
			t.Fatal(err)
		}
		want := []ttsc.File{
			{Kind: ttsc.FileAudio, Index: 0, Key: "p1/j1/audio-0000.wav", ContentType: "audio/wav", Size: 1234, DurationMs: 5678,
				Words: []ttsc.WordTiming{
					{Text: "Hello", BeginChar: 0, EndChar: 5, BeginMs: 12, EndMs: 340},
					{Text: "«ça»", BeginChar: 7, EndChar: 11, BeginMs: 340, EndMs: 901},
					{Text: `"x"\n👋`, BeginChar: 12, EndChar: 17, BeginMs: 901, EndMs: 5678},
				}},
			{Kind: ttsc.FileInfo, Index: 0, Key: "p1/j1/info.json", ContentType: "application/json", Size: 12},
			{Kind: ttsc.FileSRT, Index: 0, Key: "p1/j1/subtitle.srt", ContentType: "application/x-subrip", Size: 34},
		}
		// A file given its creation time keeps it, to the millisecond.
		given := time.Date(2026, 3, 4, 5, 6, 7, 8_999_999, time.UTC)
		want[1].CreatedAt = given
		for _, i := range []int{2, 0, 1} {
			if err := s.AddFile(ctx, "j1", want[i]); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Job(ctx, "p1", "j1")
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range got.Files {
			if f.CreatedAt.IsZero() || f.CreatedAt.Location() != time.UTC {
				t.Errorf("file %d CreatedAt %v, want set, UTC", i, f.CreatedAt)
			}
		}
		if len(got.Files) == 3 && !got.Files[1].CreatedAt.Equal(given.Truncate(time.Millisecond)) {
			t.Errorf("file given CreatedAt %v has %v", given, got.Files[1].CreatedAt)
		}
		if diff := cmp.Diff(want, got.Files, cmpopts.IgnoreFields(ttsc.File{}, "CreatedAt")); diff != "" {
			t.Errorf("files (-want +got):\n%s", diff)
		}
		list, _, err := s.ListJobs(ctx, ttsc.JobFilter{ProjectID: "p1"})
		if err != nil || len(list) != 1 {
			t.Fatalf("ListJobs: %v, %v", list, err)
		}
		if diff := cmp.Diff(got, list[0]); diff != "" {
			t.Errorf("ListJobs and Job differ (-Job +ListJobs):\n%s", diff)
		}
	})
	t.Run("OKStartJobRetryKeepsSegments", func(t *testing.T) {
		s := open(t)
		if err := s.CreateJob(ctx, newJob("p1", "j1", ttsc.JobAsync)); err != nil {
			t.Fatal(err)
		}
		first, err := s.StartJob(ctx, "j1", 4)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.StartJob(ctx, "j1", 7)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Errorf("StartJob on a PROCESSING job changed it (-first +again):\n%s", diff)
		}
	})
	t.Run("OKEndJobFailed", func(t *testing.T) {
		s := open(t)
		j := newJob("p1", "j1", ttsc.JobAsync)
		if err := s.CreateJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		// Ending a job that never started is allowed: validation failures.
		if err := s.EndJob(ctx, "j1", ttsc.JobFailed, "MSS.00000003", "voice gone"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Job(ctx, "p1", "j1")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != ttsc.JobFailed || got.Code != "MSS.00000003" || got.Message != "voice gone" {
			t.Errorf("ended job: state %s code %q message %q", got.State, got.Code, got.Message)
		}
		if got.EndedAt.IsZero() || got.EndedAt.Before(got.CreatedAt) || got.UpdatedAt.Before(got.EndedAt) || got.EndedAt.Location() != time.UTC {
			t.Errorf("times: created %v updated %v ended %v", got.CreatedAt, got.UpdatedAt, got.EndedAt)
		}
		if _, err := s.StartJob(ctx, "j1", 2); err != nil {
			t.Fatal(err)
		}
		if err := s.AddFile(ctx, "j1", ttsc.File{Kind: ttsc.FileAudio, Key: "k"}); err != nil {
			t.Fatal(err)
		}
		after, err := s.Job(ctx, "p1", "j1")
		if err != nil || after.State != ttsc.JobFailed || after.Segments != 0 {
			t.Errorf("StartJob after FAILED: %+v, %v", after, err)
		}
	})
	t.Run("FailOrphans", func(t *testing.T) {
		queueState := func(state rivertype.JobState) func(t *testing.T, s Store) {
			return func(t *testing.T, s Store) { SetQueueState(t, s.River(), "j1", state) }
		}
		for _, test := range []struct {
			name string
			typ  ttsc.JobType
			// started moves the job to PROCESSING first.
			started bool
			// queue leaves the job and its queue job as a crash, River or
			// an operator would.
			queue func(t *testing.T, s Store)
			// ended says the sweep ends the job FAILED.
			ended bool
		}{
			{"OKDiscardedQueueJobEndsJobFailed", ttsc.JobAsync, true, queueState(rivertype.JobStateDiscarded), true},
			{"OKDiscardedQueueJobEndsWaitingJobFailed", ttsc.JobAudition, false, queueState(rivertype.JobStateDiscarded), true},
			{"OKCancelledQueueJobEndsJobFailed", ttsc.JobAsync, false, queueState(rivertype.JobStateCancelled), true},
			{"OKDeletedQueueJobEndsJobFailed", ttsc.JobAsync, true, func(t *testing.T, s Store) { DeleteQueueJob(t, s.River(), "j1") }, true},
			{"OKLiveQueueJobLeftAlone", ttsc.JobAsync, false, func(*testing.T, Store) {}, false},
			{"OKRunningQueueJobLeftAlone", ttsc.JobAsync, true, queueState(rivertype.JobStateRunning), false},
			{"OKRetryableQueueJobLeftAlone", ttsc.JobAsync, true, queueState(rivertype.JobStateRetryable), false},
			{"OKScheduledQueueJobLeftAlone", ttsc.JobAudition, false, queueState(rivertype.JobStateScheduled), false},
			{"OKEndedJobLeftAlone", ttsc.JobAsync, true, func(t *testing.T, s Store) {
				if err := s.EndJob(ctx, "j1", ttsc.JobSucceeded, "0", ""); err != nil {
					t.Fatal(err)
				}
				SetQueueState(t, s.River(), "j1", rivertype.JobStateDiscarded)
			}, false},
			{"OKStreamedJobLeftAlone", ttsc.JobWebSocket, true, func(*testing.T, Store) {}, false},
		} {
			t.Run(test.name, func(t *testing.T) {
				s := open(t)
				createSweepJob(t, s, test.typ, test.started)
				test.queue(t, s)
				before, err := s.Job(ctx, "p1", "j1") // a cache keeps it
				if err != nil {
					t.Fatal(err)
				}
				checkSweep(t, s, before, test.ended, "FailOrphans", func(code, message string) ([]string, error) {
					return s.FailOrphans(ctx, code, message, 10)
				})
			})
		}
	})
	t.Run("FailStaleStreams", func(t *testing.T) {
		// The sweep's cut-off is an hour after the jobs' creation (they
		// are old) or an hour before it (they are recent): far enough
		// that the test needs no clock of the store's.
		const old, recent = time.Hour, -time.Hour
		for _, test := range []struct {
			name string
			typ  ttsc.JobType
			// started moves the job to PROCESSING first, ended on to
			// SUCCEED.
			started, ended bool
			// cutoff is the sweep's cut-off, from now.
			cutoff time.Duration
			// swept says the sweep ends the job FAILED.
			swept bool
		}{
			{"OKOldUnfinishedStreamEndsFailed", ttsc.JobWebSocket, true, false, old, true},
			{"OKOldWaitingStreamEndsFailed", ttsc.JobWebSocket, false, false, old, true},
			{"OKRecentStreamLeftAlone", ttsc.JobWebSocket, true, false, recent, false},
			{"OKEndedStreamLeftAlone", ttsc.JobWebSocket, true, true, old, false},
			{"OKQueuedJobLeftAlone", ttsc.JobAsync, true, false, old, false},
		} {
			t.Run(test.name, func(t *testing.T) {
				s := open(t)
				createSweepJob(t, s, test.typ, test.started)
				if test.ended {
					if err := s.EndJob(ctx, "j1", ttsc.JobSucceeded, "0", ""); err != nil {
						t.Fatal(err)
					}
				}
				before, err := s.Job(ctx, "p1", "j1") // a cache keeps it
				if err != nil {
					t.Fatal(err)
				}
				checkSweep(t, s, before, test.swept, "FailStaleStreams", func(code, message string) ([]string, error) {
					return s.FailStaleStreams(ctx, time.Now().Add(test.cutoff), code, message, 10)
				})
			})
		}
	})
	t.Run("OKFailOrphansInBatchesWithCallbacks", func(t *testing.T) {
		s := open(t)
		for i := range 3 {
			j := newJob(fmt.Sprintf("p%d", i), fmt.Sprintf("j%d", i), ttsc.JobAsync)
			j.Options = []byte(`{"callback_url":"https://example.com/cb"}`)
			if err := s.CreateJob(ctx, j); err != nil {
				t.Fatal(err)
			}
			SetQueueState(t, s.River(), j.ID, rivertype.JobStateDiscarded)
			time.Sleep(2 * time.Millisecond) // distinct creation times
		}
		if err := s.CreateJob(ctx, newJob("p1", "live", ttsc.JobAsync)); err != nil {
			t.Fatal(err)
		}
		var rounds [][]string
		for range 3 {
			ids, err := s.FailOrphans(ctx, "MSS.00000004", "gone", 2)
			if err != nil {
				t.Fatal(err)
			}
			rounds = append(rounds, ids)
		}
		if diff := cmp.Diff([][]string{{"j0", "j1"}, {"j2"}, nil}, rounds); diff != "" {
			t.Errorf("sweeps of 2, oldest first, across projects (-want +got):\n%s", diff)
		}
		res, err := s.River().JobList(ctx, river.NewJobListParams().Kinds(ttsc.CallbackArgs{}.Kind()))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Jobs) != 3 {
			t.Errorf("%d callbacks queued; want one for each swept job", len(res.Jobs))
		}
		if live, err := s.Job(ctx, "p1", "live"); err != nil || live.State != ttsc.JobWaiting {
			t.Errorf("the job still queued: %+v, %v; want WAITING", live, err)
		}
	})
	t.Run("OKExpiredAndDeleted", func(t *testing.T) {
		s := open(t)
		for i, p := range []string{"p1", "p2", "p1"} {
			if err := s.CreateJob(ctx, newJob(p, fmt.Sprintf("j%d", i), ttsc.JobAsync)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond) // distinct creation times
		}
		if err := s.AddFile(ctx, "j0", ttsc.File{Kind: ttsc.FileAudio, Key: "p1/j0/audio-0000.wav", Size: 9}); err != nil {
			t.Fatal(err)
		}
		if none, err := s.ExpiredJobs(ctx, time.Now().Add(-time.Hour), 10); err != nil || len(none) != 0 {
			t.Errorf("jobs created before an hour ago: %d, %v; want none", len(none), err)
		}
		got, err := s.ExpiredJobs(ctx, time.Now().Add(time.Minute), 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != "j0" || got[1].ID != "j1" || len(got[0].Files) != 1 || got[0].Files[0].Key != "p1/j0/audio-0000.wav" {
			t.Fatalf("ExpiredJobs = %+v; want j0 (with its file) and j1, across projects, oldest first", got)
		}
		for _, id := range []string{"j0", "j0", "missing"} {
			if err := s.DeleteJob(ctx, id); err != nil {
				t.Errorf("DeleteJob(%s): %v", id, err)
			}
		}
		if _, err := s.Job(ctx, "p1", "j0"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("deleted job: %v, want ENOTFOUND", err)
		}
		if err := s.AddFile(ctx, "j0", ttsc.File{Kind: ttsc.FileAudio, Index: 1, Key: "k"}); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("AddFile to a deleted job: %v, want ENOTFOUND", err)
		}
		if err := s.EndJob(ctx, "j2", ttsc.JobSucceeded, "0", ""); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Unfinished(ctx, "p1"); err != nil || n != 0 {
			t.Errorf("p1 unfinished: %d, %v; want 0 (j0 deleted, j2 ended)", n, err)
		}
		if n, err := s.Unfinished(ctx, "p2"); err != nil || n != 1 {
			t.Errorf("p2 unfinished: %d, %v; want 1", n, err)
		}
		left, err := s.ExpiredJobs(ctx, time.Now().Add(time.Minute), 10)
		if err != nil || len(left) != 2 {
			t.Errorf("after deleting one: %d jobs, %v; want 2", len(left), err)
		}
	})
	t.Run("OKListJobsMore", func(t *testing.T) {
		s := open(t)
		for i := range 4 {
			if err := s.CreateJob(ctx, newJob("p1", fmt.Sprintf("j%d", i), ttsc.JobAudition)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}
		all, total, err := s.ListJobs(ctx, ttsc.JobFilter{ProjectID: "p1"})
		if err != nil || total != 4 || len(all) != 4 {
			t.Fatalf("ListJobs: %d of %d, %v", len(all), total, err)
		}
		if jobs, total, err := s.ListJobs(ctx, ttsc.JobFilter{ProjectID: "p1", Offset: 10, Limit: 2}); err != nil || total != 4 || len(jobs) != 0 {
			t.Errorf("offset past the end: %d jobs, total %d, %v", len(jobs), total, err)
		}
		if jobs, total, err := s.ListJobs(ctx, ttsc.JobFilter{ProjectID: "p1", Offset: 3}); err != nil || total != 4 || len(jobs) != 1 || jobs[0].ID != "j0" {
			t.Errorf("offset without limit: %v, total %d, %v", jobs, total, err)
		}
		f := ttsc.JobFilter{ProjectID: "p1", CreatedSince: all[2].CreatedAt, CreatedUntil: all[1].CreatedAt}
		if jobs, total, err := s.ListJobs(ctx, f); err != nil || total != 2 || len(jobs) != 2 || jobs[0].ID != "j2" || jobs[1].ID != "j1" {
			t.Errorf("since and until: %v, total %d, %v", jobs, total, err)
		}
		if jobs, total, err := s.ListJobs(ctx, ttsc.JobFilter{ProjectID: "p1", ID: "j1", Type: ttsc.JobAsync}); err != nil || total != 0 || len(jobs) != 0 {
			t.Errorf("ID and another type: %v, total %d, %v", jobs, total, err)
		}
		if jobs, total, err := s.ListJobs(ctx, ttsc.JobFilter{ProjectID: "p2", ID: "j1"}); err != nil || total != 0 || len(jobs) != 0 {
			t.Errorf("ID of another project: %v, total %d, %v", jobs, total, err)
		}
	})
	t.Run("OKCredentialTimes", func(t *testing.T) {
		s := open(t)
		at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		for i, ak := range []string{"AKB", "AKA", "AKC"} {
			c := &ttsc.Credential{AccessKey: ak, SecretKey: "S" + ak, ProjectID: "p1", CreatedAt: at.Add(time.Duration(i) * time.Second)}
			if err := s.CreateCredential(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		fresh := &ttsc.Credential{AccessKey: "AKD", SecretKey: "SAKD", ProjectID: "p2"}
		if err := s.CreateCredential(ctx, fresh); err != nil {
			t.Fatal(err)
		}
		if fresh.CreatedAt.IsZero() {
			t.Error("CreateCredential left CreatedAt zero")
		}
		got, err := s.Credential(ctx, "AKA")
		if want := (&ttsc.Credential{AccessKey: "AKA", SecretKey: "SAKA", ProjectID: "p1", CreatedAt: at.Add(time.Second)}); err != nil || !cmp.Equal(got, want) {
			t.Errorf("Credential = %+v, %v; want %+v", got, err, want)
		}
		list, err := s.ListCredentials(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		var aks []string
		for _, c := range list {
			aks = append(aks, c.AccessKey)
			if c.SecretKey != "" || c.CreatedAt.Location() != time.UTC {
				t.Errorf("listed %+v: want no secret, UTC time", c)
			}
		}
		if diff := cmp.Diff([]string{"AKB", "AKA", "AKC"}, aks); diff != "" {
			t.Errorf("ListCredentials order, oldest first (-want +got):\n%s", diff)
		}
		if list, err := s.ListCredentials(ctx, "nobody"); err != nil || len(list) != 0 {
			t.Errorf("ListCredentials of an unknown project: %v, %v", list, err)
		}
		if err := s.DeleteCredential(ctx, "never"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("DeleteCredential of an unknown key: %v, want ENOTFOUND", err)
		}
	})
	t.Run("OKTokenRoundTrip", func(t *testing.T) {
		s := open(t)
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		want := &ttsc.Token{Hash: "ab12", ProjectID: "p1", CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
		if err := s.CreateToken(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.Token(ctx, "ab12", now)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("token (-want +got):\n%s", diff)
		}
		if _, err := s.Token(ctx, "ab12", now.Add(24*time.Hour+time.Millisecond)); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("after expiry: %v, want ENOTFOUND", err)
		}
		if _, err := s.Token(ctx, "ab12", now.Add(24*time.Hour-time.Millisecond)); err != nil {
			t.Errorf("a millisecond before expiry: %v", err)
		}
	})
}

// checkSweep runs sweep, named name, on a store whose job j1 of project
// p1 read before before it; swept says the sweep must end it FAILED with
// the code and message it is given, else leave it as it was. A second
// sweep must change nothing.
func checkSweep(t *testing.T, s Store, before *ttsc.Job, swept bool, name string, sweep func(code, message string) ([]string, error)) {
	t.Helper()
	ctx := context.Background()
	const code, message = "MSS.00000004", "swept"
	ids, err := sweep(code, message)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Job(ctx, "p1", "j1")
	if err != nil {
		t.Fatal(err)
	}
	if !swept {
		if len(ids) != 0 {
			t.Errorf("%s = %v; want none", name, ids)
		}
		if diff := cmp.Diff(before, got); diff != "" {
			t.Errorf("the sweep changed the job (-before +after):\n%s", diff)
		}
		return
	}
	if diff := cmp.Diff([]string{"j1"}, ids); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
	if got.State != ttsc.JobFailed || got.Code != code || got.Message != message || got.EndedAt.IsZero() {
		t.Errorf("swept job: %s %q %q ended %v; want FAILED %q %q with an end time", got.State, got.Code, got.Message, got.EndedAt, code, message)
	}
	if again, err := sweep("other", "other"); err != nil || len(again) != 0 {
		t.Errorf("a second sweep = %v, %v; want nothing to end", again, err)
	}
	if after, err := s.Job(ctx, "p1", "j1"); err != nil || after.Code != code || after.Message != message {
		t.Errorf("after a second sweep: %+v, %v; want the first sweep's code and message", after, err)
	}
}

// createSweepJob creates job j1 of project p1, of type typ, and starts
// it when started, for a sweep to find.
func createSweepJob(t *testing.T, s Store, typ ttsc.JobType, started bool) {
	t.Helper()
	ctx := context.Background()
	if err := s.CreateJob(ctx, newJob("p1", "j1", typ)); err != nil {
		t.Fatal(err)
	}
	if started {
		if _, err := s.StartJob(ctx, "j1", 2); err != nil {
			t.Fatal(err)
		}
	}
}
