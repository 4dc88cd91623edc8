package cache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/openttsc/ttsc"
)

// counting is an engine that answers with len(text) samples and counts
// its calls.
type counting struct{ calls int }

func (c *counting) Synthesize(_ context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	c.calls++
	if req.Text == "fail" {
		return nil, ttsc.Errorf(ttsc.ESYNTHESIS, "failed")
	}
	sp := &ttsc.Speech{SampleRate: 1000, Samples: make([]int16, len(req.Text)), Words: []ttsc.WordEvent{{TextEnd: 1}, {TextStart: 2, TextEnd: 5, Sample: len(req.Text) / 2}}}
	for i := range sp.Samples {
		sp.Samples[i] = int16(i*977 - 30000)
	}
	return sp, nil
}

type stats struct{ hits, misses int }

func (s *stats) CacheHit()  { s.hits++ }
func (s *stats) CacheMiss() { s.misses++ }

// open opens a cache of max bytes in a new directory, closed when the
// test ends.
func open(t *testing.T, next ttsc.Engine, max int64, st Stats) *Engine {
	t.Helper()
	c, err := Open(next, t.TempDir(), max, st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// segments lists the segment files of c.
func segments(t *testing.T, c *Engine) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(c.dir, "[0-9a-f]*"))
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func req(text string, speed int) ttsc.SynthesisRequest {
	return ttsc.SynthesisRequest{Engine: "e", Voice: "v", Text: text, Speed: speed, Pitch: 100}
}

// entrySize is the file size of the counting engine's speech for an
// n-byte text.
func entrySize(n int) int64 { return int64(headerSize + 2*wordSize + 2*n) }

func TestCache(t *testing.T) {
	ctx := context.Background()
	t.Run("OKHitSkipsEngineAndReturnsTheSameSpeech", func(t *testing.T) {
		next, st := &counting{}, &stats{}
		c := open(t, next, 1<<20, st)
		a, _ := c.Synthesize(ctx, req("hello there", 100))
		want := &ttsc.Speech{SampleRate: a.SampleRate, Samples: append([]int16(nil), a.Samples...), Words: append([]ttsc.WordEvent(nil), a.Words...)}
		a.Samples[0] = 999 // callers change what they get
		b, err := c.Synthesize(ctx, req("hello there", 100))
		if err != nil {
			t.Fatal(err)
		}
		if next.calls != 1 || st.hits != 1 || st.misses != 1 {
			t.Errorf("engine calls %d, hits %d, misses %d; want 1, 1, 1", next.calls, st.hits, st.misses)
		}
		if !reflect.DeepEqual(b, want) {
			t.Errorf("hit = %+v, want %+v", b, want)
		}
	})
	t.Run("OKDifferentParametersMiss", func(t *testing.T) {
		next := &counting{}
		c := open(t, next, 1<<20, nil)
		for _, r := range []ttsc.SynthesisRequest{req("hello", 100), req("hello", 120), req("hellO", 100),
			{Engine: "e", Voice: "w", Text: "hello", Speed: 100, Pitch: 100}, {Engine: "f", Voice: "v", Text: "hello", Speed: 100, Pitch: 100},
			{Engine: "e", Voice: "v", Text: "hello", Speed: 100, Pitch: 90}} {
			c.Synthesize(ctx, r)
		}
		if next.calls != 6 {
			t.Errorf("engine calls %d, want 6", next.calls)
		}
	})
	t.Run("OKBoundedLRUWithItsFiles", func(t *testing.T) {
		next := &counting{}
		c := open(t, next, 3*entrySize(100), nil)
		texts := []string{string(make([]byte, 100)), "a" + string(make([]byte, 99)), "b" + string(make([]byte, 99)), "c" + string(make([]byte, 99))}
		for _, s := range texts[:3] {
			c.Synthesize(ctx, req(s, 100))
		}
		c.Synthesize(ctx, req(texts[0], 100)) // most recent now
		c.Synthesize(ctx, req(texts[3], 100)) // evicts texts[1]
		if size, n := c.Size(); n != 3 || size != 3*entrySize(100) {
			t.Errorf("%d entries, %d bytes; want 3 in %d", n, size, 3*entrySize(100))
		}
		if files := segments(t, c); len(files) != 3 {
			t.Errorf("%d segment files, want 3: %v", len(files), files)
		}
		before := next.calls
		c.Synthesize(ctx, req(texts[0], 100))
		c.Synthesize(ctx, req(texts[1], 100))
		if next.calls != before+1 {
			t.Errorf("want only the evicted entry re-read; engine calls went %d → %d", before, next.calls)
		}
	})
	t.Run("OKLargerThanTheCacheNotKept", func(t *testing.T) {
		next := &counting{}
		c := open(t, next, entrySize(10), nil)
		c.Synthesize(ctx, req(string(make([]byte, 11)), 100))
		if _, n := c.Size(); n != 0 || len(segments(t, c)) != 0 {
			t.Errorf("%d entries, files %v; want none", n, segments(t, c))
		}
	})
	t.Run("ErrFailureKeptBrieflyNotStored", func(t *testing.T) {
		next := &counting{}
		c := open(t, next, 1<<20, nil)
		for range 2 {
			if _, err := c.Synthesize(ctx, req("fail", 100)); err == nil {
				t.Fatal("no error")
			}
		}
		if next.calls != 1 || len(segments(t, c)) != 0 {
			t.Errorf("engine calls %d, files %v; want 1 call and no file", next.calls, segments(t, c))
		}
		c.mu.Lock()
		c.reading[key(req("fail", 100))].until = time.Now().Add(-time.Second) // as failureKept later
		c.mu.Unlock()
		if _, err := c.Synthesize(ctx, req("fail", 100)); err == nil || next.calls != 2 {
			t.Errorf("after failureKept: %v, engine calls %d; want the engine asked again", err, next.calls)
		}
	})
	for _, tt := range []struct {
		name   string
		damage func(path string) error
	}{
		{"OKMissingFileReadAgain", os.Remove},
		{"OKDamagedFileReadAgain", func(path string) error { return os.WriteFile(path, []byte("TTC1 and then nothing"), 0o600) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			next, st := &counting{}, &stats{}
			c := open(t, next, 1<<20, st)
			c.Synthesize(ctx, req("hello", 100))
			if err := tt.damage(segments(t, c)[0]); err != nil {
				t.Fatal(err)
			}
			sp, err := c.Synthesize(ctx, req("hello", 100))
			if err != nil || len(sp.Samples) != 5 {
				t.Fatalf("Synthesize = %v, %v", sp, err)
			}
			c.Synthesize(ctx, req("hello", 100))
			if next.calls != 2 || st.misses != 2 || st.hits != 1 {
				t.Errorf("engine calls %d, misses %d, hits %d; want 2, 2, 1", next.calls, st.misses, st.hits)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	t.Run("OKAbandonedDirectoryRemovedLiveOneKept", func(t *testing.T) {
		root := t.TempDir()
		live, err := Open(&counting{}, root, 1<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer live.Close()
		live.Synthesize(context.Background(), req("kept", 100))
		abandoned := filepath.Join(root, "run-dead")
		if err := os.MkdirAll(abandoned, 0o750); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{lockName, "0123abcd"} {
			if err := os.WriteFile(filepath.Join(abandoned, name), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		c, err := Open(&counting{}, root, 1<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := os.Stat(abandoned); !os.IsNotExist(err) {
			t.Errorf("abandoned directory still there: %v", err)
		}
		if n := len(segments(t, live)); n != 1 {
			t.Errorf("the live cache has %d files, want 1", n)
		}
	})
	t.Run("OKCloseRemovesTheFiles", func(t *testing.T) {
		c, err := Open(&counting{}, t.TempDir(), 1<<20, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Synthesize(context.Background(), req("gone", 100))
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(c.dir); !os.IsNotExist(err) {
			t.Errorf("directory still there: %v", err)
		}
	})
	t.Run("ErrorRootNotADirectory", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "file")
		os.WriteFile(root, nil, 0o600)
		if _, err := Open(&counting{}, root, 1<<20, nil); err == nil {
			t.Error("no error")
		}
	})
}

func TestDecode(t *testing.T) {
	good, _ := encode(&ttsc.Speech{SampleRate: 22050, Samples: []int16{-32768, 0, 32767}, Words: []ttsc.WordEvent{{TextStart: 1, TextEnd: 4, Sample: 2}}})
	for _, tt := range []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"OKWhole", good, true},
		{"ErrorEmpty", nil, false},
		{"ErrorTruncated", good[:len(good)-1], false},
		{"ErrorTrailingBytes", append(append([]byte(nil), good...), 0), false},
		{"ErrorWrongMagic", append([]byte("XXXX"), good[4:]...), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := decode(tt.b)
			if (err == nil) != tt.ok {
				t.Fatalf("decode = %v, %v", sp, err)
			}
			if tt.ok && (sp.SampleRate != 22050 || !reflect.DeepEqual(sp.Samples, []int16{-32768, 0, 32767}) || sp.Words[0].Sample != 2) {
				t.Errorf("decode = %+v", sp)
			}
		})
	}
}

// BenchmarkHit reads a sentence of audio (5 s at 22,050 Hz, 20 words)
// back from the cache.
func BenchmarkHit(b *testing.B) {
	sp := &ttsc.Speech{SampleRate: 22050, Samples: make([]int16, 5*22050), Words: make([]ttsc.WordEvent, 20)}
	c, err := Open(fixed{sp}, b.TempDir(), 1<<20, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	c.Synthesize(ctx, req("sentence", 100))
	b.SetBytes(int64(2 * len(sp.Samples)))
	for b.Loop() {
		if _, err := c.Synthesize(ctx, req("sentence", 100)); err != nil {
			b.Fatal(err)
		}
	}
}

// fixed is an engine that always answers with the same speech.
type fixed struct{ sp *ttsc.Speech }

func (f fixed) Synthesize(context.Context, ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	return &ttsc.Speech{SampleRate: f.sp.SampleRate, Samples: append([]int16(nil), f.sp.Samples...), Words: append([]ttsc.WordEvent(nil), f.sp.Words...)}, nil
}

// gated is an engine whose reads wait for release and fail while fail
// is set; it counts its calls.
type gated struct {
	mu      sync.Mutex
	calls   int
	fail    bool
	started chan struct{}
	release chan struct{}
}

func (g *gated) Synthesize(ctx context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	g.mu.Lock()
	g.calls++
	fail := g.fail
	g.fail = false
	g.mu.Unlock()
	g.started <- struct{}{}
	<-g.release
	if fail {
		return nil, ttsc.Errorf(ttsc.ESYNTHESIS, "failed")
	}
	return &ttsc.Speech{SampleRate: 1000, Samples: make([]int16, len(req.Text))}, nil
}

func TestConcurrentReads(t *testing.T) {
	for _, tt := range []struct {
		name      string
		firstFail bool
		wantCalls int
		wantErrs  int
		wantHits  int
	}{
		{"OKOneReadServesEveryWaiter", false, 1, 0, 4},
		{"ErrEveryWaiterSharesTheFailure", true, 1, 5, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := &gated{fail: tt.firstFail, started: make(chan struct{}, 8), release: make(chan struct{})}
			st := &lockedStats{}
			c := open(t, g, 1<<20, st)
			const callers = 5
			errs := make(chan error, callers)
			var wg sync.WaitGroup
			for range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sp, err := c.Synthesize(context.Background(), req("same text", 100))
					if err == nil && len(sp.Samples) != len("same text") {
						err = fmt.Errorf("%d samples", len(sp.Samples))
					}
					errs <- err
				}()
			}
			<-g.started // the first read is under way; the others wait for it
			time.Sleep(50 * time.Millisecond)
			close(g.release)
			wg.Wait()
			close(errs)
			n := 0
			for err := range errs {
				if err != nil {
					n++
				}
			}
			if g.calls != tt.wantCalls || n != tt.wantErrs {
				t.Errorf("engine calls %d, errors %d; want %d, %d", g.calls, n, tt.wantCalls, tt.wantErrs)
			}
			if st.misses != tt.wantCalls || st.hits != tt.wantHits {
				t.Errorf("hits %d, misses %d; want %d, %d", st.hits, st.misses, tt.wantHits, tt.wantCalls)
			}
			// A caller coming later finds the segment kept, or its
			// failure, without the engine.
			_, err := c.Synthesize(context.Background(), req("same text", 100))
			if (err != nil) != tt.firstFail || g.calls != tt.wantCalls {
				t.Errorf("a later caller: %v, engine calls %d; want the same outcome, %d calls", err, g.calls, tt.wantCalls)
			}
		})
	}
}

// lockedStats is stats for concurrent callers.
type lockedStats struct {
	mu           sync.Mutex
	hits, misses int
}

func (s *lockedStats) CacheHit()  { s.mu.Lock(); s.hits++; s.mu.Unlock() }
func (s *lockedStats) CacheMiss() { s.mu.Lock(); s.misses++; s.mu.Unlock() }

// Reads that end while the cache closes do not keep their segments, and
// the cache's directory is gone once Close returns.
func TestCloseDuringReads(t *testing.T) {
	g := &gated{started: make(chan struct{}, 8), release: make(chan struct{})}
	c, err := Open(g, t.TempDir(), 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := c.Synthesize(context.Background(), req(fmt.Sprintf("text %d", i), 100)); err != nil {
				t.Errorf("read %d: %v", i, err)
			}
		})
	}
	for range 8 {
		<-g.started
	}
	closed := make(chan error)
	go func() { closed <- c.Close() }()
	close(g.release) // the reads end while Close runs
	wg.Wait()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := os.Stat(c.dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the cache's directory after Close: %v, want it gone", err)
	}
}
