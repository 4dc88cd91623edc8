// Package blobtest is the conformance suite every ttsc.BlobStore passes.
package blobtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openttsc/ttsc"
)

// Run exercises a blob store made fresh for each subtest by newStore.
func Run(t *testing.T, newStore func(t *testing.T) ttsc.BlobStore) {
	ctx := context.Background()
	read := func(t *testing.T, s ttsc.BlobStore, key string) []byte {
		t.Helper()
		b, err := s.Open(ctx, key)
		if err != nil {
			t.Fatalf("Open(%q): %v", key, err)
		}
		defer b.Close()
		data, err := io.ReadAll(b)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(data)) != b.Size {
			t.Errorf("Size %d, read %d bytes", b.Size, len(data))
		}
		return data
	}

	t.Run("OKPutOpen", func(t *testing.T) {
		s := newStore(t)
		want := []byte("RIFF....WAVE")
		if err := s.Put(ctx, "p/j/audio-0000.wav", want, "audio/wav"); err != nil {
			t.Fatal(err)
		}
		if got := read(t, s, "p/j/audio-0000.wav"); !bytes.Equal(got, want) {
			t.Errorf("read %q, want %q", got, want)
		}
	})
	t.Run("OKReplace", func(t *testing.T) {
		s := newStore(t)
		for _, v := range []string{"first", "second"} {
			if err := s.Put(ctx, "k", []byte(v), "text/plain"); err != nil {
				t.Fatal(err)
			}
		}
		if got := read(t, s, "k"); string(got) != "second" {
			t.Errorf("read %q after replace, want second", got)
		}
	})
	t.Run("OKSeek", func(t *testing.T) {
		s := newStore(t)
		if err := s.Put(ctx, "a/b.bin", []byte("0123456789"), ""); err != nil {
			t.Fatal(err)
		}
		b, err := s.Open(ctx, "a/b.bin")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if _, err := b.Seek(4, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 3)
		if _, err := io.ReadFull(b, buf); err != nil || string(buf) != "456" {
			t.Errorf("after Seek(4): %q, %v", buf, err)
		}
	})
	t.Run("OKDeleteIdempotent", func(t *testing.T) {
		s := newStore(t)
		if err := s.Put(ctx, "x/y.wav", []byte("1"), ""); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := s.Delete(ctx, "x/y.wav"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
		}
		if _, err := s.Open(ctx, "x/y.wav"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("Open after Delete: %v, want ENOTFOUND", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Open(ctx, "no/such.wav"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("Open: %v, want ENOTFOUND", err)
		}
	})
	t.Run("ErrBadKey", func(t *testing.T) {
		s := newStore(t)
		for _, key := range []string{"", "../x", "/abs", "a//b", "A.wav", "a/../b", "a/./b", "a b", "a\\b", "x/", ".", "..", "a/..", "./a", "a~b", "é.wav", "a\x00b", strings.Repeat("a", 513)} {
			if err := s.Put(ctx, key, []byte("1"), ""); ttsc.ErrorCode(err) != ttsc.EINVALID {
				t.Errorf("Put(%q): %v, want EINVALID", key, err)
			}
			// No blob has such a key: readers, which take keys from
			// download URLs, find none.
			if _, err := s.Open(ctx, key); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
				t.Errorf("Open(%q): %v, want ENOTFOUND", key, err)
			}
			if err := s.Delete(ctx, key); ttsc.ErrorCode(err) != ttsc.EINVALID {
				t.Errorf("Delete(%q): %v, want EINVALID", key, err)
			}
		}
	})
	t.Run("OKConcurrentPuts", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Put(ctx, fmt.Sprintf("p/j/audio-%04d.wav", i), []byte(fmt.Sprint(i)), ""); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for i := range 16 {
			if got := read(t, s, fmt.Sprintf("p/j/audio-%04d.wav", i)); string(got) != fmt.Sprint(i) {
				t.Errorf("blob %d holds %q", i, got)
			}
		}
	})
	t.Run("OKSizeAndModTime", func(t *testing.T) {
		s := newStore(t)
		before := time.Now().Add(-time.Minute)
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		for key, data := range map[string][]byte{"empty.bin": {}, "big.bin": big, "a-z_0.9/x.y-z": []byte("k")} {
			if err := s.Put(ctx, key, data, "application/octet-stream"); err != nil {
				t.Fatalf("Put(%q): %v", key, err)
			}
			b, err := s.Open(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if b.Size != int64(len(data)) || b.ModTime.Before(before) || b.ModTime.After(time.Now().Add(time.Minute)) {
				t.Errorf("%s: Size %d (want %d), ModTime %v", key, b.Size, len(data), b.ModTime)
			}
			got, err := io.ReadAll(b)
			b.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%s: read %d bytes, %v; want %d", key, len(got), err, len(data))
			}
		}
	})
	t.Run("OKDeleteMissing", func(t *testing.T) {
		s := newStore(t)
		if err := s.Delete(ctx, "never/stored.wav"); err != nil {
			t.Errorf("Delete of a blob never stored: %v", err)
		}
		if err := s.Put(ctx, "p/j/a.wav", []byte("a"), ""); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, "p/j/b.wav"); err != nil {
			t.Errorf("Delete of a missing sibling: %v", err)
		}
		if got := read(t, s, "p/j/a.wav"); string(got) != "a" {
			t.Errorf("sibling holds %q after Delete", got)
		}
	})
	t.Run("OKReadWhileReplaced", func(t *testing.T) {
		// A reader never sees a partly written blob: it reads one whole
		// version, old or new.
		s := newStore(t)
		old, newer := bytes.Repeat([]byte("o"), 64<<10), bytes.Repeat([]byte("n"), 64<<10)
		if err := s.Put(ctx, "k.bin", old, ""); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := range 20 {
				v := old
				if i%2 == 0 {
					v = newer
				}
				if err := s.Put(ctx, "k.bin", v, ""); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		for {
			select {
			case <-done:
				return
			default:
			}
			got := read(t, s, "k.bin")
			if !bytes.Equal(got, old) && !bytes.Equal(got, newer) {
				t.Fatalf("read a mixed or partial blob of %d bytes", len(got))
			}
		}
	})
}
