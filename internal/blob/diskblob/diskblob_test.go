package diskblob

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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

// files lists every file and directory under dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNoLeftovers(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for range 3 {
		if err := s.Put(ctx, "p/j/a.wav", []byte("data"), ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(ctx, "p/k/b.wav", []byte("data"), ""); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(files(t, s.dir), " ")
	if want := "p p/j p/j/a.wav p/k p/k/b.wav"; got != want {
		t.Errorf("files after Put: %s; want %s", got, want)
	}
	if err := s.Delete(ctx, "p/j/a.wav"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(files(t, s.dir), " "); got != "p p/k p/k/b.wav" {
		t.Errorf("files after one Delete: %s", got)
	}
	if err := s.Delete(ctx, "p/k/b.wav"); err != nil {
		t.Fatal(err)
	}
	if got := files(t, s.dir); len(got) != 0 {
		t.Errorf("files left after deleting every blob: %v", got)
	}
	if _, err := os.Stat(s.dir); err != nil {
		t.Errorf("Delete removed the store directory: %v", err)
	}
	if n, err := s.Usage(); err != nil || n != 0 {
		t.Errorf("Usage = %d, %v; want 0", n, err)
	}
}

func TestFailedPutLeavesNothing(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if err := s.Put(ctx, "p/j/x", []byte("1"), ""); err != nil {
		t.Fatal(err)
	}
	// p/j/x is a file, so p/j/x/y cannot be created.
	if err := s.Put(ctx, "p/j/x/y", []byte("2"), ""); err == nil {
		t.Fatal("Put under a file succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Put(cctx, "p/j/z", []byte("3"), ""); err == nil {
		t.Error("Put with a cancelled context succeeded")
	}
	if got := strings.Join(files(t, s.dir), " "); got != "p p/j p/j/x" {
		t.Errorf("files: %s", got)
	}
}

func TestDeleteDirectoryKey(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if err := s.Put(ctx, "p/j/a.wav", []byte("1"), ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "p/j"); err != nil {
		t.Errorf("Delete of a directory: %v", err)
	}
	if _, err := s.Open(ctx, "p/j"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
		t.Errorf("Open of a directory: %v, want ENOTFOUND", err)
	}
	if _, err := s.Open(ctx, "p/j/a.wav"); err != nil {
		t.Errorf("blob under the directory: %v", err)
	}
}

func TestKeyLimits(t *testing.T) {
	ctx := context.Background()
	seg := strings.Repeat("a", 200) // the longest segment
	long := strings.Repeat(seg+"/", 3)[:ttsc.MaxBlobKeyLen-1] + "b"
	for key, ok := range map[string]bool{
		seg:            true,
		seg + "a":      false,
		long:           true,
		long + "c":     false,
		"a~tmp-123456": false,
	} {
		err := newStore(t).Put(ctx, key, []byte("x"), "")
		if ok && err != nil || !ok && ttsc.ErrorCode(err) != ttsc.EINVALID {
			t.Errorf("Put of a %d-byte key: %v (want ok %v)", len(key), err, ok)
		}
	}
}

func TestSymlinkEscape(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.wav")
	if err := os.WriteFile(secret, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(s.dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(s.dir, "file.wav")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"link/secret.wav", "file.wav"} {
		if b, err := s.Open(ctx, key); err == nil {
			data, _ := io.ReadAll(b)
			b.Close()
			t.Errorf("Open(%q) read %q outside the store through a symlink", key, data)
		}
	}
	if err := s.Put(ctx, "link/new.wav", []byte("x"), ""); err == nil {
		t.Error("wrote outside the store through a symlink")
	}
	if _, err := s.Append(ctx, "link/new.wav", []byte("x")); err == nil {
		t.Error("appended outside the store through a symlink")
	}
	if _, err := s.Append(ctx, "file.wav", []byte("x")); err == nil {
		t.Error("appended to a file outside the store through a symlink")
	}
	if _, err := os.Stat(filepath.Join(outside, "new.wav")); err == nil {
		t.Error("a file appeared outside the store")
	}
	if err := s.Delete(ctx, "link/secret.wav"); err == nil {
		t.Log("Delete through a directory symlink reported success")
	}
	if data, err := os.ReadFile(secret); err != nil || string(data) != "secret" {
		t.Errorf("file outside the store after Delete through a symlink: %q, %v", data, err)
	}
	// Replacing a symlinked blob replaces the link, not its target.
	if err := s.Put(ctx, "file.wav", []byte("new"), ""); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(secret); err != nil || string(data) != "secret" {
		t.Errorf("Put over a symlink wrote its target: %q, %v", data, err)
	}
}

// TestPutDeleteRace puts and deletes blobs that share directories at the
// same time: a Delete removing an emptied directory must not fail a Put.
func TestPutDeleteRace(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				key := fmt.Sprintf("p/j/%d-%d.wav", w, i)
				if err := s.Put(ctx, key, []byte("x"), ""); err != nil {
					t.Errorf("Put(%s): %v", key, err)
					return
				}
				if err := s.Delete(ctx, key); err != nil {
					t.Errorf("Delete(%s): %v", key, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := files(t, s.dir); len(got) != 0 {
		t.Errorf("files left: %v", got)
	}
}

func TestSweepRemovesOrphanedTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "p", "j"), 0o750); err != nil {
		t.Fatal(err)
	}
	// A process that has exited: a child that ran and ended.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	files := map[string]bool{ // name → swept
		"p/j/audio-0000.wav": false,
		"p/j/audio-0001.wav" + tmpMark + fmt.Sprintf("%s-%d-abc", host, dead):        true,
		"p/j/audio-0002.wav" + tmpMark + fmt.Sprintf("%s-%d-abc", host, os.Getpid()): false,
		"p/j/audio-0003.wav" + tmpMark + fmt.Sprintf("otherhost-%d-abc", dead):       false,
		"p/j/audio-0004.wav" + tmpMark + "0123456789ab":                              false,
	}
	for name := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	old := filepath.Join(dir, "p/j/audio-0005.wav"+tmpMark+"otherhost-1-abc")
	if err := os.WriteFile(old, []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(old, time.Now().Add(-2*time.Hour), time.Now().Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	files["p/j/audio-0005.wav"+tmpMark+"otherhost-1-abc"] = true
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, swept := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if gone := os.IsNotExist(err); gone != swept {
			t.Errorf("%s: removed %v, want %v", name, gone, swept)
		}
	}
}

// TestAppend appends from several goroutines at once, each with a file
// of its own as separate processes would have: every offset returned must
// name exactly the bytes appended, with nothing lost or overlapping.
func TestAppend(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	type part struct {
		offset int64
		data   string
	}
	var (
		mu    sync.Mutex
		parts []part
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				data := strings.Repeat(fmt.Sprintf("<%d.%d>", w, i), 1+i%7)
				off, err := s.Append(ctx, "p/j/audition.wav", []byte(data[:3]), []byte(data[3:])) // a file in parts
				if err != nil {
					t.Errorf("Append: %v", err)
					return
				}
				mu.Lock()
				parts = append(parts, part{off, data})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b, err := s.Open(ctx, "p/j/audition.wav")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	all, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range parts {
		total += len(p.data)
		if end := p.offset + int64(len(p.data)); end > int64(len(all)) || string(all[p.offset:end]) != p.data {
			t.Fatalf("the append at %d does not hold %q", p.offset, p.data)
		}
	}
	if total != len(all) {
		t.Errorf("blob is %d bytes, the appends %d", len(all), total)
	}
	if got := strings.Join(files(t, s.dir), " "); got != "p p/j p/j/audition.wav" {
		t.Errorf("files: %s", got)
	}
}

func TestAppendRefused(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		key  string
		code string
	}{
		{"invalid key is EINVALID", context.Background(), "p/../j", ttsc.EINVALID},
		{"temporary file name is EINVALID", context.Background(), "p/j~tmp-1", ttsc.EINVALID},
		{"cancelled context writes nothing", cancelled, "p/j/a.wav", ttsc.EINTERNAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if _, err := s.Append(tc.ctx, tc.key, []byte("x")); ttsc.ErrorCode(err) != tc.code {
				t.Errorf("Append: %v, want code %s", err, tc.code)
			}
			if got := files(t, s.dir); len(got) != 0 {
				t.Errorf("files: %v", got)
			}
		})
	}
}
