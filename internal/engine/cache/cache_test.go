package cache

import (
	"context"
	"testing"

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
	return &ttsc.Speech{SampleRate: 1000, Samples: make([]int16, len(req.Text)), Words: []ttsc.WordEvent{{TextEnd: 1}}}, nil
}

type stats struct{ hits, misses int }

func (s *stats) CacheHit()  { s.hits++ }
func (s *stats) CacheMiss() { s.misses++ }

func TestCache(t *testing.T) {
	req := func(text string, speed int) ttsc.SynthesisRequest {
		return ttsc.SynthesisRequest{Engine: "e", Voice: "v", Text: text, Speed: speed, Pitch: 100}
	}
	t.Run("OKHitSkipsEngine", func(t *testing.T) {
		next, st := &counting{}, &stats{}
		c := New(next, 1<<20, st)
		a, _ := c.Synthesize(context.Background(), req("hello", 100))
		a.Samples[0] = 999 // callers change what they get
		b, _ := c.Synthesize(context.Background(), req("hello", 100))
		if next.calls != 1 || st.hits != 1 || st.misses != 1 {
			t.Errorf("engine calls %d, hits %d, misses %d; want 1, 1, 1", next.calls, st.hits, st.misses)
		}
		if b.Samples[0] != 0 {
			t.Error("a caller's change reached the cache")
		}
	})
	t.Run("OKDifferentParametersMiss", func(t *testing.T) {
		next := &counting{}
		c := New(next, 1<<20, nil)
		for _, r := range []ttsc.SynthesisRequest{req("hello", 100), req("hello", 120), req("hellO", 100),
			{Engine: "e", Voice: "w", Text: "hello", Speed: 100, Pitch: 100}, {Engine: "f", Voice: "v", Text: "hello", Speed: 100, Pitch: 100},
			{Engine: "e", Voice: "v", Text: "hello", Speed: 100, Pitch: 90}} {
			c.Synthesize(context.Background(), r)
		}
		if next.calls != 6 {
			t.Errorf("engine calls %d, want 6", next.calls)
		}
	})
	t.Run("OKBoundedLRU", func(t *testing.T) {
		next := &counting{}
		entry := int64(2*100 + 24 + 64)
		c := New(next, 3*entry, nil)
		texts := []string{string(make([]byte, 100)), "a" + string(make([]byte, 99)), "b" + string(make([]byte, 99)), "c" + string(make([]byte, 99))}
		for _, s := range texts[:3] {
			c.Synthesize(context.Background(), req(s, 100))
		}
		c.Synthesize(context.Background(), req(texts[0], 100)) // most recent now
		c.Synthesize(context.Background(), req(texts[3], 100)) // evicts texts[1]
		if size, n := c.Size(); n != 3 || size > 3*entry {
			t.Errorf("%d entries, %d bytes; want 3 within %d", n, size, 3*entry)
		}
		before := next.calls
		c.Synthesize(context.Background(), req(texts[0], 100))
		c.Synthesize(context.Background(), req(texts[1], 100))
		if next.calls != before+1 {
			t.Errorf("want only the evicted entry re-read; engine calls went %d → %d", before, next.calls)
		}
	})
	t.Run("OKErrorsNotCached", func(t *testing.T) {
		next := &counting{}
		c := New(next, 1<<20, nil)
		for range 2 {
			if _, err := c.Synthesize(context.Background(), req("fail", 100)); err == nil {
				t.Fatal("no error")
			}
		}
		if next.calls != 2 {
			t.Errorf("engine calls %d, want 2", next.calls)
		}
	})
}
