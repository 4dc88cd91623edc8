package main

// The soak (`make soak`, `ttsc-bench -soak 5m`): one `ttsc serve` on
// SQLite with its default rate limits, a steady open-loop mix of every
// kind of request at about 80% of the capacity measured in the same run,
// then a burst that must be refused with 429s, then an audit that every
// job created ended. The report goes to stdout and to -soak-out, and the
// run fails when a criterion does.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	gomp3 "github.com/hajimehoshi/go-mp3"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/voices"
)

// The shape of the steady mix. Its engine load is counted in
// 100-character previews, what the calibration measures: the mix runs at
// soakLoad of that capacity, split between previews, async jobs and
// streams by their shares.
const (
	soakLoad     = 0.8
	previewShare = 0.5
	asyncShare   = 0.3
	streamShare  = 0.2

	previewChars = 100
	asyncChars   = 300
	streamChars  = 60
	burstChars   = 20

	// asyncCost and streamCost are what one async job and one streamed
	// START cost in 100-character previews: three times the text, and
	// MP3 encoding about half as much again; streams skip the queue.
	asyncCost  = 4.5
	streamCost = 0.6

	// startsPerStream STARTs go down each WebSocket connection.
	startsPerStream = 2
	// limitShare is the share of a project's synthesis rate limit the
	// mix may use; projects are added until it holds.
	limitShare = 0.6
	// minProjects share the mix, at least.
	minProjects = 3
	// burstFactor times one project's synthesis rate is the burst.
	burstFactor = 10
	// maxRSSDrift is the largest change of memory allowed between the
	// start (after the warm-up) and the end of the mix, in percent.
	maxRSSDrift = 10.0
	// listPage is the page size of job listings.
	listPage = 100
)

// soakPlan is the length of each phase of a soak whose mix runs for mix
// after its warm-up. The warm-up lasts until every cache of the server
// (result segments, preview files, jobs; all bounded) is full, as its
// metrics show, so that its memory is at its steady level; but at least
// warmupMin and at most warmupMax.
type soakPlan struct {
	mix, warmupMin, warmupMax, calibrate, burst, drain, sample time.Duration
}

// planSoak scales the phases with the length of the mix.
func planSoak(d time.Duration) soakPlan {
	return soakPlan{
		mix:       d,
		warmupMin: clampDuration(d/5, 5*time.Second, time.Minute),
		warmupMax: clampDuration(2*d, 3*time.Minute, 5*time.Minute),
		calibrate: clampDuration(d/4, 5*time.Second, 15*time.Second),
		burst:     3 * time.Second,
		drain:     clampDuration(d/5, 15*time.Second, time.Minute),
		sample:    clampDuration(d/30, time.Second, 5*time.Second),
	}
}

// cacheFull is the share of its bound at which the warm-up counts a
// cache of the server as full.
const cacheFull = 0.95

// clampDuration is d within [lo, hi].
func clampDuration(d, lo, hi time.Duration) time.Duration { return min(max(d, lo), hi) }

// mixPlan is the steady mix: each flow's starts a second, over all the
// projects that share it.
type mixPlan struct {
	capacity                                       float64 // completed 100-character previews a second
	previews, async, streams, lists, vocab, tenant float64
	projects                                       int
}

// planMix sizes the mix for capacity previews a second and a synthesis
// rate limit of synthRate a second per project (0: none).
func planMix(capacity, synthRate float64) mixPlan {
	load := soakLoad * capacity
	m := mixPlan{
		capacity: capacity,
		previews: previewShare * load,
		async:    asyncShare * load / asyncCost,
		streams:  streamShare * load / streamCost / startsPerStream,
		projects: minProjects,
	}
	if synthRate > 0 {
		m.projects = max(minProjects, int(math.Ceil(m.synthesis()/(limitShare*synthRate))))
	}
	n := float64(m.projects)
	m.lists, m.vocab, m.tenant = n, 0.5*n, 0.2*n
	return m
}

// synthesis is the synthesis requests a second of the mix.
func (m mixPlan) synthesis() float64 {
	return m.previews + m.async + m.streams*startsPerStream
}

// project is one project of the soak: the server seen with that
// project's access key, and a token for its streams.
type project struct {
	*server
	token   string
	vocabOn atomic.Bool
}

// flowFunc is one flow of the mix, run against a project.
type flowFunc func(context.Context, *project) error

// soak is one run of the soak.
type soak struct {
	plan     soakPlan
	srv      *server
	projects []*project // the mix's, then the burst's
	voice    string
	words    []string
	client   *http.Client
	slots    chan struct{} // bounds the flows in flight
	seq      atomic.Uint64
	jobs     jobBook
	// stats records the current phase: the mix, then what follows it.
	// It is switched only while no flow runs.
	stats *soakStats
}

// runSoak runs a soak whose mix lasts d after its warm-up with the ttsc
// binary bin and writes the report to out. It returns an error when a
// criterion fails.
func runSoak(bin, out string, d time.Duration) error {
	began := time.Now()
	k, r, err := prepareSoak(bin, d)
	if err != nil {
		return err
	}
	defer k.srv.stop()
	k.measure(r)
	r.total = time.Since(began)
	return r.finish(out)
}

// prepareSoak reads the server's default limits, measures the capacity
// and starts the soak server with the projects the mix needs and one for
// the burst.
func prepareSoak(bin string, d time.Duration) (*soak, *soakReport, error) {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return nil, nil, err
	}
	para, err := os.ReadFile("testdata/en-paragraph.txt")
	if err != nil {
		return nil, nil, err
	}
	hosts := runtime.NumCPU()
	k := &soak{
		plan:   planSoak(d),
		voice:  voiceOf(voices.EngineEspeak).ID,
		words:  soakWords(string(para)),
		client: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: 10 * time.Second}},
		slots:  make(chan struct{}, max(32, 16*hosts)),
		stats:  newSoakStats(),
	}
	r := &soakReport{plan: k.plan, hosts: hosts}
	if r.limits, err = serveDefaults(bin); err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(os.Stderr, "soak: calibrating for %s\n", k.plan.calibrate)
	capacity, err := calibrate(bin, hosts, k.voice, k.text(previewChars), k.plan.calibrate)
	if err != nil {
		return nil, nil, err
	}
	r.mix = planMix(capacity, r.synthRate())
	if err := k.start(bin, r.serveArgs(), r.mix.projects+1); err != nil {
		return nil, nil, err
	}
	return k, r, nil
}

// measure runs the mix, then the burst on the last project, then the
// audit of the jobs, and stops the server.
func (k *soak) measure(r *soakReport) {
	fmt.Fprintf(os.Stderr, "soak: mix of %.0f synthesis requests/s over %d projects, then %s\n", r.mix.synthesis(), r.mix.projects, k.plan.mix)
	r.run = k.runMix(r.mix)
	r.stats, k.stats = k.stats, newSoakStats()
	fmt.Fprintln(os.Stderr, "soak: burst, then audit")
	r.burst = k.runBurst(k.projects[len(k.projects)-1], r.synthRate())
	r.audit = k.audit(time.Now().Add(k.plan.drain))
	r.after = k.stats
	k.srv.stop()
}

// calibrate measures the completed previews a second of text that a
// fresh server with hosts engine hosts, no rate limits and no result
// cache sustains with a closed loop for d. A server of its own, because
// the soak server's rate limits would cap the loop below the capacity.
func calibrate(bin string, hosts int, voice, text string, d time.Duration) (float64, error) {
	cal, err := startServer(bin, "--engine-workers", fmt.Sprint(hosts), "--cache-mb", "0")
	if err != nil {
		return 0, err
	}
	defer cal.stop()
	chars, err := cal.throughput(voice, text, 4*hosts, d, cal.preview)
	if err != nil {
		return 0, err
	}
	return chars / float64(len([]rune(text))), nil
}

// serveDefaults reads the defaults of `ttsc serve`'s flags from its help.
func serveDefaults(bin string) (map[string]string, error) {
	out, _ := exec.Command(bin, "serve", "-h").CombinedOutput()
	defs := parseFlagDefaults(string(out))
	for _, name := range slices.Concat(soakLimitFlags, []string{cacheFlag}) {
		if defs[name] == "" {
			return nil, fmt.Errorf("`%s serve -h` shows no default for --%s", bin, name)
		}
	}
	return defs, nil
}

// soakLimitFlags are the limits the soak runs with at their defaults.
var soakLimitFlags = []string{"rate-synthesis", "rate-query", "rate-manage", "max-unfinished"}

// serveDefaults also reads the size of the result cache.
const cacheFlag = "cache-mb"

var (
	flagLine    = regexp.MustCompile(`^\s+-([a-z][a-z0-9-]*)`)
	defaultText = regexp.MustCompile(`\(default "?([^")]*)"?\)\s*$`)
)

// parseFlagDefaults maps flag names to the defaults that Go's flag
// package prints in a help text.
func parseFlagDefaults(help string) map[string]string {
	defs := map[string]string{}
	name := ""
	for _, line := range strings.Split(help, "\n") {
		if m := flagLine.FindStringSubmatch(line); m != nil {
			name = m[1]
		}
		if m := defaultText.FindStringSubmatch(line); m != nil && name != "" {
			defs[name] = m[1]
		}
	}
	return defs
}

// start starts the soak server with args and makes n projects on it: the
// one the server prints on first start and n-1 more. On failure the
// server is stopped.
func (k *soak) start(bin string, args []string, n int) (err error) {
	srv, err := startServer(bin, args...)
	if err != nil {
		return err
	}
	k.srv = srv
	defer func() {
		if err != nil {
			srv.stop()
		}
	}()
	for i := range n {
		p := &project{server: srv}
		if i > 0 {
			if p.server, err = k.newCredentials(); err != nil {
				return err
			}
		}
		var tok struct {
			Token string `json:"token"`
		}
		if err := ttscJSON(&tok, bin, "tokens", "create", "--data", srv.dir, "--project", p.project); err != nil {
			return err
		}
		p.token = tok.Token
		k.projects = append(k.projects, p)
	}
	return nil
}

// newCredentials creates a project with `ttsc credentials create` while
// the server runs and returns the server seen with its access key.
func (k *soak) newCredentials() (*server, error) {
	var c struct {
		ProjectID string `json:"project_id"`
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	if err := ttscJSON(&c, k.srv.bin, "credentials", "create", "--data", k.srv.dir); err != nil {
		return nil, err
	}
	s := *k.srv // shares the processes: only k.srv stops them
	s.project, s.ak, s.sk = c.ProjectID, c.AccessKey, c.SecretKey
	return &s, nil
}

// ttscJSON runs a ttsc command that prints a JSON object and decodes it
// into v.
func ttscJSON(v any, bin string, args ...string) error {
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		return fmt.Errorf("ttsc %s: %w", strings.Join(args, " "), err)
	}
	return json.Unmarshal(out, v)
}

// soakWords are the words of text in lower case, without punctuation.
func soakWords(text string) []string {
	var words []string
	for _, w := range strings.Fields(strings.ToLower(text)) {
		if w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }); w != "" {
			words = append(words, w)
		}
	}
	return words
}

// text returns a text of at most n characters that no other call
// returns: sentences of 6 to 11 words drawn at random, so that the result
// cache, which keeps sentences, does not answer it.
func (k *soak) text(n int) string {
	return randomText(rand.New(rand.NewPCG(k.seq.Add(1), 0x50a4)), k.words, n)
}

// randomText makes sentences of words from r until the next word would
// pass n bytes.
func randomText(r *rand.Rand, words []string, n int) string {
	var b strings.Builder
	left := 0 // words left in the sentence
	for {
		w := words[r.IntN(len(words))]
		if left == 0 {
			w, left = strings.ToUpper(w[:1])+w[1:], 6+r.IntN(6)
		}
		if b.Len()+len(w)+2 > n {
			break
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if left--; left == 0 {
			b.WriteByte('.')
		}
	}
	return strings.TrimSuffix(b.String(), ".") + "."
}

// mixRun is what runMix measured.
type mixRun struct {
	warmup, length time.Duration      // of the warm-up and the whole mix
	fills          map[string]float64 // the server's caches when the warm-up ended
	mem            []memSample
	cpu            float64 // share of the machine's CPU time busy after the warm-up
}

// runMix runs the mix through its warm-up and then for the plan's
// length, and waits for its flows to end (at most the drain time longer).
func (k *soak) runMix(m mixPlan) mixRun {
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	flows, stop := context.WithCancel(context.Background())
	defer stop()
	samples := k.sampleMemory(ctx, k.plan.sample)
	mix := k.projects[:m.projects]
	var wg sync.WaitGroup
	for _, f := range k.flows(m) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k.schedule(ctx, flows, &wg, mix, f.name, f.rate, f.fn)
		}()
	}
	var r mixRun
	r.warmup, r.fills = k.warmUp(start)
	fmt.Fprintf(os.Stderr, "soak: warm-up over after %s\n", r.warmup.Round(time.Second))
	busy0, total0 := cpuTimes()
	time.Sleep(k.plan.mix)
	cancel()
	r.length, r.mem = time.Since(start), <-samples
	busy1, total1 := cpuTimes()
	r.cpu = float64(busy1-busy0) / float64(max(total1-total0, 1))
	defer time.AfterFunc(k.plan.drain, stop).Stop()
	wg.Wait()
	return r
}

// mixFlow is a flow of the mix and its starts a second.
type mixFlow struct {
	name string
	rate float64
	fn   flowFunc
}

// flows are the flows of m, in the order the report lists them.
func (k *soak) flows(m mixPlan) []mixFlow {
	return []mixFlow{
		{"preview", m.previews, k.previewFlow},
		{"async", m.async, k.asyncFlow},
		{"stream", m.streams, k.streamFlow},
		{"list", m.lists, k.listFlow},
		{"vocabulary", m.vocab, k.vocabularyFlow},
		{"tenant", m.tenant, k.tenantFlow},
	}
}

// warmUp waits until every cache of the server is full, within the
// plan's bounds, and returns how long the mix begun at start ran and
// the caches' fill it last read.
func (k *soak) warmUp(start time.Time) (time.Duration, map[string]float64) {
	for {
		d := time.Since(start)
		fills := k.cacheFills()
		if d >= k.plan.warmupMax || d >= k.plan.warmupMin && allFull(fills) {
			return d, fills
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// allFull says whether fills names caches and all of them are full.
func allFull(fills map[string]float64) bool {
	for _, f := range fills {
		if f < cacheFull {
			return false
		}
	}
	return len(fills) > 0
}

// schedule starts fn at rate a second, round robin over projects, until
// ctx ends. The schedule is open loop: a start does not wait for earlier
// ones to end. The flows run in flows' context, counted in wg; at most
// cap(k.slots) run at once, and a start that finds none free is skipped.
func (k *soak) schedule(ctx, flows context.Context, wg *sync.WaitGroup, projects []*project, name string, rate float64, fn flowFunc) {
	if rate <= 0 {
		return
	}
	start := time.Now()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(start.Add(time.Duration(float64(i) * float64(time.Second) / rate)))):
		}
		select {
		case k.slots <- struct{}{}:
		default:
			k.stats.skip(name)
			continue
		}
		p := projects[i%len(projects)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-k.slots }()
			k.stats.end(name, fn(flows, p))
		}()
	}
}

// statusError is an answer other than 200.
type statusError struct {
	op     string
	status int
	header http.Header
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s", e.op, e.status, truncateText(e.body, 300))
}

// errAbandoned ends a flow whose job had not ended when the drain time
// ran out; the audit decides whether the job was lost.
var errAbandoned = errors.New("abandoned: the job had not ended by the end of the drain time")

// truncateText cuts s to n bytes for a report line.
func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// do sends a request and returns the body of its 200 answer; any other
// status is a *statusError. Requests to p's API are signed with its
// access key, download URLs are not. The latency of a 200 is recorded
// under op.
func (k *soak) do(p *project, op, method, u string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(u, p.url+"/v1/") {
		req.Header.Set("Content-Type", "application/json")
		if err := auth.Sign(req, body, p.ak, p.sk, time.Now()); err != nil {
			return nil, err
		}
	}
	t0 := time.Now()
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &statusError{op, resp.StatusCode, resp.Header, string(b)}
	}
	k.stats.observe(op, time.Since(t0))
	return b, nil
}

// api sends in as JSON to path under p's API and decodes the answer into
// out (unless nil).
func (k *soak) api(p *project, op, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	b, err := k.do(p, op, method, p.url+"/v1/"+p.project+path, body)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// download fetches the file at u and checks it with check.
func (k *soak) download(p *project, op, u string, check func([]byte) error) error {
	if u == "" {
		return fmt.Errorf("%s: no URL", op)
	}
	b, err := k.do(p, op, "GET", u, nil)
	if err != nil {
		return err
	}
	if err := check(b); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// poll calls check every interval until it says done or fails; it gives
// up with errAbandoned when ctx ends.
func poll(ctx context.Context, interval time.Duration, check func() (bool, error)) error {
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return errAbandoned
		case <-time.After(interval):
		}
	}
}

type jobCreated struct {
	JobID string `json:"job_id"`
}

// previewFlow creates a WAV preview, polls it until it is complete and
// downloads and checks every file.
func (k *soak) previewFlow(ctx context.Context, p *project) error {
	var created jobCreated
	if err := k.api(p, "preview.create", "POST", "/ttsc/audition", map[string]string{"text": k.text(previewChars), "emotion": k.voice}, &created); err != nil {
		return err
	}
	k.jobs.add(p, created.JobID)
	var st struct {
		IsFileComplete bool   `json:"is_file_complete"`
		Code           string `json:"code"`
		Message        string `json:"message"`
		Files          []struct {
			DownloadURL string `json:"download_url"`
		} `json:"files"`
	}
	t0 := time.Now()
	if err := poll(ctx, 20*time.Millisecond, func() (bool, error) {
		err := k.api(p, "preview.poll", "GET", "/ttsc/audition-file/"+created.JobID, nil, &st)
		return st.IsFileComplete, err
	}); err != nil {
		return err
	}
	k.stats.observe("preview.complete", time.Since(t0))
	if st.Code != "0" || len(st.Files) == 0 {
		return fmt.Errorf("preview %s failed: code %q, %d files, %s", created.JobID, st.Code, len(st.Files), st.Message)
	}
	for _, f := range st.Files {
		if err := k.download(p, "preview.download", f.DownloadURL, k.checkWAV); err != nil {
			return err
		}
	}
	return nil
}

// asyncFlow creates an MP3 job with subtitles and word timings, polls it
// until it ends and downloads and checks its three files.
func (k *soak) asyncFlow(ctx context.Context, p *project) error {
	var created jobCreated
	body := map[string]any{"text": k.text(asyncChars), "voice_asset_id": k.voice, "audio_format": "MP3", "gen_srt": true, "need_timestamp": true}
	if err := k.api(p, "async.create", "POST", "/ttsc/async-jobs", body, &created); err != nil {
		return err
	}
	k.jobs.add(p, created.JobID)
	var st struct {
		State   string `json:"state"`
		Message string `json:"message"`
		Audio   string `json:"audio_file_url"`
		SRT     string `json:"audio_srt_file_url"`
		Info    string `json:"audio_info_file_url"`
	}
	t0 := time.Now()
	if err := poll(ctx, 100*time.Millisecond, func() (bool, error) {
		err := k.api(p, "async.poll", "GET", "/ttsc/async-jobs/"+created.JobID, nil, &st)
		return st.State == "SUCCEED" || st.State == "FAILED", err
	}); err != nil {
		return err
	}
	k.stats.observe("async.complete", time.Since(t0))
	if st.State != "SUCCEED" {
		return fmt.Errorf("async job %s %s: %s", created.JobID, st.State, st.Message)
	}
	for _, f := range []struct {
		u     string
		check func([]byte) error
	}{{st.Audio, k.checkMP3}, {st.SRT, checkSRT}, {st.Info, checkJSON}} {
		if err := k.download(p, "async.download", f.u, f.check); err != nil {
			return err
		}
	}
	return nil
}

// listFlow lists a page of the project's job records, by turns of every
// job type.
func (k *soak) listFlow(_ context.Context, p *project) error {
	path := "/ttsc/tts-jobs?limit=20"
	if t := []string{"", "AUDITION", "ASYNC_JOB", "WEBSOCKET"}[k.seq.Add(1)%4]; t != "" {
		path += "&job_type=" + t
	}
	var list struct {
		Count int               `json:"count"`
		Data  []json.RawMessage `json:"data"`
	}
	if err := k.api(p, "jobs.list", "GET", path, nil, &list); err != nil {
		return err
	}
	if len(list.Data) > 20 || len(list.Data) > list.Count {
		return fmt.Errorf("jobs.list: %d records of %d on a page of 20", len(list.Data), list.Count)
	}
	return nil
}

// vocabularyFlow creates an ALIAS entry, changes it and deletes it.
func (k *soak) vocabularyFlow(_ context.Context, p *project) error {
	key := fmt.Sprintf("SOAK%d", k.seq.Add(1))
	entry := map[string]string{"type": "ALIAS", "key": key, "value": "soak entry"}
	var created struct {
		ID string `json:"id"`
	}
	if err := k.api(p, "vocabulary.create", "POST", "/ttsc/vocabulary-configs", entry, &created); err != nil {
		return err
	}
	entry["value"] = "changed soak entry"
	if err := k.api(p, "vocabulary.update", "PUT", "/ttsc/vocabulary-configs/"+created.ID, entry, nil); err != nil {
		return err
	}
	return k.api(p, "vocabulary.delete", "DELETE", "/ttsc/vocabulary-configs", map[string][]string{"id": {created.ID}}, nil)
}

// tenantFlow switches the project's pronunciation entries on or off.
func (k *soak) tenantFlow(_ context.Context, p *project) error {
	on := !p.vocabOn.Load()
	if err := k.api(p, "tenant.toggle", "PUT", "/ttsc/tenant-configs", map[string]string{"key": "vocabulary", "value": strconv.FormatBool(on)}, nil); err != nil {
		return err
	}
	p.vocabOn.Store(on)
	return nil
}

// streamFlow opens a WebSocket, by turns with the project's token and
// with a once code, and streams startsPerStream short texts down it.
func (k *soak) streamFlow(ctx context.Context, p *project) error {
	u := "ws" + strings.TrimPrefix(p.url, "http") + "/v1/" + p.project + "/ttsc/jobs"
	h := http.Header{"X-Voice-Asset-Id": {k.voice}}
	if k.seq.Add(1)%2 == 0 {
		h.Set("X-Auth-Token", p.token)
	} else {
		var code struct {
			OnceCode string `json:"once_code"`
		}
		if err := k.api(p, "oncecode.create", "POST", "/ttsc/once-code", nil, &code); err != nil {
			return err
		}
		u += "?once_code=" + url.QueryEscape(code.OnceCode)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	t0 := time.Now()
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if resp != nil {
			return &statusError{"stream.connect", resp.StatusCode, resp.Header, err.Error()}
		}
		return fmt.Errorf("stream.connect: %w", err)
	}
	defer conn.CloseNow()
	k.stats.observe("stream.connect", time.Since(t0))
	conn.SetReadLimit(1 << 20)
	for range startsPerStream {
		if err := k.streamText(ctx, p, conn); err != nil {
			return err
		}
	}
	return conn.Close(websocket.StatusNormalClosure, "")
}

// streamFrame is a text frame of a stream.
type streamFrame struct {
	Type       string `json:"type"`
	JobID      string `json:"job_id"`
	SampleRate int    `json:"sample_rate"`
	ErrorCode  string `json:"error_code"`
	ErrorMsg   string `json:"error_msg"`
}

// streamText sends a START and reads its frames to the end; the audio
// must be whole 16-bit samples.
func (k *soak) streamText(ctx context.Context, p *project, conn *websocket.Conn) error {
	t0 := time.Now()
	if err := wsjson.Write(ctx, conn, map[string]string{"command": "START", "text": k.text(streamChars), "job_id": fmt.Sprint("soak-", k.seq.Add(1))}); err != nil {
		return fmt.Errorf("stream.start: %w", err)
	}
	pcm, rate := 0, 0
	for {
		typ, msg, err := conn.Read(ctx)
		if err != nil {
			return fmt.Errorf("stream.read: %w", err)
		}
		if typ == websocket.MessageBinary {
			if pcm == 0 {
				k.stats.observe("stream.first-audio", time.Since(t0))
			}
			pcm += len(msg)
			continue
		}
		var f streamFrame
		if err := json.Unmarshal(msg, &f); err != nil {
			return fmt.Errorf("stream.read: %w", err)
		}
		switch f.Type {
		case "start":
			k.jobs.add(p, f.JobID)
			rate = f.SampleRate
		case "error":
			return &statusError{"stream.start", streamErrorStatus(f.ErrorCode), nil, string(msg)}
		case "end":
			k.stats.observe("stream.end", time.Since(t0))
			if pcm == 0 || pcm%2 != 0 || rate <= 0 {
				return fmt.Errorf("stream %s: %d bytes of 16-bit PCM at %d Hz", f.JobID, pcm, rate)
			}
			return nil
		}
	}
}

// streamErrorStatus is the HTTP status that an error frame's code
// stands for: 429 for throttling, 500 for the rest.
func streamErrorStatus(code string) int {
	if code == "APIGW.0308" {
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// checkWAV decodes a WAV file, which must hold audio.
func (k *soak) checkWAV(b []byte) error {
	pcm, err := audio.DecodeWAV(b)
	if err != nil {
		return err
	}
	if pcm.Frames() == 0 {
		return errors.New("WAV file without audio")
	}
	return nil
}

// checkMP3 walks the frame headers of an MP3 file, which must hold
// audio. Decoding it whole would cost the client more CPU
// than the server spent making it.
func (k *soak) checkMP3(b []byte) error {
	d, err := gomp3.NewDecoder(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if d.Length() == 0 {
		return errors.New("MP3 file without audio")
	}
	return nil
}

// checkSRT checks that b holds SRT subtitles.
func checkSRT(b []byte) error {
	if !bytes.Contains(b, []byte(" --> ")) {
		return fmt.Errorf("not SRT subtitles: %q", truncateText(string(b), 80))
	}
	return nil
}

// checkJSON checks that b is JSON (word timings).
func checkJSON(b []byte) error {
	if !json.Valid(b) {
		return fmt.Errorf("not JSON: %q", truncateText(string(b), 80))
	}
	return nil
}

// memSample is the memory of the server at a time into the mix: the
// resident memory of the server and its engine hosts, of the server
// process alone, and the server's Go heap goal, which is twice its live
// heap after the last collection.
type memSample struct {
	at                  time.Duration
	bytes, server, heap int64
}

// sampleMemory samples the server's memory every interval until ctx
// ends, then sends the samples.
func (k *soak) sampleMemory(ctx context.Context, interval time.Duration) <-chan []memSample {
	pid := k.srv.procs[0].Process.Pid
	out := make(chan []memSample, 1)
	go func() {
		start := time.Now()
		t := time.NewTicker(interval)
		defer t.Stop()
		var s []memSample
		for {
			select {
			case <-ctx.Done():
				out <- s
				return
			case <-t.C:
				s = append(s, memSample{time.Since(start), treeRSS(pid), rss(pid), k.heapGoal()})
			}
		}
	}()
	return out
}

// heapGoal reads the server's Go heap goal from its metrics; 0 when it
// cannot.
func (k *soak) heapGoal() int64 {
	return int64(k.metrics("go_memstats_next_gc_bytes", "")[""])
}

// cacheFills reads the share of each server cache's bound in use from
// its metrics, by cache.
func (k *soak) cacheFills() map[string]float64 {
	return k.metrics("ttsc_cache_fill_ratio", "cache")
}

// metrics reads the samples of the metric called name from the server,
// by the value of their label (see parseMetric). It returns none when it
// cannot read them.
func (k *soak) metrics(name, label string) map[string]float64 {
	resp, err := k.client.Get(k.srv.url + "/metrics")
	if err != nil {
		return map[string]float64{}
	}
	defer resp.Body.Close()
	return parseMetric(resp.Body, name, label)
}

// parseMetric reads the samples of the gauge or counter called name
// from r, in Prometheus's text format, by the value of their label
// (all under "" when label is empty or they have none).
func parseMetric(r io.Reader, name, label string) map[string]float64 {
	out := map[string]float64{}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil || families[name] == nil {
		return out
	}
	for _, m := range families[name].GetMetric() {
		var key string
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				key = l.GetValue()
			}
		}
		switch {
		case m.Gauge != nil:
			out[key] = m.GetGauge().GetValue()
		case m.Counter != nil:
			out[key] = m.GetCounter().GetValue()
		case m.Untyped != nil:
			out[key] = m.GetUntyped().GetValue()
		}
	}
	return out
}

// memWindows returns the first and the last tenth (at least three) of
// the samples taken after warmup.
func memWindows(s []memSample, warmup time.Duration) (first, last []memSample, err error) {
	i := slices.IndexFunc(s, func(x memSample) bool { return x.at >= warmup })
	if i < 0 || len(s)-i < 6 {
		return nil, nil, fmt.Errorf("%d memory samples after the warm-up; 6 are needed", max(len(s)-max(i, 0), 0))
	}
	n := max(3, (len(s)-i)/10)
	return s[i : i+n], s[len(s)-n:], nil
}

// medianOf is the median of f over s.
func medianOf(s []memSample, f func(memSample) int64) int64 {
	v := make([]int64, len(s))
	for i, x := range s {
		v[i] = f(x)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// rssDrift compares the median resident memory of the server and its
// engine hosts at the start and at the end of the mix after warmup (see
// memWindows), in percent.
func rssDrift(s []memSample, warmup time.Duration) (start, end int64, drift float64, err error) {
	first, last, err := memWindows(s, warmup)
	if err != nil {
		return 0, 0, 0, err
	}
	tree := func(x memSample) int64 { return x.bytes }
	start, end = medianOf(first, tree), medianOf(last, tree)
	return start, end, 100 * float64(end-start) / float64(start), nil
}

// cpuTimes returns the busy and total CPU time of the machine, in ticks,
// from /proc/stat.
func cpuTimes() (busy, total uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}

// burstResult is what the burst phase saw.
type burstResult struct {
	rate             float64 // requests sent a second
	window           time.Duration
	sent             int
	accepted         int
	refused          int // 429 with Retry-After and APIGW.0308
	bucketRate       float64
	bucketBurst      int
	bucketFromServer bool // the bucket was read from a 429's message
}

// expected is how many requests the token bucket accepts over the window.
func (b burstResult) expected() float64 {
	return float64(b.bucketBurst) + b.bucketRate*b.window.Seconds()
}

// matches says whether the accepted count is the bucket's, within 10%
// (at least 3 requests) for timing on both sides.
func (b burstResult) matches() bool {
	return math.Abs(float64(b.accepted)-b.expected()) <= max(3, 0.1*b.expected())
}

// bucketMessage is how a 429 from the rate limiter states the bucket.
var bucketMessage = regexp.MustCompile(`may make ([0-9.]+) synthesis requests a second \(burst (\d+)\)`)

// runBurst sends previews of p, a project the mix did not use, at
// burstFactor times the synthesis rate for the plan's burst time.
func (k *soak) runBurst(p *project, synthRate float64) burstResult {
	res := burstResult{rate: burstFactor * synthRate, bucketRate: synthRate, bucketBurst: int(2*synthRate) + 1}
	n := int(res.rate * k.plan.burst.Seconds())
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	last := time.Duration(0) // when the last request left
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(float64(i) * float64(time.Second) / res.rate))))
		last = time.Since(start)
		wg.Add(1)
		go func() {
			defer wg.Done()
			accepted, refusal := k.burstOne(p)
			mu.Lock()
			defer mu.Unlock()
			res.count(accepted, refusal)
		}()
	}
	wg.Wait()
	res.sent, res.window = n, last
	return res
}

// count adds one request's outcome.
func (b *burstResult) count(accepted bool, refusal *statusError) {
	switch {
	case accepted:
		b.accepted++
	case refusal != nil:
		b.refused++
		if m := bucketMessage.FindStringSubmatch(refusal.body); m != nil {
			b.bucketRate, _ = strconv.ParseFloat(m[1], 64)
			b.bucketBurst, _ = strconv.Atoi(m[2])
			b.bucketFromServer = true
		}
	}
}

// burstOne creates one preview. It reports whether it was accepted, or
// the 429 that refused it as it should be (Retry-After, APIGW.0308);
// anything else is recorded as an error.
func (k *soak) burstOne(p *project) (bool, *statusError) {
	var created jobCreated
	err := k.api(p, "burst.create", "POST", "/ttsc/audition", map[string]string{"text": k.text(burstChars), "emotion": k.voice}, &created)
	if err == nil {
		k.jobs.add(p, created.JobID)
		return true, nil
	}
	var se *statusError
	if errors.As(err, &se) && se.status == http.StatusTooManyRequests {
		if err = checkRefusal(se); err == nil {
			return false, se
		}
	}
	k.stats.end("burst", err)
	return false, nil
}

// checkRefusal checks a 429 has MetaStudio's throttling body and a
// Retry-After of whole seconds.
func checkRefusal(se *statusError) error {
	var body struct {
		ErrorCode string `json:"error_code"`
		ErrorMsg  string `json:"error_msg"`
	}
	json.Unmarshal([]byte(se.body), &body)
	ra, err := strconv.Atoi(se.header.Get("Retry-After"))
	if body.ErrorCode != "APIGW.0308" || body.ErrorMsg == "" || err != nil || ra < 1 {
		return fmt.Errorf("malformed 429 (Retry-After %q): %s", se.header.Get("Retry-After"), truncateText(se.body, 300))
	}
	return nil
}

// jobBook holds the ID of every job created, by project.
type jobBook struct {
	mu  sync.Mutex
	ids map[*project][]string
}

// add records a job of p.
func (b *jobBook) add(p *project, id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ids == nil {
		b.ids = map[*project][]string{}
	}
	b.ids[p] = append(b.ids[p], id)
}

// of returns the jobs of p.
func (b *jobBook) of(p *project) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.ids[p])
}

// auditResult counts the jobs created by how the server says they ended.
type auditResult struct {
	created, succeeded, failed int
	// The lost jobs: vanished, and unfinished (or FAILED without a
	// reason), as IDs.
	vanished, unfinished []string
	reasons              []string // of the first FAILED jobs
	took                 time.Duration
	err                  error // the listing failed
}

// lost counts the jobs lost.
func (a auditResult) lost() int { return len(a.vanished) + len(a.unfinished) }

// jobRecord is what the audit reads of a job.
type jobRecord struct {
	JobID    string `json:"job_id"`
	JobState string `json:"job_state"`
	FailMsg  string `json:"fail_msg"`
}

// audit reads every project's job records until every job created has
// ended, or until deadline.
func (k *soak) audit(deadline time.Time) auditResult {
	start := time.Now()
	for {
		a := k.auditOnce()
		if a.err == nil && len(a.unfinished) == 0 || time.Now().After(deadline) {
			a.took = time.Since(start)
			k.stats.end("audit", a.err)
			return a
		}
		time.Sleep(time.Second)
	}
}

// auditOnce reads the job records once and sorts the jobs created.
func (k *soak) auditOnce() auditResult {
	var a auditResult
	for _, p := range k.projects {
		records, err := k.listJobs(p)
		if err != nil {
			a.err = err
			return a
		}
		for _, id := range k.jobs.of(p) {
			a.sort(id, records)
		}
	}
	return a
}

// sort counts the job id by its record.
func (a *auditResult) sort(id string, records map[string]jobRecord) {
	a.created++
	r, ok := records[id]
	switch {
	case !ok:
		a.vanished = append(a.vanished, id)
	case r.JobState == "SUCCEED":
		a.succeeded++
	case r.JobState == "FAILED" && r.FailMsg != "":
		a.failed++
		if len(a.reasons) < 5 {
			a.reasons = append(a.reasons, id+": "+r.FailMsg)
		}
	default:
		a.unfinished = append(a.unfinished, id+" ("+r.JobState+")")
	}
}

// listJobs reads every job record of p, page by page.
func (k *soak) listJobs(p *project) (map[string]jobRecord, error) {
	records := map[string]jobRecord{}
	for offset := 0; ; offset += listPage {
		var page struct {
			Count int         `json:"count"`
			Data  []jobRecord `json:"data"`
		}
		if err := k.api(p, "audit.list", "GET", fmt.Sprintf("/ttsc/tts-jobs?limit=%d&offset=%d", listPage, offset), nil, &page); err != nil {
			return nil, err
		}
		for _, r := range page.Data {
			records[r.JobID] = r
		}
		if len(page.Data) < listPage || offset+listPage >= page.Count {
			return records, nil
		}
	}
}

// soakStats are the counts and latencies of one phase.
type soakStats struct {
	mu                                          sync.Mutex
	lat                                         map[string][]time.Duration
	done, throttled, skipped, abandoned, failed map[string]int
	errors                                      int
	firstErrors                                 []string
}

// newSoakStats returns empty stats.
func newSoakStats() *soakStats {
	return &soakStats{lat: map[string][]time.Duration{}, done: map[string]int{}, throttled: map[string]int{}, skipped: map[string]int{}, abandoned: map[string]int{}, failed: map[string]int{}}
}

// observe records the latency of a successful request or step.
func (s *soakStats) observe(op string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat[op] = append(s.lat[op], d)
}

// skip counts a start of flow skipped for want of a free slot.
func (s *soakStats) skip(flow string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.skipped[flow]++
}

// end counts how a flow ended: well, throttled (429), abandoned or with
// an error, of which the first few are kept.
func (s *soakStats) end(flow string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var se *statusError
	switch {
	case err == nil:
		s.done[flow]++
	case errors.Is(err, errAbandoned):
		s.abandoned[flow]++
	case errors.As(err, &se) && se.status == http.StatusTooManyRequests:
		s.throttled[flow]++
	default:
		s.errors++
		s.failed[flow]++
		if len(s.firstErrors) < 5 {
			s.firstErrors = append(s.firstErrors, flow+": "+err.Error())
		}
	}
}

// soakReport is everything the report says.
type soakReport struct {
	plan         soakPlan
	hosts        int
	limits       map[string]string
	mix          mixPlan
	stats, after *soakStats
	run          mixRun
	burst        burstResult
	audit        auditResult
	total        time.Duration
}

// warmupEnd says why the warm-up ended, with the fill of the server's
// caches then.
func (r *soakReport) warmupEnd() string {
	names := slices.Sorted(maps.Keys(r.run.fills))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %.0f%%", n, 100*r.run.fills[n])
	}
	fills := strings.Join(parts, ", ")
	if len(names) == 0 {
		fills = "none reported"
	}
	if allFull(r.run.fills) {
		return fmt.Sprintf("until the server's caches were full by `ttsc_cache_fill_ratio`: %s; the result cache holds %s MiB", fills, r.limits[cacheFlag])
	}
	return fmt.Sprintf("its bound, before the server's caches were full: %s", fills)
}

// synthRate is each project's default synthesis rate limit a second.
func (r *soakReport) synthRate() float64 {
	v, _ := strconv.ParseFloat(r.limits["rate-synthesis"], 64)
	return v
}

// serveArgs are the soak server's flags: the default limits, restoring
// them over the flags with which startServer switches them off, and one
// engine host per CPU.
func (r *soakReport) serveArgs() []string {
	args := []string{"--engine-workers", fmt.Sprint(r.hosts)}
	for _, name := range soakLimitFlags {
		args = append(args, "--"+name, r.limits[name])
	}
	return args
}

// criterion is one pass-or-fail line of the report.
type criterion struct {
	name, value string
	ok          bool
}

// criteria are the pass-or-fail lines of the report.
func (r *soakReport) criteria() []criterion {
	errs := r.stats.errors + r.after.errors
	start, end, drift, err := rssDrift(r.run.mem, r.run.warmup)
	rss := criterion{"Server + engine hosts RSS drift, after warm-up → end of mix", fmt.Sprintf("%s → %s: %+.1f%% (limit ±%.0f%%)", mb(start), mb(end), drift, maxRSSDrift), err == nil && math.Abs(drift) <= maxRSSDrift}
	if err != nil {
		rss.value = err.Error()
	}
	b := r.burst
	return []criterion{
		{"Errors other than 429", fmt.Sprint(errs), errs == 0},
		{"Lost jobs (vanished or never ended)", fmt.Sprintf("%d of %d", r.audit.lost(), r.audit.created), r.audit.lost() == 0 && r.audit.err == nil},
		rss,
		{"Burst refused with 429 + Retry-After + APIGW.0308", fmt.Sprintf("%d of %d", b.refused, b.sent), b.refused > 0 && b.accepted+b.refused == b.sent},
		{"Burst accepted matches the token bucket", fmt.Sprintf("%d accepted, bucket allows %.0f (burst %d + %g/s × %.2f s)", b.accepted, b.expected(), b.bucketBurst, b.bucketRate, b.window.Seconds()), b.matches()},
	}
}

// finish prints the report, writes it to out and fails when a criterion
// does.
func (r *soakReport) finish(out string) error {
	text := r.markdown()
	fmt.Print(text)
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		return err
	}
	var failed []string
	for _, c := range r.criteria() {
		if !c.ok {
			failed = append(failed, c.name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("soak failed: %s", strings.Join(failed, "; "))
	}
	return nil
}

// mb formats bytes as MB.
func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// markdown renders the report.
func (r *soakReport) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Soak\n\nMeasured by `make soak SOAKTIME=%s` (`go run ./cmd/ttsc-bench -soak %s`) on %s, %d CPUs, %s/%s, %s: %s in all.\n",
		r.plan.mix, r.plan.mix, time.Now().UTC().Format("2006-01-02"), r.hosts, runtime.GOOS, runtime.GOARCH, runtime.Version(), r.total.Round(time.Second))
	fmt.Fprintf(&b, "One `ttsc serve` on SQLite and disk with %d engine hosts and its default limits (%s), on loopback.\n\n", r.hosts, r.limitText())
	b.WriteString("| Criterion | Measured | Result |\n|---|---|---|\n")
	for _, c := range r.criteria() {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.name, c.value, map[bool]string{true: "pass", false: "**FAIL**"}[c.ok])
	}
	r.mixSection(&b)
	r.errorSection(&b)
	r.jobSection(&b)
	r.rssSection(&b)
	r.burstSection(&b)
	return b.String()
}

// mixSection describes the mix and how its flows and requests went.
func (r *soakReport) mixSection(b *strings.Builder) {
	m, run := r.mix, r.run
	fmt.Fprintf(b, "\n## Mix\n\nCapacity: %.1f completed 100-character previews a second (closed loop, %d in flight, %s, on a server of its own without rate limits or result cache, since the limits would cap the loop). ",
		m.capacity, 4*r.hosts, r.plan.calibrate)
	fmt.Fprintf(b, "The mix ran open loop at %.0f%% of it for %s: a warm-up of %s (%s), then %s. ",
		100*soakLoad, run.length.Round(time.Second), run.warmup.Round(time.Second), r.warmupEnd(), r.plan.mix)
	fmt.Fprintf(b, "A second: %.1f previews (%d characters, WAV), %.1f async jobs (%d characters, MP3 with SRT and word timings), %.1f WebSocket connections with %d STARTs of %d characters each, %.1f job listings, %.1f vocabulary create+update+delete, %.1f tenant switch toggles; %.1f synthesis requests over %d projects, %.0f%% of their synthesis limit. ",
		m.previews, previewChars, m.async, asyncChars, m.streams, startsPerStream, streamChars, m.lists, m.vocab, m.tenant,
		m.synthesis(), m.projects, 100*m.synthesis()/float64(m.projects)/max(r.synthRate(), 1e-9))
	fmt.Fprintf(b, "At most %d flows in flight. The machine's CPUs were %.0f%% busy after the warm-up (the client runs on them too).\n\n", max(32, 16*r.hosts), 100*run.cpu)
	r.flowTable(b)
	b.WriteString("\n")
	latencyTable(b, r.stats, run.length)
}

// limitText lists the limit flags the server ran with.
func (r *soakReport) limitText() string {
	var parts []string
	for _, name := range soakLimitFlags {
		parts = append(parts, fmt.Sprintf("--%s %s", name, r.limits[name]))
	}
	return strings.Join(parts, ", ")
}

// flowTable lists how the flows of the mix ended.
func (r *soakReport) flowTable(b *strings.Builder) {
	s := r.stats
	b.WriteString("| Flow | Completed | 429 | Errors | Skipped (in-flight bound) | Abandoned |\n|---|---|---|---|---|---|\n")
	for _, f := range []string{"preview", "async", "stream", "list", "vocabulary", "tenant"} {
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %d |\n", f, s.done[f], s.throttled[f], s.failed[f], s.skipped[f], s.abandoned[f])
	}
}

// latencyTable lists every request and step of s with its rate over d
// and its latencies.
func latencyTable(b *strings.Builder, s *soakStats, d time.Duration) {
	b.WriteString("| Operation | Count | Per second | p50 | p99 |\n|---|---|---|---|---|\n")
	ops := make([]string, 0, len(s.lat))
	for op := range s.lat {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	for _, op := range ops {
		l := s.lat[op]
		fmt.Fprintf(b, "| %s | %d | %.1f | %s | %s |\n", op, len(l), float64(len(l))/d.Seconds(), ms(pct(l, 50)), ms(pct(l, 99)))
	}
	b.WriteString("\nCounts and latencies cover the whole mix, warm-up included. `.complete` is from the create answer to the first poll that saw the end; `stream.first-audio` and `stream.end` from sending START.\n")
}

// errorSection counts the errors other than 429 and lists the first.
func (r *soakReport) errorSection(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Errors other than 429\n\n%d in the mix, %d in the burst and audit.\n", r.stats.errors, r.after.errors)
	for _, e := range append(slices.Clone(r.stats.firstErrors), r.after.firstErrors...) {
		fmt.Fprintf(b, "\n- `%s`", strings.ReplaceAll(e, "`", "'"))
	}
	b.WriteString("\n")
}

// jobSection says how the jobs created ended.
func (r *soakReport) jobSection(b *strings.Builder) {
	a := r.audit
	fmt.Fprintf(b, "\n## Jobs\n\n%d created (previews, async jobs, stream STARTs, burst previews): %d SUCCEED, %d FAILED with a reason, %d vanished, %d never ended; audited from the job records in %s (drain bound %s).\n",
		a.created, a.succeeded, a.failed, len(a.vanished), len(a.unfinished), a.took.Round(time.Millisecond), r.plan.drain)
	b.WriteString("Jobs that vanished, did not end or FAILED without a reason are lost.\n")
	if a.err != nil {
		fmt.Fprintf(b, "\nThe job records could not be read: `%v`\n", a.err)
	}
	for _, l := range append(append(slices.Clone(a.reasons), a.vanished...), a.unfinished...)[:min(10, len(a.reasons)+a.lost())] {
		fmt.Fprintf(b, "\n- %s", l)
	}
	b.WriteString("\n")
}

// rssSection tabulates the memory at the start and end of the mix.
func (r *soakReport) rssSection(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Memory\n\nSampled every %s of the mix; the first %s are the warm-up. Start and end are the medians of the first and the last tenth (at least three) of the samples after it:\n\n",
		r.plan.sample, r.run.warmup.Round(time.Second))
	b.WriteString("| Memory | Start | End | Change |\n|---|---|---|---|\n")
	if first, last, err := memWindows(r.run.mem, r.run.warmup); err == nil {
		for _, m := range []struct {
			name string
			f    func(memSample) int64
		}{
			{"RSS, server and engine hosts", func(x memSample) int64 { return x.bytes }},
			{"RSS, server process", func(x memSample) int64 { return x.server }},
			{"RSS, engine hosts", func(x memSample) int64 { return x.bytes - x.server }},
			{"Go heap goal of the server (twice the live heap after the last GC)", func(x memSample) int64 { return x.heap }},
		} {
			s, e := medianOf(first, m.f), medianOf(last, m.f)
			fmt.Fprintf(b, "| %s | %s | %s | %+.1f%% |\n", m.name, mb(s), mb(e), 100*float64(e-s)/float64(max(s, 1)))
		}
	}
	var parts []string
	for _, s := range r.run.mem {
		parts = append(parts, fmt.Sprintf("%.0fs %.0f (%.0f)", s.at.Seconds(), float64(s.bytes)/(1<<20), float64(s.server)/(1<<20)))
	}
	fmt.Fprintf(b, "\nRSS in MB, in all (and of the server process): %s.\n", strings.Join(parts, ", "))
}

// burstSection says how the burst was answered.
func (r *soakReport) burstSection(b *strings.Builder) {
	x := r.burst
	source := "from the flag defaults"
	if x.bucketFromServer {
		source = "as the 429 messages state it"
	}
	fmt.Fprintf(b, "\n## Burst\n\n%d previews of one fresh project in %.2f s (%.0f/s, %d× its synthesis rate): %d accepted, %d refused with 429, Retry-After and `APIGW.0308`. The bucket (%g/s, burst %d, %s) allows %.0f; accepted rate %.1f/s.\n",
		x.sent, x.window.Seconds(), x.rate, burstFactor, x.accepted, x.refused, x.bucketRate, x.bucketBurst, source, x.expected(), float64(x.accepted)/max(x.window.Seconds(), 1e-9))
}
