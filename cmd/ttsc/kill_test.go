package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metastudio "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/store/storetest"
	"github.com/openttsc/ttsc/internal/worker"
)

// process is `ttsc serve` running as a real process: the test binary
// itself, with TTSC_TEST_COMMAND=1 (see TestMain).
type process struct {
	name string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	addr string
}

// freeAddr returns a loopback address no one listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startProcess starts `ttsc serve` with args on addr and waits until it
// answers /healthz.
func startProcess(t *testing.T, name, addr string, args ...string) *process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{name: name, log: &bytes.Buffer{}, addr: addr}
	p.cmd = exec.Command(exe, append([]string{"serve", "--addr", addr, "--log-format", "text", "--log-level", "warn"}, args...)...)
	p.cmd.Env = append(os.Environ(), "TTSC_TEST_COMMAND=1")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.log.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not come up: %v\n%s", name, err, p.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL: no shutdown code runs.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

// stop sends SIGTERM and waits for the process to exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not stop within 30s of SIGTERM", p.name)
	}
}

// TestKillNineLosesNothing queues 300 async jobs, SIGKILLs the process
// working them mid-run and starts it again: every job must end SUCCEED
// with exactly one playable file, and no file may be left that no job
// records. On PostgreSQL, an API process and two worker processes share
// the database and one worker is killed.
func TestKillNineLosesNothing(t *testing.T) {
	onlyOn(t, "sqlite", "postgres") // counts files on disk
	if testing.Short() {
		t.Skip("kills and restarts servers")
	}
	dir := t.TempDir()
	var cfg ServeConfig
	backends(t, &cfg)
	common := append([]string{"--data", dir, "--engine-workers", "2", "--job-timeout", "10s", "--rescue-after", "11s", "--shutdown-timeout", "5s",
		"--rate-synthesis", "0", "--rate-query", "0"}, dbFlag(cfg)...)
	var out bytes.Buffer
	if code := run(context.Background(), append([]string{"credentials", "create", "--data", dir}, dbFlag(cfg)...), nil, &out, os.Stderr); code != 0 {
		t.Fatal("credentials create failed")
	}
	var created struct {
		ProjectID string `json:"project_id"`
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	if err := json.Unmarshal(out.Bytes(), &created); err != nil {
		t.Fatalf("credentials: %v: %s", err, out.String())
	}
	cred := ttsc.Credential{ProjectID: created.ProjectID, AccessKey: created.AccessKey, SecretKey: created.SecretKey}

	apiAddr := freeAddr(t)
	var victim *process
	var workerArgs []string
	if testMode == "sqlite" {
		victim = startProcess(t, "server", apiAddr, common...)
	} else {
		startProcess(t, "api", apiAddr, append(common, "--role", "api", "--engine-workers", "1")...)
		workerArgs = append(common, "--role", "worker")
		startProcess(t, "worker 1", freeAddr(t), workerArgs...)
		victim = startProcess(t, "worker 2", freeAddr(t), workerArgs...)
	}
	c := sdkClient(t, "http://"+apiAddr, &cred)

	// flite reads slowly enough that the kill finds jobs running.
	voice := voiceID(t, "EN")
	const n = 300
	ids := make([]string, n)
	wav := model.GetCreateAsyncTtsJobRequestBodyAudioFormatEnum().WAV
	for i := range n {
		text := fmt.Sprintf("Job %d of %d. %s", i, n, strings.Repeat("Every job must end exactly once, with its file. ", 3))
		resp, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
			Text: text, VoiceAssetId: voice, AudioFormat: &wav}})
		if err != nil {
			t.Fatalf("job %d: %v", i, err)
		}
		ids[i] = *resp.JobId
	}
	// Kill mid-run: once the tenth of the jobs queued first is done, and
	// while the last is not.
	for state(t, c, ids[n/10]) != "SUCCEED" {
		time.Sleep(10 * time.Millisecond)
	}
	if state(t, c, ids[n-1]) == "SUCCEED" {
		t.Fatal("every job finished before the kill; the test proves nothing")
	}
	// Previews too, of several files each, which share a blob on disk:
	// the kill comes once the first has a file.
	previews := make([]string, 30)
	for i := range previews {
		text := fmt.Sprintf("Preview %d. %s", i, strings.Repeat("A preview killed while its files are written keeps each file it recorded whole, and reads the rest again. ", 6))
		resp, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: text, Emotion: voice}})
		if err != nil {
			t.Fatalf("preview %d: %v", i, err)
		}
		previews[i] = *resp.JobId
	}
	for {
		r, err := c.ShowTtsAuditionFile(&model.ShowTtsAuditionFileRequest{JobId: previews[0]})
		if err != nil {
			t.Fatal(err)
		}
		if len(*r.Files) > 0 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	complete := 0
	for _, id := range previews {
		if r, err := c.ShowTtsAuditionFile(&model.ShowTtsAuditionFileRequest{JobId: id}); err == nil && *r.IsFileComplete {
			complete++
		}
	}
	victim.kill(t)
	t.Logf("killed %s mid-run, with %d of %d previews complete", victim.name, complete, len(previews))
	if testMode == "sqlite" {
		startProcess(t, "server (restarted)", apiAddr, common...)
	} else {
		startProcess(t, "worker 2 (restarted)", freeAddr(t), workerArgs...)
	}

	deadline := time.Now().Add(3 * time.Minute)
	for _, id := range ids {
		for {
			s := state(t, c, id)
			if s == "SUCCEED" {
				break
			}
			if s == "FAILED" || time.Now().After(deadline) {
				t.Fatalf("job %s is %s", id, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	checkFiles(t, c, dir, cfg.Database, ids, previews)
}

// dbFlag returns the --database flag of cfg, if any.
func dbFlag(cfg ServeConfig) []string {
	if cfg.Database == "" {
		return nil
	}
	return []string{"--database", cfg.Database}
}

// state returns a job's state.
func state(t *testing.T, c *metastudio.MetaStudioClient, id string) string {
	t.Helper()
	resp, err := c.ShowAsyncTtsJob(&model.ShowAsyncTtsJobRequest{JobId: id})
	if err != nil {
		t.Fatalf("ShowAsyncTtsJob(%s): %v", id, err)
	}
	return *resp.State
}

// checkFiles checks that each async job has exactly one playable audio
// file, that each preview ended with playable files in order, and that
// the blob directory holds exactly the blobs the jobs record.
func checkFiles(t *testing.T, c *metastudio.MetaStudioClient, dir, database string, ids, previews []string) {
	t.Helper()
	db, err := openStore(context.Background(), database, dir, "", storeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	project := projectOf(t, db)
	recorded := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for _, id := range ids {
		job, err := c.ShowAsyncTtsJob(&model.ShowAsyncTtsJobRequest{JobId: id})
		if err != nil {
			t.Fatal(err)
		}
		jobs, _, err := db.ListJobs(context.Background(), ttsc.JobFilter{ProjectID: project, ID: id})
		if err != nil || len(jobs) != 1 {
			t.Fatalf("job %s: %v, %v", id, jobs, err)
		}
		if n := len(jobs[0].Files); n != 1 || jobs[0].Files[0].Kind != ttsc.FileAudio {
			t.Errorf("job %s has %d files (%+v), want one audio file", id, n, jobs[0].Files)
		}
		for _, f := range jobs[0].Files {
			recorded[f.Key] = true
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			resp, err := http.Get(*job.AudioFileUrl)
			if err != nil {
				mu.Lock()
				t.Errorf("download %s: %v", id, err)
				mu.Unlock()
				return
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			p, err := audio.DecodeWAV(b.Bytes())
			if err == nil {
				err = audio.CheckSpeech(p)
			}
			if err != nil {
				mu.Lock()
				t.Errorf("job %s: audio not playable speech: %v", id, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, id := range previews {
		resp := waitAudition(t, c, id)
		if *resp.Code != "0" || len(*resp.Files) < 3 {
			t.Errorf("preview %s: code %s, %d files; want 0 with 3 or more", id, *resp.Code, len(*resp.Files))
		}
		checkPreviewFiles(t, *resp.Files)
		for i, f := range *resp.Files {
			p, err := audio.DecodeWAV(download(t, f.DownloadUrl))
			if err == nil {
				err = audio.CheckSpeech(p)
			}
			if err != nil {
				t.Errorf("preview %s file %d: not playable speech: %v", id, i, err)
			}
		}
		jobs, _, err := db.ListJobs(context.Background(), ttsc.JobFilter{ProjectID: project, ID: id})
		if err != nil || len(jobs) != 1 {
			t.Fatalf("preview %s: %v, %v", id, jobs, err)
		}
		for _, f := range jobs[0].Files {
			recorded[f.Key] = true
		}
	}
	var stored []string
	root := filepath.Join(dir, "blobs")
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			stored = append(stored, filepath.ToSlash(rel))
		}
		return nil
	})
	for _, key := range stored {
		if !recorded[key] {
			t.Errorf("orphan blob %s: no job records it", key)
		}
	}
	if len(stored) != len(recorded) {
		t.Errorf("%d blobs stored, %d recorded", len(stored), len(recorded))
	}
}

// projectOf returns the project of a job, which the store's listing
// needs.
func projectOf(t *testing.T, db store) string {
	t.Helper()
	cs, err := db.ListCredentials(context.Background(), "")
	if err != nil || len(cs) == 0 {
		t.Fatalf("credentials: %v", err)
	}
	return cs[0].ProjectID
}

// TestOrphanedJobEndsFailed covers a worker killed during a job's last
// attempt: River's rescuer discards the queue job without running any of
// ttsc's code, and before the orphan sweep the job stayed PROCESSING for
// ever. The rescuer's move is made here directly (the real one waits
// --rescue-after and runs every 30 s); the sweep must end the job FAILED,
// and must leave it alone while its queue job still runs.
func TestOrphanedJobEndsFailed(t *testing.T) {
	ts := startServer(t, "", func(c *ServeConfig) {
		c.orphansEvery = 100 * time.Millisecond
		c.ShutdownTimeout = time.Second
		c.RateQuery = 0
	})
	c := ts.client(t, ts.Cred)
	// flite reads 3,000 digits for half a minute or more.
	created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
		Text: randomRun(5, 3000, "0123456789"), VoiceAssetId: fliteVoice(t)}})
	if err != nil {
		t.Fatal(err)
	}
	id := *created.JobId
	deadline := time.Now().Add(10 * time.Second)
	for state(t, c, id) != "PROCESSING" {
		if time.Now().After(deadline) {
			t.Fatalf("job %s never started", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
	q := queueOf(ts)
	t.Run("OKLiveQueueJobLeftAlone", func(t *testing.T) {
		waitSweeps(t, ts, 2)
		if s := state(t, c, id); s != "PROCESSING" {
			t.Fatalf("a job whose queue job runs is %s after two sweeps; want PROCESSING", s)
		}
	})
	t.Run("OKDiscardedQueueJobEndsJobFailed", func(t *testing.T) {
		storetest.SetQueueState(t, q, id, rivertype.JobStateDiscarded)
		start := time.Now()
		job := waitAsyncWithin(t, c, id, 10*time.Second, nil)
		t.Logf("ended %s %v after %v", *job.State, deref(job.Code), time.Since(start).Round(time.Millisecond))
		if *job.State != "FAILED" || deref(job.Code) != "MSS.00000004" || deref(job.Message) != worker.OrphanMessage {
			t.Errorf("job %s code %v message %q; want FAILED MSS.00000004 %q", *job.State, deref(job.Code), deref(job.Message), worker.OrphanMessage)
		}
		if n := logCount(ts, "job failed: its queued work will not run again", id); n != 1 {
			t.Errorf("the sweep logged the job %d times; want once", n)
		}
	})
}

// queueOf returns the server's queue.
func queueOf(ts *testServer) *river.Client[*sql.Tx] {
	return ts.db.(interface{ River() *river.Client[*sql.Tx] }).River()
}

// waitSweeps waits until n more orphan sweeps have run.
func waitSweeps(t *testing.T, ts *testServer, n int) {
	t.Helper()
	sweeps := func() int {
		res, err := queueOf(ts).JobList(context.Background(), river.NewJobListParams().
			Kinds(ttsc.OrphanArgs{}.Kind()).States(rivertype.JobStateCompleted).First(10000))
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Jobs)
	}
	// The first sweep waits for the queue to elect its leader.
	want := sweeps() + n
	deadline := time.Now().Add(15 * time.Second)
	for sweeps() < want {
		if time.Now().After(deadline) {
			t.Fatal("no sweeps ran")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStreamedJobOfDeadProcessEndsFailed covers a process killed
// mid-stream: its streamed job has no queue job, and before the sweep it
// stayed PROCESSING for ever. A lone SQLite process serves every stream
// of its database, so it ends such jobs as it starts; on PostgreSQL
// other processes may be serving them, so they are left alone until
// they are older than a live stream can be, and the sweep ends them then.
func TestStreamedJobOfDeadProcessEndsFailed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var cfg ServeConfig
	backends(t, &cfg)
	newStream := func(t *testing.T, db ttsc.JobStore, id string) {
		t.Helper()
		j := &ttsc.Job{ID: id, ProjectID: "p1", Type: ttsc.JobWebSocket, VoiceID: voiceID(t, "EN"), Text: "Cut short.",
			Prosody: ttsc.DefaultProsody(), Format: ttsc.FormatPCM}
		if err := db.CreateJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		if _, err := db.StartJob(ctx, id, 1); err != nil {
			t.Fatal(err)
		}
	}
	// What a process killed mid-stream leaves in the database.
	db, err := openStore(ctx, cfg.Database, dir, "", storeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	newStream(t, db, "before-start")
	db.Close()

	ts := startServer(t, dir, func(c *ServeConfig) {
		c.Database = cfg.Database
		c.orphansEvery = 100 * time.Millisecond
		c.ShutdownTimeout = time.Second
	})
	// checkState checks the state of the job id, and its code and
	// message when it failed.
	checkState := func(t *testing.T, id string, want ttsc.JobState) {
		t.Helper()
		j, err := ts.db.Job(ctx, "p1", id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != want || want == ttsc.JobFailed && (j.Code != "MSS.00000004" || j.Message != worker.StreamOrphanMessage) {
			t.Errorf("job %s: %s %q %q; want %s", id, j.State, j.Code, j.Message, want)
		}
	}
	t.Run("OKSoleProcessEndsThemAtStart", func(t *testing.T) {
		onlyOn(t, "sqlite")
		checkState(t, "before-start", ttsc.JobFailed)
	})
	t.Run("OKSharedDatabaseLeavesRecentOnesAlone", func(t *testing.T) {
		onlyOn(t, "postgres", "postgres-s3")
		waitSweeps(t, ts, 2)
		checkState(t, "before-start", ttsc.JobProcessing)
	})
	t.Run("OKSweepEndsThemOnceOlderThanALiveStreamCanBe", func(t *testing.T) {
		// Left by another process (PostgreSQL) or by a connection this
		// process no longer serves.
		newStream(t, ts.db, "while-serving")
		waitSweeps(t, ts, 1)
		checkState(t, "while-serving", ttsc.JobProcessing)
		ts.Clock.Advance(ts.Config.JobTimeout + worker.StreamMargin + time.Second)
		waitSweeps(t, ts, 2)
		checkState(t, "before-start", ttsc.JobFailed)
		checkState(t, "while-serving", ttsc.JobFailed)
		if n := logCount(ts, "streamed job failed: the process serving its connection ended", "while-serving"); n != 1 {
			t.Errorf("the sweep logged the job %d times; want once", n)
		}
	})
}
