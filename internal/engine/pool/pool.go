// Package pool runs speech engines in supervised host processes.
//
// The C engines keep process-wide state and cannot synthesize on two
// threads at once, and a bug in them takes the whole process down. So each
// engine host is a separate process (ttsc re-executed as `ttsc
// engine-host`) that synthesizes one segment at a time; the pool hands
// each request to a free host, kills a host that crashes or overruns its
// deadline, and starts a new one in its place. One bad text fails its own
// segment, never the server.
package pool

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openttsc/ttsc"
)

// Config configures a Pool.
type Config struct {
	// Workers is the number of host processes. Default runtime.NumCPU().
	Workers int
	// Command returns the command that starts one host. Required. A
	// command without a Stderr has what the host writes there logged, a
	// few lines a host (see outputLines).
	Command func() *exec.Cmd
	// SegmentTimeout bounds one synthesis; a host that has not answered by
	// then is killed and replaced. Default 30s.
	SegmentTimeout time.Duration
	// Logger receives restarts and the hosts' output. Default
	// slog.Default().
	Logger *slog.Logger
}

// Pool is a set of engine host processes. It implements ttsc.Engine.
type Pool struct {
	cfg    Config
	free   chan *host
	closed chan struct{}
	wg     sync.WaitGroup

	mu       sync.Mutex
	hosts    map[*host]bool
	live     int   // hosts started and not yet dead
	startErr error // why the last start failed, while no host is live
	isClosed bool

	seq      atomic.Uint64
	restarts atomic.Int64
	inFlight atomic.Int64
}

var _ ttsc.Engine = (*Pool)(nil)

// host is one running engine host process.
type host struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	w      *bufio.Writer
	r      *bufio.Reader
	exited chan struct{}
}

// New starts cfg.Workers hosts. It fails only when the first host cannot
// start; later failures are retried in the background.
func New(cfg Config) (*Pool, error) {
	if cfg.Command == nil {
		return nil, errors.New("pool: Config.Command is required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.SegmentTimeout <= 0 {
		cfg.SegmentTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	p := &Pool{
		cfg:    cfg,
		free:   make(chan *host, cfg.Workers),
		closed: make(chan struct{}),
		hosts:  map[*host]bool{},
	}
	for i := range cfg.Workers {
		h, err := p.start()
		if err != nil {
			if i == 0 {
				p.Close()
				return nil, &ttsc.Error{Code: ttsc.EUNAVAILABLE, Message: "engine host does not start", Err: err}
			}
			p.wg.Add(1)
			go p.restart(err)
			continue
		}
		p.free <- h
	}
	return p, nil
}

// start launches one host and registers it.
func (p *Pool) start() (*host, error) {
	cmd := p.cfg.Command()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if f, ok := stdout.(*os.File); ok {
		widenPipe(f)
	}
	var output *os.File // the read end of the host's stderr, when logged
	if cmd.Stderr == nil {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		output, cmd.Stderr = r, w
		defer w.Close() // the host has its own copy once started
	}
	if err := cmd.Start(); err != nil {
		if output != nil {
			output.Close()
		}
		return nil, err
	}
	if output != nil {
		go p.logOutput(output, cmd.Process.Pid)
	}
	h := &host{cmd: cmd, stdin: stdin, w: bufio.NewWriterSize(stdin, 64<<10), r: bufio.NewReaderSize(stdout, 256<<10), exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(h.exited)
	}()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.isClosed {
		h.kill()
		return nil, errors.New("pool closed")
	}
	p.hosts[h] = true
	p.live++
	p.startErr = nil
	return h, nil
}

func (h *host) kill() {
	if h.cmd.Process != nil {
		h.cmd.Process.Kill()
	}
}

// outputLines is how many lines of its output a host gets logged. A
// host says nothing unless something is wrong, and when its engine
// crashes the first lines say how (the C library's message, the signal);
// the Go runtime's dump of every goroutine after them is only counted.
const outputLines = 6

// logOutput logs the first lines a host writes to stderr, each cut to 300
// bytes, and then how many more it wrote, until the host and anything it
// started have ended.
func (p *Pool) logOutput(r io.ReadCloser, pid int) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	logged, more := 0, 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		switch {
		case len(line) == 0:
		case logged < outputLines:
			logged++
			p.cfg.Logger.Warn("engine host output", "pid", pid, "line", string(line[:min(len(line), 300)]))
		default:
			more++
		}
	}
	if sc.Err() != nil { // a line too long to scan: the rest is not read
		more++
		io.Copy(io.Discard, r)
	}
	if more > 0 {
		p.cfg.Logger.Warn("engine host output cut short", "pid", pid, "lines_not_logged", more)
	}
}

// retire kills a host that failed and starts another in its place.
func (p *Pool) retire(h *host, reason string) {
	h.kill()
	p.mu.Lock()
	delete(p.hosts, h)
	p.live--
	closed := p.isClosed
	if !closed {
		p.wg.Add(1) // under mu, so Close never waits before this Add
	}
	p.mu.Unlock()
	if closed {
		return
	}
	p.restarts.Add(1)
	p.cfg.Logger.Warn("engine host replaced", "reason", reason, "pid", h.cmd.Process.Pid)
	go p.restart(nil)
}

// restart starts a replacement host, backing off while starts fail.
func (p *Pool) restart(lastErr error) {
	defer p.wg.Done()
	delay := 50 * time.Millisecond
	for {
		if lastErr != nil {
			p.mu.Lock()
			if p.live == 0 {
				p.startErr = lastErr
			}
			p.mu.Unlock()
			select {
			case <-time.After(delay):
			case <-p.closed:
				return
			}
			delay = min(2*delay, 5*time.Second)
		}
		h, err := p.start()
		if err == nil {
			p.free <- h
			return
		}
		select {
		case <-p.closed:
			return
		default:
		}
		p.cfg.Logger.Error("engine host does not start", "err", err)
		lastErr = err
	}
}

// Synthesize has a free host read req.Text.
func (p *Pool) Synthesize(ctx context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	a, err := p.do(ctx, request{Engine: req.Engine, Voice: req.Voice, Text: req.Text, Speed: req.Speed, Pitch: req.Pitch})
	if err != nil {
		return nil, err
	}
	return a.Speech, nil
}

// Phonemes returns the IPA with which engine's voice would read text.
func (p *Pool) Phonemes(ctx context.Context, engine, voice, text string) (string, error) {
	a, err := p.do(ctx, request{Op: opPhonemes, Engine: engine, Voice: voice, Text: text})
	if err != nil {
		return "", err
	}
	return a.phonemes, nil
}

// do runs one request on a free host.
func (p *Pool) do(ctx context.Context, req request) (*answer, error) {
	h, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	p.inFlight.Add(1)
	defer p.inFlight.Add(-1)

	type result struct {
		sp  *answer
		err error // an engine's answer
		io  error // the host failed
	}
	done := make(chan result, 1)
	seq := p.seq.Add(1)
	go func() {
		req.Seq = seq
		sp, err, ioErr := h.roundTrip(req)
		done <- result{sp, err, ioErr}
	}()
	timer := time.NewTimer(p.cfg.SegmentTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.io != nil {
			p.retire(h, "crashed: "+r.io.Error())
			return nil, &ttsc.Error{Code: ttsc.ESYNTHESIS, Message: "engine host crashed while synthesizing this segment", Err: r.io}
		}
		p.free <- h
		return r.sp, r.err
	case <-timer.C:
		p.retire(h, "timed out")
		<-done
		return nil, ttsc.Errorf(ttsc.ESYNTHESIS, "engine host did not finish this segment within %s", p.cfg.SegmentTimeout)
	case <-ctx.Done():
		// The host cannot be interrupted mid-synthesis; replace it.
		p.retire(h, "request canceled")
		<-done
		return nil, ctx.Err()
	}
}

// acquire waits for a free host. It gives up with EUNAVAILABLE when no
// host is running and the last start failed.
func (p *Pool) acquire(ctx context.Context) (*host, error) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case h := <-p.free:
			select {
			case <-p.closed: // a host left over in free after Close
				return nil, ttsc.Errorf(ttsc.EUNAVAILABLE, "engine pool is closed")
			default:
			}
			return h, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-p.closed:
			return nil, ttsc.Errorf(ttsc.EUNAVAILABLE, "engine pool is closed")
		case <-tick.C:
			p.mu.Lock()
			err := p.startErr
			p.mu.Unlock()
			if err != nil {
				return nil, &ttsc.Error{Code: ttsc.EUNAVAILABLE, Message: "no engine host is running: " + err.Error(), Err: err}
			}
		}
	}
}

// answer is a host's answer: speech, or phonemes.
type answer struct {
	*ttsc.Speech
	phonemes string
}

// roundTrip sends one request and reads its answer. err is the engine's
// answer; ioErr means the host is broken.
func (h *host) roundTrip(req request) (a *answer, err, ioErr error) {
	if ioErr = writeJSONFrame(h.w, req); ioErr != nil {
		return nil, nil, ioErr
	}
	if ioErr = h.w.Flush(); ioErr != nil {
		return nil, nil, ioErr
	}
	head, ioErr := readFrame(h.r)
	if ioErr != nil {
		return nil, nil, ioErr
	}
	samples, ioErr := readPCMFrame(h.r)
	if ioErr != nil {
		return nil, nil, ioErr
	}
	var resp response
	if ioErr = json.Unmarshal(head, &resp); ioErr != nil {
		return nil, nil, ioErr
	}
	if resp.Seq != req.Seq {
		return nil, nil, fmt.Errorf("answer to request %d arrived for request %d", resp.Seq, req.Seq)
	}
	if resp.ErrorCode != "" {
		return nil, &ttsc.Error{Code: resp.ErrorCode, Message: resp.ErrorMessage}, nil
	}
	return &answer{
		Speech:   &ttsc.Speech{SampleRate: resp.SampleRate, Samples: samples, Words: resp.Words},
		phonemes: resp.Phonemes,
	}, nil, nil
}

// Ready reports whether at least one engine host runs; if none does, the
// error says why the last start failed.
func (p *Pool) Ready() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.isClosed:
		return ttsc.Errorf(ttsc.EUNAVAILABLE, "the engine pool is closed")
	case p.live == 0 && p.startErr != nil:
		return &ttsc.Error{Code: ttsc.EUNAVAILABLE, Message: "no engine host runs", Err: p.startErr}
	case p.live == 0:
		return ttsc.Errorf(ttsc.EUNAVAILABLE, "no engine host runs")
	}
	return nil
}

// Restarts is how many hosts have been replaced.
func (p *Pool) Restarts() int64 { return p.restarts.Load() }

// InFlight is how many segments are being synthesized now.
func (p *Pool) InFlight() int64 { return p.inFlight.Load() }

// Idle reports whether a host is free: fewer segments are being
// synthesized than there are hosts.
func (p *Pool) Idle() bool { return p.inFlight.Load() < int64(p.cfg.Workers) }

// Close stops every host: it closes their input, so idle hosts exit, and
// kills those still running after a second. It is safe to call twice.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.isClosed {
		p.mu.Unlock()
		return nil
	}
	p.isClosed = true
	close(p.closed)
	hosts := make([]*host, 0, len(p.hosts))
	for h := range p.hosts {
		hosts = append(hosts, h)
	}
	p.mu.Unlock()
	for _, h := range hosts {
		h.stdin.Close()
	}
	for _, h := range hosts {
		select {
		case <-h.exited:
		case <-time.After(time.Second):
			h.kill()
			<-h.exited
		}
	}
	p.wg.Wait()
	return nil
}
