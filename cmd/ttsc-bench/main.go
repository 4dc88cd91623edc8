// Command ttsc-bench measures ttsc on this machine and writes the figures
// to BENCHMARKS.md. Every figure that is compared with another is measured
// in the same run, on loopback, with bounded load.
//
//	go run ./cmd/ttsc-bench -ttsc bin/ttsc -o BENCHMARKS.md
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/pprof/profile"
	"github.com/jackc/pgx/v5"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/engine/pool"
	"github.com/openttsc/ttsc/internal/voices"
)

func main() {
	var (
		bin      = flag.String("ttsc", "bin/ttsc", "the ttsc binary to measure")
		out      = flag.String("o", "BENCHMARKS.md", "report file")
		duration = flag.Duration("duration", 5*time.Second, "length of each throughput measurement")
		samples  = flag.Int("latency-samples", 200, "previews timed for the latency figures")
		pgURL    = flag.String("postgres", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL server for the scale-out figure (a fresh schema is used and dropped); empty skips it")
		soakTime = flag.Duration("soak", 0, "instead of the benchmarks, run the soak: a warm-up, then a steady mix this long (make soak)")
		soakOut  = flag.String("soak-out", "SOAK.md", "report file of -soak")
	)
	flag.Parse()
	var err error
	if *soakTime > 0 {
		err = runSoak(*bin, *soakOut, *soakTime)
	} else {
		err = run(*bin, *out, *pgURL, *duration, *samples)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ttsc-bench:", err)
		os.Exit(1)
	}
}

// figure is one line of the report.
type figure struct {
	Name, Value, Target, Note string
	// Missed says the target was not reached; Why then says what stands
	// in the way, and Profile, when taken, shows where the server's CPU
	// time went meanwhile.
	Missed  bool
	Why     string
	Profile *profile.Profile
}

func run(bin, out, pgURL string, d time.Duration, samples int) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	en, err := os.ReadFile("testdata/en-paragraph.txt")
	if err != nil {
		return err
	}
	english := strings.TrimSpace(string(en))
	hosts := runtime.NumCPU()
	espeak, flite := voiceOf(voices.EngineEspeak), voiceOf(voices.EngineFlite)
	var figs []figure

	// (a) Engine ceilings: one host, then every host at once.
	ceiling := map[string]float64{}
	espeakCeilingFig := 0 // the index of espeak's ceiling in figs
	for _, v := range []ttsc.Voice{espeak, flite} {
		one, err := engineThroughput(bin, 1, v, english, d)
		if err != nil {
			return err
		}
		all, err := engineThroughput(bin, hosts, v, english, d)
		if err != nil {
			return err
		}
		ceiling[v.Engine] = all
		if v.Engine == voices.EngineEspeak {
			espeakCeilingFig = len(figs) + 1
		}
		figs = append(figs,
			figure{
				Name:  fmt.Sprintf("Engine throughput, 1 host (%s %s, English)", v.Engine, v.EngineVoice),
				Value: fmt.Sprintf("%.0f chars/s", one),
				Note:  "pool of engine hosts, sequential requests",
			},
			figure{
				Name:  fmt.Sprintf("Engine throughput, %d hosts (%s %s)", hosts, v.Engine, v.EngineVoice),
				Value: fmt.Sprintf("%.0f chars/s (%.0f per host, %.2f× one host)", all, all/float64(hosts), all/one),
				Note:  "the ceiling for end-to-end figures",
			},
		)
	}

	// The throughput figures measure the engines, so the result cache is
	// off; (f) measures it on a server of its own.
	srv, err := startServer(bin, "--engine-workers", fmt.Sprint(hosts), "--cache-mb", "0")
	if err != nil {
		return err
	}
	defer srv.stop()

	// (d) Preview latency, created → complete, 100 characters, idle.
	short := english[:100]
	lat, err := srv.previewLatency(espeak.ID, same(short), samples)
	if err != nil {
		return err
	}
	figs = append(figs, figure{
		Name:  "Preview latency, 100 characters, idle, result cache off (created → complete, espeak-ng)",
		Value: fmt.Sprintf("p50 %s, p90 %s, p99 %s (n=%d)", ms(pct(lat, 50)), ms(pct(lat, 90)), ms(pct(lat, 99)), len(lat)),
		Note:  "one preview at a time; the client polls every millisecond; for comparison with the default settings, measured below against the target",
	})

	// (b) End-to-end throughput of 1,000-character previews.
	prof, cpu := srv.cpuProfile(d), srv.watchCPU()
	e2e, err := srv.throughput(espeak.ID, english, 4*hosts, d, srv.preview)
	use := cpu()
	if err != nil {
		return err
	}
	p, err := prof()
	if err != nil {
		return err
	}
	// The machine's speed can drift within minutes, so the ceiling is
	// measured again right after (b), which is divided by the mean of the
	// two.
	after, err := engineThroughput(bin, hosts, espeak, english, d)
	if err != nil {
		return err
	}
	figs[espeakCeilingFig].Value += fmt.Sprintf("; %.0f chars/s again right after the end-to-end previews below", after)
	espeakCeiling := (ceiling[voices.EngineEspeak] + after) / 2
	e2eFig := figure{
		Name:   "End-to-end throughput, 1,000-character English WAV previews, espeak-ng, SQLite + disk",
		Value:  fmt.Sprintf("%.0f chars/s = %.2f × engine ceiling (%.0f chars/s, the mean of its measures before and after)", e2e, e2e/espeakCeiling, espeakCeiling),
		Target: "≥ 0.85 × ceiling",
		Note:   fmt.Sprintf("%d previews in flight, each polled every 20 ms", 4*hosts),
		Missed: e2e < 0.85*espeakCeiling,
		Why: fmt.Sprintf("The engines alone make %.0f characters/s on these %d CPUs, which they then have to themselves. End to end, the server's own work for each preview "+
			"(HTTP, authentication, SQLite and the queue, appending and syncing a WAV file for each of its segments, a few sentences each, to the preview's one blob, about %.1f MB in all, answering a poll every 20 ms) and the load generator run on the same CPUs, so the engines get less of them: %s. "+
			"Per preview that is %s: with no CPU left idle, the engines would have at most %.2f of the CPUs, and the figure could reach about that much.",
			espeakCeiling, hosts, 2*22050*float64(utf8.RuneCountInString(english))/15/1e6, use,
			use.per(e2e/float64(utf8.RuneCountInString(english))), use.engines/(use.engines+use.server+use.client)),
		Profile: p,
	}
	// The same load with the data directory in memory tells the file
	// system's share of the server's work from the rest.
	if inMemory, err := srv.again(bin, "/dev/shm", func(s *server) (float64, error) {
		return s.throughput(espeak.ID, english, 4*hosts, d, s.preview)
	}); err == nil {
		figs = append(figs, figure{
			Name:  "End-to-end throughput, the same previews, data directory in memory (tmpfs)",
			Value: fmt.Sprintf("%.0f chars/s = %.2f × engine ceiling", inMemory, inMemory/espeakCeiling),
			Note:  "for comparison with the figure below: the same server and load with its database and files on /dev/shm, so no file reaches the disk",
		})
		e2eFig.Why += fmt.Sprintf(" With the data directory in memory the same load makes %.2f × the ceiling (its line in the table)", inMemory/espeakCeiling)
		if inMemory > e2e {
			e2eFig.Why += ": the rest of the gap is the server's work itself."
		} else {
			e2eFig.Why += ", no more than on disk: in this run the file system did not hold it back, and the gap is the server's work itself."
		}
	}
	figs = append(figs, e2eFig)

	// (c) Short texts: 100-character previews against a baseline that
	// starts one espeak-ng process per text, as a naive service would.
	prof, cpu = srv.cpuProfile(d), srv.watchCPU()
	shortTP, err := srv.throughput(espeak.ID, short, 4*hosts, d, srv.preview)
	use = cpu()
	if err != nil {
		return err
	}
	if p, err = prof(); err != nil {
		return err
	}
	cli, err := cliBaseline(short, hosts, d)
	if err != nil {
		return err
	}
	// What a text costs, in ms of a CPU, with every CPU busy.
	perText := func(charsPerSecond float64) float64 {
		return 1000 * float64(hosts) * float64(utf8.RuneCountInString(short)) / charsPerSecond
	}
	shortFig := figure{
		Name:   "Short-text throughput, 100-character previews, espeak-ng",
		Value:  fmt.Sprintf("%.0f chars/s = %.1f × one espeak-ng CLI process per text (%.0f chars/s)", shortTP, shortTP/cli, cli),
		Target: "≥ 3 × the CLI baseline",
		Note: fmt.Sprintf("%d previews in flight; baseline: %d parallel `espeak-ng -w` runs. A text takes %.1f ms of the CPUs through the server, %.1f ms in a fresh espeak-ng process, which makes about 2,000 system calls to find and load its voice (strace -c), so the ratio moves with what system calls cost on the machine",
			4*hosts, hosts, perText(shortTP), perText(cli)),
		Missed: shortTP < 3*cli,
		Why: fmt.Sprintf("Of the time a text takes through the server (its note), the engine's own synthesis is %.1f ms (the ceiling above); during the run %s.",
			perText(ceiling[voices.EngineEspeak]), use),
		Profile: p,
	}
	if 3*cli > ceiling[voices.EngineEspeak] {
		shortFig.Why += fmt.Sprintf(" Three times the baseline, %.0f characters/s, is more than the engines themselves make on these CPUs (%.0f): espeak-ng starts so fast here that a process per text costs little more than its synthesis, and no server of these engines can be three times faster than that without answering from its cache.",
			3*cli, ceiling[voices.EngineEspeak])
	}
	figs = append(figs, shortFig)

	// (d) Preview latency again, with the server at 80%% of that load.
	loaded, bg, err := srv.latencyUnderLoad(espeak.ID, short, samples/2, 0.8*shortTP/float64(utf8.RuneCountInString(short)))
	if err != nil {
		return err
	}
	figs = append(figs, figure{
		Name:   "Preview latency, 100 characters, at 80% of the short-text capacity",
		Value:  fmt.Sprintf("p50 %s, p99 %s (n=%d)", ms(pct(loaded, 50)), ms(pct(loaded, 99)), len(loaded)),
		Target: "p99 reported",
		Note: fmt.Sprintf("background previews started at a fixed rate of 80%% of (c), each polled every 20 ms, at most %d at once: %d started, %d skipped because %d were running; the timed ones in addition",
			maxBackground, bg.started, bg.skipped, maxBackground),
	})

	// (e) Polling: GET audition-file with AK/SK verification.
	rps, p99, err := srv.pollRate(espeak.ID, 4*hosts, d)
	if err != nil {
		return err
	}
	figs = append(figs, figure{
		Name:   "GET audition-file with SDK-HMAC-SHA256 verification",
		Value:  fmt.Sprintf("%.0f requests/s, p99 %s", rps, ms(p99)),
		Target: "≥ 10,000 requests/s, p99 ≤ 10 ms",
		Note:   fmt.Sprintf("%d connections, presigned requests replayed, client on the same CPUs", 4*hosts),
		Missed: rps < 10000 || p99 > 10*time.Millisecond,
	})

	// (g) Streaming: START to the first audio frame.
	first, err := srv.firstStreamedByte(espeak.ID, short, samples/2)
	if err != nil {
		return err
	}
	figs = append(figs, figure{
		Name:   "First streamed audio byte, 100 characters, WebSocket, espeak-ng",
		Value:  fmt.Sprintf("p50 %s, p99 %s (n=%d)", ms(pct(first, 50)), ms(pct(first, 99)), len(first)),
		Target: "≤ 20 ms",
		Note:   "from sending START to receiving the first binary frame, one connection",
		Missed: pct(first, 50) > 20*time.Millisecond,
	})

	// (c) Async MP3 jobs, on both engines.
	var sqliteMP3 float64
	for _, v := range []ttsc.Voice{espeak, flite} {
		mp3, err := srv.throughput(v.ID, english, 4*hosts, d, srv.async)
		if err != nil {
			return err
		}
		if v.Engine == voices.EngineEspeak {
			sqliteMP3 = mp3
		}
		figs = append(figs, figure{
			Name:  fmt.Sprintf("Async job throughput, 1,000-character English MP3, %s %s, SQLite + disk, 1 process", v.Engine, v.EngineVoice),
			Value: fmt.Sprintf("%.0f chars/s = %.2f × engine ceiling (%.1f jobs/s)", mp3, mp3/ceiling[v.Engine], mp3/float64(utf8.RuneCountInString(english))),
			Note:  fmt.Sprintf("%d jobs in flight, each polled every 20 ms", 4*hosts),
		})
	}
	srv.stop()

	// (f) The result cache: the same preview again.
	cached, err := startServer(bin, "--engine-workers", fmt.Sprint(hosts))
	if err != nil {
		return err
	}
	defer cached.stop()
	// (d) again with the default settings, every text new: the server
	// starts reading a preview's first segment while it is queued.
	fresh, err := cached.previewLatency(espeak.ID, numbered(short), samples)
	if err != nil {
		return err
	}
	figs = append(figs, figure{
		Name:   "Preview latency, 100 characters, idle, default settings (created → complete, espeak-ng)",
		Value:  fmt.Sprintf("p50 %s, p90 %s, p99 %s (n=%d)", ms(pct(fresh, 50)), ms(pct(fresh, 90)), ms(pct(fresh, 99)), len(fresh)),
		Target: "p50 ≤ 15 ms, p99 ≤ 50 ms",
		Note:   "one preview at a time, each of a text not read before; the client polls every millisecond",
		Missed: pct(fresh, 50) > 15*time.Millisecond || pct(fresh, 99) > 50*time.Millisecond,
	})
	hit, err := cached.previewLatency(espeak.ID, same(short), samples)
	if err != nil {
		return err
	}
	figs = append(figs, figure{
		Name:   "Cache hit latency, the same 100-character preview again (created → complete)",
		Value:  fmt.Sprintf("p50 %s, p99 %s (n=%d)", ms(pct(hit, 50)), ms(pct(hit, 99)), len(hit)),
		Target: "≤ 2 ms",
		Note:   "result cache on; every preview after the first is a hit",
		Missed: pct(hit, 50) > 2*time.Millisecond,
	})

	// (h) Memory under the load of (b) with the default settings: every
	// preview's text differs, so each misses the result cache and fills
	// it.
	var seq atomic.Int64
	distinct := func(voice, text string, poll time.Duration) (time.Duration, error) {
		return cached.preview(voice, fmt.Sprintf("%d. %s", seq.Add(1), text), poll)
	}
	rss := cached.watchRSS()
	_, err = cached.throughput(espeak.ID, english, 4*hosts, max(d, 20*time.Second), distinct)
	peakRSS := rss()
	if err != nil {
		return err
	}
	figs = append(figs, figure{
		Name:   "RSS of the server and its engine hosts under the load of (b), default settings",
		Value:  fmt.Sprintf("%.0f MB at peak", float64(peakRSS)/(1<<20)),
		Target: "≤ 200 MB",
		Note:   fmt.Sprintf("sum of VmRSS over the server process and its children, sampled every 50 ms; %d distinct 1,000-character previews in flight, so the 64 MiB result cache fills", 4*hosts),
		Missed: peakRSS > 200<<20,
	})
	cached.stop()

	// The same async load on PostgreSQL: an API process and two
	// worker processes sharing the machine's engine hosts.
	if pgURL != "" {
		pg, err := startCluster(bin, pgURL, hosts)
		if err != nil {
			return err
		}
		defer pg.stop()
		mp3, err := pg.throughput(espeak.ID, english, 4*hosts, d, pg.async)
		if err != nil {
			return err
		}
		figs = append(figs, figure{
			Name:  "Async job throughput, same load, PostgreSQL + disk, 1 API + 2 worker processes",
			Value: fmt.Sprintf("%.0f chars/s = %.2f × the single SQLite process (%.1f jobs/s)", mp3, mp3/sqliteMP3, mp3/float64(utf8.RuneCountInString(english))),
			Note:  fmt.Sprintf("each worker runs %d engine host(s); %d jobs in flight; all %d processes and PostgreSQL share this machine's CPUs, so this is the cost of the shared database, not a scale-out figure", max(hosts/2, 1), 4*hosts, 3),
		})
	}
	return writeReport(out, figs, hosts)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i]
}

// engineThroughput drives a pool of n engine hosts with n callers for d
// and returns characters per second.
func engineThroughput(bin string, n int, v ttsc.Voice, text string, d time.Duration) (float64, error) {
	p, err := pool.New(pool.Config{Workers: n, Command: func() *exec.Cmd { return exec.Command(bin, "engine-host") }})
	if err != nil {
		return 0, err
	}
	defer p.Close()
	req := ttsc.SynthesisRequest{Engine: v.Engine, Voice: v.EngineVoice, Text: text, Speed: 100, Pitch: 100}
	// Warm every host once.
	if _, err := p.Synthesize(context.Background(), req); err != nil {
		return 0, err
	}
	return steadyRate(n, d, func(int) (int, error) {
		_, err := p.Synthesize(context.Background(), req)
		return utf8.RuneCountInString(text), err
	})
}

// voiceOf returns the first English voice of engine.
func voiceOf(engine string) ttsc.Voice {
	for _, v := range voices.Catalog() {
		if v.Language == "EN" && !v.Preset && v.Engine == engine {
			return v
		}
	}
	panic("no English voice of " + engine)
}

// server is ttsc: one `ttsc serve` process or several sharing a
// database, with a fresh data directory, and a project's credentials.
type server struct {
	bin     string
	args    []string // the flags startServer gave it
	debug   string   // base URL of its profiler
	procs   []*exec.Cmd
	url     string
	dir     string
	project string
	ak, sk  string
	cleanup func()
}

// freeAddr returns a loopback address no one listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// spawn starts `ttsc serve` with args on a free address and waits until
// it is serving; it returns the address and the process's standard
// output up to then.
func (s *server) spawn(bin string, args ...string) (string, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", "", err
	}
	// The benchmarks measure capacity: the per-project rate limits are off.
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--data", s.dir, "--log-format", "text",
		"--rate-synthesis", "0", "--rate-query", "0", "--rate-manage", "0", "--max-unfinished", "-1"}, args...)...)
	cmd.Stderr = io.Discard
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", "", err
	}
	if err := cmd.Start(); err != nil {
		return "", "", err
	}
	s.procs = append(s.procs, cmd)
	var banner strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		banner.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "ttsc serving on") {
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	return addr, banner.String(), nil
}

// startServer starts one `ttsc serve` on SQLite and takes the
// credentials it prints on first start.
func startServer(bin string, args ...string) (*server, error) {
	dir, err := os.MkdirTemp("", "ttsc-bench-")
	if err != nil {
		return nil, err
	}
	debug, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, bin: bin, debug: "http://" + debug, args: args}
	addr, banner, err := s.spawn(bin, append([]string{"--debug-addr", debug}, args...)...)
	if err != nil {
		s.stop()
		return nil, err
	}
	s.url = "http://" + addr
	re := regexp.MustCompile(`(?m)^\s*(project_id|access_key|secret_key): (\S+)`)
	for _, m := range re.FindAllStringSubmatch(banner, -1) {
		switch m[1] {
		case "project_id":
			s.project = m[2]
		case "access_key":
			s.ak = m[2]
		case "secret_key":
			s.sk = m[2]
		}
	}
	if s.sk == "" {
		s.stop()
		return nil, errors.New("server did not print its first credentials")
	}
	return s, nil
}

// again runs measure on a server like s whose data directory is under
// base instead, and stops it. It fails when base is not there.
func (s *server) again(bin, base string, measure func(*server) (float64, error)) (float64, error) {
	dir, err := os.MkdirTemp(base, "ttsc-bench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	other, err := startServer(bin, append(slices.Clone(s.args), "--data", dir)...)
	if err != nil {
		return 0, err
	}
	defer other.stop()
	return measure(other)
}

// startCluster starts an API process and two worker processes on a fresh
// schema of the PostgreSQL server at pgURL, splitting hosts engine hosts
// between the workers.
func startCluster(bin, pgURL string, hosts int) (*server, error) {
	dir, err := os.MkdirTemp("", "ttsc-bench-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir}
	schemaURL, drop, err := freshSchema(pgURL)
	if err != nil {
		s.stop()
		return nil, err
	}
	s.cleanup = drop
	db := []string{"--database", schemaURL}
	out, err := exec.Command(bin, append([]string{"credentials", "create", "--data", dir}, db...)...).Output()
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("credentials create: %w", err)
	}
	var cred struct {
		ProjectID string `json:"project_id"`
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	if err := json.Unmarshal(out, &cred); err != nil {
		s.stop()
		return nil, err
	}
	s.project, s.ak, s.sk = cred.ProjectID, cred.AccessKey, cred.SecretKey
	addr, _, err := s.spawn(bin, append(db, "--role", "api", "--engine-workers", "1")...)
	if err != nil {
		s.stop()
		return nil, err
	}
	s.url = "http://" + addr
	for range 2 {
		if _, _, err := s.spawn(bin, append(db, "--role", "worker", "--engine-workers", fmt.Sprint(max(hosts/2, 1)))...); err != nil {
			s.stop()
			return nil, err
		}
	}
	return s, nil
}

// freshSchema creates an empty schema on the server at base and returns a
// connection string that uses it, and a function that drops it.
func freshSchema(base string) (string, func(), error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL at %s (use -postgres '' to skip): %w", base, err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("ttsc_bench_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		if c, err := pgx.Connect(ctx, base); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	}
	return u.String(), drop, nil
}

func (s *server) stop() {
	for _, cmd := range s.procs {
		if cmd.Process != nil {
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
		}
	}
	s.procs = nil
	if s.cleanup != nil {
		s.cleanup()
		s.cleanup = nil
	}
	os.RemoveAll(s.dir)
}

// client keeps a connection open for each request in flight. Go's
// default keeps two per host, so with more in flight every request beyond
// them dialled a connection of its own, a cost to both sides that a
// client keeping its connections does not have.
var client = &http.Client{Transport: func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	return t
}()}

// call sends a signed request and decodes the JSON answer.
func (s *server) call(method, path string, body []byte, v any) error {
	req, err := s.signed(method, path, body)
	if err != nil {
		return err
	}
	return send(req, v)
}

// signed is a request signed with the server's credentials, which can be
// sent more than once (as a clone, when it has no body) while its
// signature's time is within the server's window.
func (s *server) signed(method, path string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(method, s.url+"/v1/"+s.project+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return req, auth.Sign(req, body, s.ak, s.sk, time.Now())
}

// send sends req and decodes the JSON answer into v.
func send(req *http.Request, v any) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, v)
}

// submit creates a job with body at path and polls status+job_id every
// poll until ended says it has; it returns the time from the create
// answer to the first poll that saw the end.
func (s *server) submit(path, status string, body []byte, poll time.Duration, ended func(jobStatus) (bool, error)) (time.Duration, error) {
	var created struct {
		JobID string `json:"job_id"`
	}
	if err := s.call("POST", path, body, &created); err != nil {
		return 0, err
	}
	start := time.Now()
	// One signed request for every poll, as a client signing once a
	// job: the server still verifies each.
	req, err := s.signed("GET", status+created.JobID, nil)
	if err != nil {
		return 0, err
	}
	for {
		var st jobStatus
		if err := send(req.Clone(context.Background()), &st); err != nil {
			return 0, err
		}
		done, err := ended(st)
		if err != nil {
			return 0, err
		}
		if done {
			return time.Since(start), nil
		}
		time.Sleep(poll)
	}
}

// jobStatus is what the load generator reads of a poll's answer: only
// the fields it needs, so that decoding the rest (a preview's file URLs
// and word timings) costs the CPUs it shares with the server little.
type jobStatus struct {
	IsFileComplete bool   `json:"is_file_complete"` // previews
	State          string `json:"state"`            // async jobs
	Code           string `json:"code"`
	Message        string `json:"message"`
}

// preview runs a preview of text to completion.
func (s *server) preview(voice, text string, poll time.Duration) (time.Duration, error) {
	body, _ := json.Marshal(map[string]string{"text": text, "emotion": voice})
	return s.submit("/ttsc/audition", "/ttsc/audition-file/", body, poll, func(st jobStatus) (bool, error) {
		if !st.IsFileComplete {
			return false, nil
		}
		if st.Code != "0" {
			return true, fmt.Errorf("preview failed: %s %s", st.Code, st.Message)
		}
		return true, nil
	})
}

// async runs an async MP3 job of text to completion.
func (s *server) async(voice, text string, poll time.Duration) (time.Duration, error) {
	body, _ := json.Marshal(map[string]string{"text": text, "voice_asset_id": voice, "audio_format": "MP3"})
	return s.submit("/ttsc/async-jobs", "/ttsc/async-jobs/", body, poll, func(st jobStatus) (bool, error) {
		switch st.State {
		case "SUCCEED":
			return true, nil
		case "FAILED":
			return true, fmt.Errorf("async job failed: %s", st.Message)
		}
		return false, nil
	})
}

// same gives text every time.
func same(text string) func() string { return func() string { return text } }

// numbered gives text with a new number in front each time, as long as
// text.
func numbered(text string) func() string {
	n := 0
	return func() string {
		n++
		s := []rune(fmt.Sprintf("%d. %s", n, text))
		return string(s[:utf8.RuneCountInString(text)])
	}
}

// previewLatency times n previews, one at a time, of the texts next
// gives, after five to warm up.
func (s *server) previewLatency(voice string, next func() string, n int) ([]time.Duration, error) {
	for range 5 { // warm up
		if _, err := s.preview(voice, next(), time.Millisecond); err != nil {
			return nil, err
		}
	}
	var out []time.Duration
	for range n {
		d, err := s.preview(voice, next(), time.Millisecond)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// throughput keeps inFlight jobs of text running for d, each run by job,
// and returns characters per second completed.
func (s *server) throughput(voice, text string, inFlight int, d time.Duration, job func(string, string, time.Duration) (time.Duration, error)) (float64, error) {
	return steadyRate(inFlight, d, func(int) (int, error) {
		_, err := job(voice, text, 20*time.Millisecond)
		return utf8.RuneCountInString(text), err
	})
}

// steadyRate runs op n at a time, each one again as soon as it is done
// (op(i) for i from 0 to n-1, so that each can have files of its own),
// and returns the units per second of the ops that ended within a window
// of d after a warm-up of d/5: the rate of the steady state, without the
// start, when the first ops are not yet done, or the end, when fewer
// than n are running. op returns the units it made.
func steadyRate(n int, d time.Duration, op func(i int) (int, error)) (float64, error) {
	var (
		mu       sync.Mutex
		units    int
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	from, to := start.Add(d/5), start.Add(d/5+d)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(to) {
				u, err := op(i)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if now := time.Now(); err == nil && now.After(from) && now.Before(to) {
					units += u
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(units) / d.Seconds(), firstErr
}

func writeReport(path string, figs []figure, hosts int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nMeasured by `make bench` (`go run ./cmd/ttsc-bench -ttsc bin/ttsc -o BENCHMARKS.md`) on %s, %d CPUs, %s/%s, %s.\n",
		time.Now().UTC().Format("2006-01-02"), hosts, runtime.GOOS, runtime.GOARCH, runtime.Version())
	b.WriteString("Figures compared with each other come from the same run; all traffic is on loopback. " +
		"A throughput counts what ended within a window of the length of the run after a warm-up of a fifth of it, with every worker busy all along.\n\n")
	b.WriteString("| Figure | Measured | Target | How |\n|---|---|---|---|\n")
	for _, f := range figs {
		target := f.Target
		if target == "" {
			target = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", f.Name, f.Value, target, f.Note)
	}
	for _, f := range figs {
		if !f.Missed {
			continue
		}
		fmt.Fprintf(&b, "\n## Missed: %s\n\nTarget %s, measured %s.", f.Name, f.Target, f.Value)
		if f.Why != "" {
			b.WriteString(" " + f.Why)
		}
		b.WriteString("\n")
		if f.Profile != nil {
			profileSection(&b, f.Profile)
		}
	}
	fmt.Print(b.String())
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
