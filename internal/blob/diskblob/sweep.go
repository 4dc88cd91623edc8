package diskblob

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// staleTemp is the age after which any temporary file is swept, whoever
// wrote it: no write takes that long.
const staleTemp = time.Hour

// host names this machine in temporary file names, so a sweep on one
// machine of a shared directory leaves the writes of others alone.
var host = func() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return strings.NewReplacer("/", "_", "~", "_", "-", "_").Replace(h)
}()

// tempSuffix names a temporary file of this process:
// HOST-PID-RANDOM, after tmpMark.
func tempSuffix() string {
	return host + "-" + strconv.Itoa(os.Getpid()) + "-" + randSuffix()
}

// sweep removes temporary files that no write will rename any more: those
// of processes of this machine that have exited (a crash or kill -9 in
// the middle of a Put) and any older than an hour. It returns how many it
// removed.
func (s *Store) sweep(now time.Time) int {
	n := 0
	fs.WalkDir(s.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		_, suffix, ok := strings.Cut(d.Name(), tmpMark)
		if !ok {
			return nil
		}
		if info, err := d.Info(); err == nil && now.Sub(info.ModTime()) < staleTemp && !orphan(suffix) {
			return nil
		}
		if s.root.Remove(p) == nil {
			n++
		}
		return nil
	})
	return n
}

// orphan reports whether a temporary file's writer, named by its suffix,
// was a process of this machine that no longer runs.
func orphan(suffix string) bool {
	parts := strings.Split(suffix, "-")
	if len(parts) != 3 || parts[0] != host {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil || pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return false
	}
	err = syscall.Kill(pid, 0)
	return errors.Is(err, syscall.ESRCH)
}
