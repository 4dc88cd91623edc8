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
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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
	)
	flag.Parse()
	if err := run(*bin, *out, *duration, *samples); err != nil {
		fmt.Fprintln(os.Stderr, "ttsc-bench:", err)
		os.Exit(1)
	}
}

// figure is one line of the report.
type figure struct {
	Name, Value, Target, Note string
}

func run(bin, out string, d time.Duration, samples int) error {
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
	var figs []figure

	// (a) Engine ceiling: one host, then every host at once.
	one, err := engineThroughput(bin, 1, english, d)
	if err != nil {
		return err
	}
	all, err := engineThroughput(bin, hosts, english, d)
	if err != nil {
		return err
	}
	figs = append(figs,
		figure{"Engine throughput, 1 host (espeak-ng, English)", fmt.Sprintf("%.0f chars/s", one), "", "pool of engine hosts, sequential requests"},
		figure{fmt.Sprintf("Engine throughput, %d hosts", hosts), fmt.Sprintf("%.0f chars/s (%.0f per host, %.2f× one host)", all, all/float64(hosts), all/one), "", "the ceiling for end-to-end figures"},
	)

	srv, err := startServer(bin, hosts)
	if err != nil {
		return err
	}
	defer srv.stop()

	// (d) Preview latency, created → complete, 100 characters, idle.
	short := english[:100]
	lat, err := srv.previewLatency(short, samples)
	if err != nil {
		return err
	}
	figs = append(figs, figure{
		"Preview latency, 100 characters, idle (created → complete)",
		fmt.Sprintf("p50 %s, p90 %s, p99 %s (n=%d)", ms(pct(lat, 50)), ms(pct(lat, 90)), ms(pct(lat, 99)), len(lat)),
		"p50 ≤ 15 ms, p99 ≤ 50 ms", "one preview at a time; the client polls every millisecond"})

	// (b) End-to-end throughput of 1,000-character previews.
	e2e, err := srv.throughput(english, 4*hosts, d, srv.preview)
	if err != nil {
		return err
	}
	figs = append(figs, figure{
		"End-to-end throughput, 1,000-character English WAV previews, SQLite + disk",
		fmt.Sprintf("%.0f chars/s = %.2f × engine ceiling", e2e, e2e/all), "≥ 0.85 × ceiling",
		fmt.Sprintf("%d previews in flight, each polled every 20 ms", 4*hosts)})

	mp3, err := srv.throughput(english, 4*hosts, d, srv.async)
	if err != nil {
		return err
	}
	figs = append(figs, figure{
		"Async job throughput, 1,000-character English MP3, SQLite + disk",
		fmt.Sprintf("%.0f chars/s = %.2f × engine ceiling (%.1f jobs/s)", mp3, mp3/all, mp3/float64(len([]rune(english)))), "",
		fmt.Sprintf("%d jobs in flight, each polled every 20 ms", 4*hosts)})

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
func engineThroughput(bin string, n int, text string, d time.Duration) (float64, error) {
	p, err := pool.New(pool.Config{Workers: n, Command: func() *exec.Cmd { return exec.Command(bin, "engine-host") }})
	if err != nil {
		return 0, err
	}
	defer p.Close()
	v := englishVoice()
	req := ttsc.SynthesisRequest{Engine: v.Engine, Voice: v.EngineVoice, Text: text, Speed: 100, Pitch: 100}
	// Warm every host once.
	if _, err := p.Synthesize(context.Background(), req); err != nil {
		return 0, err
	}
	var mu sync.Mutex
	chars := 0
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < d {
				if _, err := p.Synthesize(context.Background(), req); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				mu.Lock()
				chars += utf8.RuneCountInString(text)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return float64(chars) / time.Since(start).Seconds(), firstErr
}

func englishVoice() ttsc.Voice {
	for _, v := range voices.Catalog() {
		if v.Language == "EN" && !v.Preset {
			return v
		}
	}
	panic("no English voice")
}

// server is a `ttsc serve` subprocess with a fresh data directory.
type server struct {
	cmd     *exec.Cmd
	url     string
	dir     string
	project string
	ak, sk  string
}

func startServer(bin string, hosts int) (*server, error) {
	dir, err := os.MkdirTemp("", "ttsc-bench-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{dir: dir, url: "http://" + addr}
	s.cmd = exec.Command(bin, "serve", "--addr", addr, "--data", dir, "--engine-workers", fmt.Sprint(hosts), "--log-format", "text")
	s.cmd.Stderr = io.Discard
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	re := regexp.MustCompile(`^\s*(project_id|access_key|secret_key): (\S+)`)
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if m := re.FindStringSubmatch(line); m != nil {
			switch m[1] {
			case "project_id":
				s.project = m[2]
			case "access_key":
				s.ak = m[2]
			case "secret_key":
				s.sk = m[2]
			}
		}
		if strings.HasPrefix(line, "ttsc serving on") {
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	if s.sk == "" {
		s.stop()
		return nil, errors.New("server did not print its first credentials")
	}
	return s, nil
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		s.cmd.Wait()
	}
	os.RemoveAll(s.dir)
}

// call sends a signed request and decodes the JSON answer.
func (s *server) call(method, path string, body []byte, v any) error {
	req, err := http.NewRequest(method, s.url+"/v1/"+s.project+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := auth.Sign(req, body, s.ak, s.sk, time.Now()); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, v)
}

// submit creates a job with body at path and polls status+job_id every
// poll until ended says it has; it returns the time from the create
// answer to the first poll that saw the end.
func (s *server) submit(path, status string, body []byte, poll time.Duration, ended func(map[string]any) (bool, error)) (time.Duration, error) {
	var created struct {
		JobID string `json:"job_id"`
	}
	if err := s.call("POST", path, body, &created); err != nil {
		return 0, err
	}
	start := time.Now()
	for {
		var st map[string]any
		if err := s.call("GET", status+created.JobID, nil, &st); err != nil {
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

// preview runs a preview of text to completion.
func (s *server) preview(text string, poll time.Duration) (time.Duration, error) {
	body, _ := json.Marshal(map[string]string{"text": text, "emotion": englishVoice().ID})
	return s.submit("/ttsc/audition", "/ttsc/audition-file/", body, poll, func(st map[string]any) (bool, error) {
		if st["is_file_complete"] != true {
			return false, nil
		}
		if st["code"] != "0" {
			return true, fmt.Errorf("preview failed: %v %v", st["code"], st["message"])
		}
		return true, nil
	})
}

// async runs an async MP3 job of text to completion.
func (s *server) async(text string, poll time.Duration) (time.Duration, error) {
	body, _ := json.Marshal(map[string]string{"text": text, "voice_asset_id": englishVoice().ID, "audio_format": "MP3"})
	return s.submit("/ttsc/async-jobs", "/ttsc/async-jobs/", body, poll, func(st map[string]any) (bool, error) {
		switch st["state"] {
		case "SUCCEED":
			return true, nil
		case "FAILED":
			return true, fmt.Errorf("async job failed: %v", st["message"])
		}
		return false, nil
	})
}

func (s *server) previewLatency(text string, n int) ([]time.Duration, error) {
	for range 5 { // warm up
		if _, err := s.preview(text, time.Millisecond); err != nil {
			return nil, err
		}
	}
	var out []time.Duration
	for range n {
		d, err := s.preview(text, time.Millisecond)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// throughput keeps inFlight jobs of text running for d, each run by job,
// and returns characters per second completed.
func (s *server) throughput(text string, inFlight int, d time.Duration, job func(string, time.Duration) (time.Duration, error)) (float64, error) {
	var mu sync.Mutex
	chars := 0
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < d {
				if _, err := job(text, 20*time.Millisecond); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				mu.Lock()
				chars += utf8.RuneCountInString(text)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return float64(chars) / time.Since(start).Seconds(), firstErr
}

func writeReport(path string, figs []figure, hosts int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nMeasured by `make bench` (`go run ./cmd/ttsc-bench -ttsc bin/ttsc -o BENCHMARKS.md`) on %s, %d CPUs, %s/%s, %s.\n",
		time.Now().UTC().Format("2006-01-02"), hosts, runtime.GOOS, runtime.GOARCH, runtime.Version())
	b.WriteString("Figures compared with each other come from the same run; all traffic is on loopback.\n\n")
	b.WriteString("| Figure | Measured | Target | How |\n|---|---|---|---|\n")
	for _, f := range figs {
		target := f.Target
		if target == "" {
			target = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", f.Name, f.Value, target, f.Note)
	}
	fmt.Print(b.String())
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
