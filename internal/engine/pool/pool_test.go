package pool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/engine/espeak"
)

// TestMain doubles as an engine host when the pool under test starts this
// binary with TTSC_POOL_TEST_HOST=1.
func TestMain(m *testing.M) {
	if os.Getenv("TTSC_POOL_TEST_HOST") == "1" {
		engines := map[string]ttsc.Engine{"test": misbehaving{}}
		if e, err := espeak.New(); err == nil {
			engines["espeak"] = e
		}
		if err := Serve(os.Stdin, os.Stdout, engines); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// misbehaving is an engine that fails on demand: "crash" ends the
// process, "babble" ends it after 40 lines on stderr, "hang" never
// answers, "error" is refused; anything else gives a short tone.
type misbehaving struct{}

func (misbehaving) Synthesize(_ context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	switch req.Text {
	case "crash":
		os.Exit(3)
	case "babble":
		for i := range 40 {
			fmt.Fprintf(os.Stderr, "line %d\n", i)
		}
		os.Exit(3)
	case "hang":
		select {}
	case "error":
		return nil, ttsc.Errorf(ttsc.EINVALID, "refused %q", req.Text)
	}
	s := make([]int16, 2205)
	for i := range s {
		s[i] = int16(1000 * (i % 20))
	}
	return &ttsc.Speech{SampleRate: 22050, Samples: s, Words: []ttsc.WordEvent{{TextStart: 0, TextEnd: len(req.Text)}}}, nil
}

func newPool(t testing.TB, workers int, timeout time.Duration) *Pool {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{
		Workers:        workers,
		SegmentTimeout: timeout,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Command: func() *exec.Cmd {
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), "TTSC_POOL_TEST_HOST=1")
			cmd.Stderr = os.Stderr
			return cmd
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestRealSpeech(t *testing.T) {
	p := newPool(t, 1, 10*time.Second)
	sp, err := p.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: "espeak", Voice: "en-us", Text: "Hello from a host process.", Speed: 100, Pitch: 100})
	if err != nil {
		t.Fatal(err)
	}
	if sp.SampleRate != 22050 || len(sp.Samples) < 22050/2 || len(sp.Words) < 4 {
		t.Errorf("speech: rate %d, %d samples, %d words", sp.SampleRate, len(sp.Samples), len(sp.Words))
	}
}

func TestFailures(t *testing.T) {
	for _, test := range []struct {
		name    string
		text    string
		engine  string
		code    string
		mention string
	}{
		{"ErrCrash", "crash", "test", ttsc.ESYNTHESIS, "crashed"},
		{"ErrHang", "hang", "test", ttsc.ESYNTHESIS, "did not finish"},
		{"ErrEngineRefuses", "error", "test", ttsc.EINVALID, "refused"},
		{"ErrNoSuchEngine", "hi", "nope", ttsc.EINVALID, "no engine"},
	} {
		t.Run(test.name, func(t *testing.T) {
			p := newPool(t, 1, 500*time.Millisecond)
			_, err := p.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: test.engine, Text: test.text})
			if ttsc.ErrorCode(err) != test.code || !strings.Contains(ttsc.ErrorMessage(err), test.mention) {
				t.Fatalf("got %v (%s), want %s mentioning %q", err, ttsc.ErrorCode(err), test.code, test.mention)
			}
			// The pool keeps serving, with a new host where one died.
			if _, err := p.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: "test", Text: "fine"}); err != nil {
				t.Fatalf("after %s: %v", test.name, err)
			}
		})
	}
}

func TestRestartsCounted(t *testing.T) {
	p := newPool(t, 2, time.Second)
	for range 2 {
		p.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: "test", Text: "crash"})
	}
	if n := p.Restarts(); n != 2 {
		t.Errorf("Restarts = %d, want 2", n)
	}
}

func TestConcurrent(t *testing.T) {
	p := newPool(t, 2, 10*time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text := fmt.Sprintf("Request number %d.", i)
			sp, err := p.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: "espeak", Voice: "en-us", Text: text, Speed: 100, Pitch: 100})
			if err == nil && len(sp.Samples) == 0 {
				err = errors.New("no audio")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	p := newPool(t, 1, 10*time.Second)
	go p.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: "test", Text: "hang"})
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Synthesize(ctx, ttsc.SynthesisRequest{Engine: "test", Text: "fine"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("got %v after %v, want the context's error promptly", err, time.Since(start))
	}
}

func TestCloseIdempotent(t *testing.T) {
	p := newPool(t, 2, time.Second)
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: "test", Text: "x"}); ttsc.ErrorCode(err) != ttsc.EUNAVAILABLE {
		t.Errorf("after Close: %v, want EUNAVAILABLE", err)
	}
}

func TestErrHostDoesNotStart(t *testing.T) {
	_, err := New(Config{Workers: 1, Command: func() *exec.Cmd { return exec.Command("/nonexistent/ttsc", "engine-host") }})
	if ttsc.ErrorCode(err) != ttsc.EUNAVAILABLE {
		t.Errorf("New with a missing binary: %v, want EUNAVAILABLE", err)
	}
}

const paragraph = `The lighthouse keeper climbed the stairs every evening at dusk. He carried a small lamp, ` +
	`a notebook and a flask of tea, and he counted the steps as he went, although he had known their number ` +
	`for thirty years. At the top he wiped the great lens, checked the clockwork that turned it, and wrote ` +
	`down the wind, the sea and the ships he could see.`

func BenchmarkPool(b *testing.B) {
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("hosts=%d", workers), func(b *testing.B) {
			p := newPool(b, workers, 30*time.Second)
			req := ttsc.SynthesisRequest{Engine: "espeak", Voice: "en-us", Text: paragraph, Speed: 100, Pitch: 100}
			b.SetParallelism(workers)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := p.Synthesize(context.Background(), req); err != nil {
						b.Error(err)
					}
				}
			})
			b.ReportMetric(float64(b.N*len([]rune(paragraph)))/b.Elapsed().Seconds(), "chars/s")
		})
	}
}

func TestPhonemes(t *testing.T) {
	p := newPool(t, 1, 10*time.Second)
	ipa, err := p.Phonemes(context.Background(), "espeak", "en-us", "water")
	if err != nil || !strings.Contains(ipa, "w") {
		t.Errorf("IPA of water: %q, %v", ipa, err)
	}
	if _, err := p.Phonemes(context.Background(), "test", "", "x"); ttsc.ErrorCode(err) != ttsc.EINVALID {
		t.Errorf("engine without phonemes: %v, want EINVALID", err)
	}
}

func TestReady(t *testing.T) {
	p := newPool(t, 1, 30*time.Second)
	if err := p.Ready(); err != nil {
		t.Errorf("a running pool: %v", err)
	}
	p.Close()
	if err := p.Ready(); ttsc.ErrorCode(err) != ttsc.EUNAVAILABLE {
		t.Errorf("a closed pool: %v, want EUNAVAILABLE", err)
	}
}

// A host that writes to stderr and dies gets its first lines logged as
// records of the pool's logger, and the rest counted, not copied.
func TestHostOutputLogged(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The logger writes each record with one write to a file.
	logFile, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	logs := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	p, err := New(Config{
		Workers:        1,
		SegmentTimeout: 10 * time.Second,
		Logger:         slog.New(slog.NewJSONHandler(logFile, nil)),
		Command: func() *exec.Cmd { // no Stderr: the pool reads it
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), "TTSC_POOL_TEST_HOST=1")
			return cmd
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if _, err := p.Synthesize(context.Background(), ttsc.SynthesisRequest{Engine: "test", Text: "babble"}); ttsc.ErrorCode(err) != ttsc.ESYNTHESIS {
		t.Fatalf("babble: %v, want the crash", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs(), "engine host output cut short") {
		if time.Now().After(deadline) {
			t.Fatalf("no summary of the output after 10 s; logs:\n%s", logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
	var lines []string
	notLogged := -1.0
	for _, rec := range strings.Split(strings.TrimSpace(logs()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(rec), &r); err != nil {
			t.Fatalf("log line %q is not a JSON record: %v", rec, err)
		}
		switch r["msg"] {
		case "engine host output":
			lines = append(lines, r["line"].(string))
		case "engine host output cut short":
			notLogged = r["lines_not_logged"].(float64)
		}
	}
	want := []string{"line 0", "line 1", "line 2", "line 3", "line 4", "line 5"}
	if !slices.Equal(lines, want) || notLogged != 34 {
		t.Errorf("logged lines %q and %v not logged; want %q and 34", lines, notLogged, want)
	}
}
