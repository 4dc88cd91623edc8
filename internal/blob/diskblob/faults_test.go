//go:build linux

package diskblob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFaultWriteCutShort has the kernel cut a write short, as a full disk
// does: RLIMIT_FSIZE lets a file grow to the limit and then fails the
// write with EFBIG (Go ignores SIGXFSZ). The Put must fail, and readers
// must see the old blob whole or none, never a part, nor a temporary file.
func TestFaultWriteCutShort(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	old := bytes.Repeat([]byte("old "), 1024) // 4 KiB, under the limit
	if err := s.Put(ctx, "p/j/kept.wav", old, "audio/wav"); err != nil {
		t.Fatal(err)
	}

	// The limit holds for every file the test process writes, `go
	// test`'s own log of opened files included: keep it well above
	// that log's size.
	const limit = 1 << 20
	var saved syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &saved); err != nil {
		t.Skip(err)
	}
	lim := saved
	lim.Cur = min(limit, saved.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip(err)
	}
	big := bytes.Repeat([]byte("new "), 1<<20) // 4 MiB
	errReplace := s.Put(ctx, "p/j/kept.wav", big, "audio/wav")
	errNew := s.Put(ctx, "p/j/new.wav", big, "audio/wav")
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &saved); err != nil {
		t.Fatal(err)
	}

	for _, test := range []struct {
		name string
		err  error
		key  string
		want []byte // nil: no blob
	}{
		{"ErrReplaceKeepsOld", errReplace, "p/j/kept.wav", old},
		{"ErrNewLeavesNone", errNew, "p/j/new.wav", nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			if !errors.Is(test.err, syscall.EFBIG) {
				t.Fatalf("Put = %v, want the kernel's EFBIG", test.err)
			}
			b, err := s.Open(ctx, test.key)
			if test.want == nil {
				if err == nil {
					b.Close()
					t.Fatal("a blob exists after its only write failed")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(b)
			b.Close()
			if !bytes.Equal(got, test.want) {
				t.Errorf("read %d bytes, want the old %d", len(got), len(test.want))
			}
		})
	}
	t.Run("ErrNoTemporaryLeft", func(t *testing.T) {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.Contains(d.Name(), tmpMark) {
				t.Errorf("temporary file left: %s", p)
			}
			return nil
		})
	})
}
