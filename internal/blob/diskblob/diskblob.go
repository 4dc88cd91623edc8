// Package diskblob keeps job files as plain files under one directory:
// the blob store of a single-machine ttsc.
package diskblob

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"syscall"
	"time"

	"github.com/openttsc/ttsc"
)

// Store is a ttsc.BlobStore on the local file system. All access goes
// through an os.Root, so no key, symlink or race can reach a file outside
// the directory.
type Store struct {
	root *os.Root
	dir  string
}

var (
	_ ttsc.BlobStore = (*Store)(nil)
	_ ttsc.Appender  = (*Store)(nil)
)

// New returns a store keeping blobs under dir, which it creates. It
// removes the temporary files that writers killed mid-write left behind.
func New(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	s := &Store{root: root, dir: dir}
	s.sweep(time.Now())
	return s, nil
}

// Close releases the directory.
func (s *Store) Close() error { return s.root.Close() }

// tmpMark separates a key from the random suffix of its temporary file.
// No key contains it, so a temporary file never collides with a blob and
// cannot be opened as one.
const tmpMark = "~tmp-"

// Put writes data to a temporary file beside the blob, syncs it and
// renames it into place, so readers see the old blob or the new one,
// never a part.
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) (err error) {
	defer ttsc.WrapOp(&err, "diskblob.Put")
	if err := ttsc.ValidBlobKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	tmp := key + tmpMark + tempSuffix()
	f, err := s.createTemp(key, tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			s.root.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := s.root.Rename(tmp, key); err != nil {
		return err
	}
	s.syncDir(path.Dir(key))
	return nil
}

// createTemp creates the temporary file tmp beside key.
func (s *Store) createTemp(key, tmp string) (*os.File, error) {
	return s.openFile(key, tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
}

// openFile opens name, a file beside key, with flag, which holds
// O_CREATE, making the directories of key when they are missing. A
// concurrent Delete may remove a directory it has just made, once it is
// empty, and a concurrent Put may make one first; either way opening the
// file is tried again.
func (s *Store) openFile(key, name string, flag int) (*os.File, error) {
	dir := path.Dir(key)
	for attempt := 0; ; attempt++ {
		f, err := s.root.OpenFile(name, flag, 0o640)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || dir == "." || attempt == 100 {
			return f, err
		}
		// MkdirAll racing another Put may see a directory appear
		// (EEXIST) or, racing a Delete, vanish (ENOENT): try again.
		err = s.root.MkdirAll(dir, 0o750)
		if err != nil && !errors.Is(err, fs.ErrExist) && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
}

// Append adds the parts at the end of the blob key under an exclusive
// lock of the file, so appends from any process follow each other, and
// syncs it. Unlike Put it creates no temporary file, and no file at all
// once the blob exists: creating a file costs a file system far more
// than adding to one (docs/storage.md).
func (s *Store) Append(ctx context.Context, key string, parts ...[]byte) (offset int64, err error) {
	defer ttsc.WrapOp(&err, "diskblob.Append")
	if err := ttsc.ValidBlobKey(key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	f, err := s.openFile(key, key, os.O_WRONLY|os.O_CREATE|os.O_APPEND)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	offset = st.Size()
	for _, p := range parts {
		if _, err := f.Write(p); err != nil {
			f.Truncate(offset) // what was written in part, as far as it goes
			return 0, err
		}
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	if offset == 0 { // the file may be new: make its name durable too
		s.syncDir(path.Dir(key))
	}
	return offset, nil
}

// syncDir makes a rename in dir durable. Failure only risks losing the
// rename in a power cut, so it is ignored.
func (s *Store) syncDir(dir string) {
	if d, err := s.root.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Open returns the blob, or ENOTFOUND, also for a key that breaks the
// rules of ValidBlobKey (no blob has one).
func (s *Store) Open(ctx context.Context, key string) (b *ttsc.Blob, err error) {
	defer ttsc.WrapOp(&err, "diskblob.Open")
	if err := ttsc.ValidBlobKey(key); err != nil {
		// Readers get keys from outside (download URLs): one that
		// cannot name a blob finds none, as a missing one.
		return nil, &ttsc.Error{Code: ttsc.ENOTFOUND, Message: "file not found", Err: err}
	}
	f, err := s.root.Open(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ttsc.Errorf(ttsc.ENOTFOUND, "file %s not found", key)
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, ttsc.Errorf(ttsc.ENOTFOUND, "file %s not found", key)
	}
	return &ttsc.Blob{ReadSeekCloser: f, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Delete removes the blob and the directories it leaves empty.
func (s *Store) Delete(ctx context.Context, key string) (err error) {
	defer ttsc.WrapOp(&err, "diskblob.Delete")
	if err := ttsc.ValidBlobKey(key); err != nil {
		return err
	}
	if st, err := s.root.Lstat(key); err == nil && st.IsDir() {
		return nil // a directory of other blobs, not a blob
	}
	if err := s.root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
		if s.root.Remove(dir) != nil { // not empty, or gone
			break
		}
	}
	return nil
}

// Usage returns the bytes the blobs take.
func (s *Store) Usage() (int64, error) {
	var total int64
	err := fs.WalkDir(s.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			total += info.Size()
		}
		return nil
	})
	return total, err
}
