package diskblob

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/blob/blobtest"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) ttsc.BlobStore { return newStore(t) })
}

func TestNoLeftovers(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if err := s.Put(ctx, "p/j/a.wav", []byte("data"), ""); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(s.dir, "p", "j"))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if err := s.Delete(ctx, "p/j/a.wav"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "p")); !os.IsNotExist(err) {
		t.Errorf("empty directories left after Delete: %v", err)
	}
	if n, err := s.Usage(); err != nil || n != 0 {
		t.Errorf("Usage = %d, %v; want 0", n, err)
	}
}

func TestSymlinkEscape(t *testing.T) {
	s := newStore(t)
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.wav"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(s.dir, "link")); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Open(context.Background(), "link/secret.wav"); err == nil {
		b.Close()
		t.Fatal("read a file outside the store through a symlink")
	}
	if err := s.Put(context.Background(), "link/new.wav", []byte("x"), ""); err == nil {
		t.Error("wrote outside the store through a symlink")
	}
}
