package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/openttsc/ttsc/internal/auth"
)

// watchRSS samples the memory of the server process and its children
// every 50 ms until the returned function is called, which returns the
// peak sum in bytes.
func (s *server) watchRSS() func() int64 {
	pid := s.procs[0].Process.Pid
	stop := make(chan struct{})
	done := make(chan int64)
	go func() {
		var peak int64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, treeRSS(pid))
			select {
			case <-stop:
				done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(stop); return <-done }
}

// treeRSS is the resident memory of pid and its children, from /proc.
func treeRSS(pid int) int64 {
	total := rss(pid)
	for _, child := range children(pid) {
		total += rss(child)
	}
	return total
}

// children are the processes whose parent is pid, from /proc.
func children(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := statFields(child); len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// statFields are the fields of /proc/PID/stat after the command's
// closing parenthesis (state, ppid, …), or none.
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
}

// clockTick is the unit of CPU times in /proc (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// cpuTime is the CPU time pid has used, user and system, from /proc.
func cpuTime(pid int) time.Duration {
	f := statFields(pid)
	if len(f) < 13 {
		return 0
	}
	user, _ := strconv.ParseInt(f[11], 10, 64)
	sys, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(user+sys) * clockTick
}

// cpuShare is how many CPUs the server process, its engine hosts and
// this process (the load generator) kept busy over a measurement.
type cpuShare struct{ server, engines, client float64 }

func (c cpuShare) String() string {
	return fmt.Sprintf("the engine hosts kept %.2f CPUs busy, the server %.2f and the load generator %.2f", c.engines, c.server, c.client)
}

// per says the CPU time each of rate jobs a second took.
func (c cpuShare) per(rate float64) string {
	ms := func(cpus float64) float64 { return 1000 * cpus / rate }
	return fmt.Sprintf("%.1f ms of CPU in the engine hosts, %.1f ms in the server and %.1f ms in the load generator", ms(c.engines), ms(c.server), ms(c.client))
}

// watchCPU starts measuring the CPU time of the server, its engine hosts
// and this process; the returned function ends the measurement. Engine
// hosts replaced meanwhile are not counted.
func (s *server) watchCPU() func() cpuShare {
	pid := s.procs[0].Process.Pid
	hosts := func() (d time.Duration) {
		for _, c := range children(pid) {
			d += cpuTime(c)
		}
		return d
	}
	self := os.Getpid()
	start, server, engines, client := time.Now(), cpuTime(pid), hosts(), cpuTime(self)
	return func() cpuShare {
		wall := time.Since(start).Seconds()
		return cpuShare{
			server:  (cpuTime(pid) - server).Seconds() / wall,
			engines: (hosts() - engines).Seconds() / wall,
			client:  (cpuTime(self) - client).Seconds() / wall,
		}
	}
}

func rss(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cliBaseline runs `espeak-ng -w` once per text, n at a time, for d and
// returns characters per second.
func cliBaseline(text string, n int, d time.Duration) (float64, error) {
	bin, err := exec.LookPath("espeak-ng")
	if err != nil {
		return 0, fmt.Errorf("the CLI baseline needs espeak-ng: %w", err)
	}
	dir, err := os.MkdirTemp("", "ttsc-bench-cli-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	return steadyRate(n, d, func(i int) (int, error) {
		out := filepath.Join(dir, fmt.Sprintf("%d.wav", i))
		return len([]rune(text)), exec.Command(bin, "-v", "en-us+f5", "-w", out, text).Run()
	})
}

// maxBackground bounds the background previews of latencyUnderLoad.
const maxBackground = 64

// background counts the background previews of latencyUnderLoad.
type background struct{ started, skipped int }

// latencyUnderLoad times n previews while others start at rate per
// second in the background. At most maxBackground run at once: a start
// that finds them all running is skipped, so that a server slower for a
// moment than the rate does not drown in a backlog whose polls then slow
// it further.
func (s *server) latencyUnderLoad(voice, text string, n int, rate float64) ([]time.Duration, background, error) {
	var bg background
	stop := make(chan struct{})
	slots := make(chan struct{}, maxBackground)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				select {
				case slots <- struct{}{}:
					bg.started++
				default:
					bg.skipped++
					continue // all running: skip this start
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-slots }()
					s.preview(voice, text, 20*time.Millisecond)
				}()
			}
		}
	}()
	time.Sleep(time.Second) // reach the steady state
	out, err := s.previewLatency(voice, same(text), n)
	close(stop)
	wg.Wait()
	return out, bg, err
}

// pollRate runs one preview, then GETs its audition-file with conns
// connections for d, replaying requests signed in advance, and returns
// requests per second and the 99th percentile.
func (s *server) pollRate(voice string, conns int, d time.Duration) (float64, time.Duration, error) {
	body, _ := json.Marshal(map[string]string{"text": "Polled.", "emotion": voice})
	var created struct {
		JobID string `json:"job_id"`
	}
	if err := s.call("POST", "/ttsc/audition", body, &created); err != nil {
		return 0, 0, err
	}
	path := s.url + "/v1/" + s.project + "/ttsc/audition-file/" + created.JobID
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns}}
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", path, nil)
			if err := auth.Sign(req, nil, s.ak, s.sk, time.Now()); err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
				return
			}
			var mine []time.Duration
			for time.Since(start) < d {
				t0 := time.Now()
				resp, err := client.Do(req.Clone(context.Background()))
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				// Read to the end, or the connection is not reused.
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					mu.Lock()
					firstErr = fmt.Errorf("GET audition-file: %s", resp.Status)
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstErr != nil || len(lat) == 0 {
		return 0, 0, fmt.Errorf("polling: %v", firstErr)
	}
	return float64(len(lat)) / time.Since(start).Seconds(), pct(lat, 99), nil
}

// firstStreamedByte times n STARTs on one WebSocket until their first
// audio frame.
func (s *server) firstStreamedByte(voice, text string, n int) ([]time.Duration, error) {
	out, err := exec.Command(s.bin, "tokens", "create", "--data", s.dir, "--project", s.project).Output()
	if err != nil {
		return nil, fmt.Errorf("tokens create: %w", err)
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(out, &tok); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.url, "http")+"/v1/"+s.project+"/ttsc/jobs",
		&websocket.DialOptions{HTTPHeader: http.Header{"X-Auth-Token": {tok.Token}, "X-Voice-Asset-Id": {voice}}})
	if err != nil {
		return nil, err
	}
	defer conn.CloseNow()
	var lat []time.Duration
	for i := range n + 5 {
		t0 := time.Now()
		if err := wsjson.Write(ctx, conn, map[string]string{"command": "START", "text": text}); err != nil {
			return nil, err
		}
		first := time.Duration(0)
		for {
			typ, msg, err := conn.Read(ctx)
			if err != nil {
				return nil, err
			}
			if typ == websocket.MessageBinary {
				if first == 0 {
					first = time.Since(t0)
				}
				continue
			}
			var f struct{ Type, ErrorMsg string }
			json.Unmarshal(msg, &f)
			if f.Type == "error" {
				return nil, fmt.Errorf("stream: %s", f.ErrorMsg)
			}
			if f.Type == "end" {
				break
			}
		}
		if i >= 5 { // the first few warm up
			lat = append(lat, first)
		}
	}
	return lat, nil
}
