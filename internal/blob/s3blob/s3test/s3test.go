// Package s3test runs a real S3-compatible server, versitygw with its
// posix backend, for tests of code that keeps blobs in S3.
//
// Start finds versitygw on PATH or in $(go env GOBIN) / $(go env
// GOPATH)/bin, and installs it there with
//
//	go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
//
// when it is missing (minutes the first time; the Go build cache keeps it
// after). When versitygw can be neither found, installed nor started the
// test is skipped, or fails if TTSC_REQUIRE_S3=1.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openttsc/ttsc/internal/blob/s3blob"
)

// Module is the versitygw that Start installs when none is found.
const Module = "github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// RequireEnv names the environment variable that, set to 1, turns a
// missing or broken versitygw from a skip into a failure.
const RequireEnv = "TTSC_REQUIRE_S3"

// Credentials of the gateway's root account.
const (
	AccessKey = "ttsc-test-access"
	SecretKey = "ttsc-test-secret-0123456789"
)

// Start runs a versitygw on 127.0.0.1 with a free port, keeping its
// buckets in a t.TempDir(), and stops it when the test ends. It returns
// the config of a new, empty bucket on it.
func Start(t testing.TB) s3blob.Config {
	t.Helper()
	_, cfg := StartServer(t)
	return cfg
}

// Server is a running versitygw that a test can stop and start again,
// to see what its clients do while the object store is down.
type Server struct {
	t    testing.TB
	bin  string
	addr string
	root string

	mu   sync.Mutex
	stop func() // nil while stopped
}

// StartServer is Start, also returning the server.
func StartServer(t testing.TB) (*Server, s3blob.Config) {
	t.Helper()
	bin, err := binary(t)
	if err != nil {
		unavailable(t, "versitygw is not available: %v", err)
	}
	srv := &Server{t: t, bin: bin, root: t.TempDir()}
	for attempt := 1; ; attempt++ {
		srv.addr, srv.stop, err = start(t, bin, "", srv.root)
		if err == nil {
			break
		}
		if attempt == 3 {
			unavailable(t, "versitygw does not start: %v", err)
		}
	}
	t.Cleanup(srv.Stop)
	return srv, NewBucket(t, s3blob.Config{
		Endpoint:  srv.addr,
		Region:    "us-east-1",
		AccessKey: AccessKey,
		SecretKey: SecretKey,
	})
}

// Stop kills the gateway: connections to its address are refused until
// Restart. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// Restart starts a stopped gateway again on the same address, with the
// buckets and objects it had, and waits until it answers.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		return nil
	}
	var err error
	// The port was free a moment ago; another process may take it
	// meanwhile, or the kernel may hold it briefly: try a few times.
	for attempt := 1; attempt <= 20; attempt++ {
		if _, s.stop, err = start(s.t, s.bin, s.addr, s.root); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("s3test: restarting versitygw on %s: %w", s.addr, err)
}

var bucketSeq atomic.Int64

// NewBucket creates a new, empty bucket on the server of cfg and returns
// cfg naming it, without a prefix.
func NewBucket(t testing.TB, cfg s3blob.Config) s3blob.Config {
	t.Helper()
	var r [4]byte
	rand.Read(r[:])
	cfg.Bucket = fmt.Sprintf("ttsc-test-%d-%s", bucketSeq.Add(1), hex.EncodeToString(r[:]))
	cfg.Prefix = ""
	cfg.CreateBucket = true
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s3blob.New(ctx, cfg); err != nil {
		t.Fatalf("s3test: create bucket %s: %v", cfg.Bucket, err)
	}
	cfg.CreateBucket = false
	return cfg
}

// unavailable skips the test, or fails it when RequireEnv is set.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("s3test: "+format+" (%s=1 requires it)", append(args, RequireEnv)...)
	}
	t.Skipf("s3test: "+format+" (set %s=1 to fail instead)", append(args, RequireEnv)...)
}

var (
	binMu   sync.Mutex
	binPath string
	binErr  error
)

// binary returns the path of versitygw, installing it once per process if
// need be. A failed install is not tried again by the same process.
func binary(t testing.TB) (string, error) {
	binMu.Lock()
	defer binMu.Unlock()
	if binPath != "" || binErr != nil {
		return binPath, binErr
	}
	binPath, binErr = findOrInstall(t)
	return binPath, binErr
}

func findOrInstall(t testing.TB) (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("not on PATH, and no go command to install it: %v", err)
	}
	out, err := exec.Command(goCmd, "env", "GOBIN", "GOPATH").Output()
	if err != nil {
		return "", fmt.Errorf("go env: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	binDir := strings.TrimSpace(lines[0])
	if binDir == "" && len(lines) > 1 {
		gopath := strings.TrimSpace(lines[1])
		if i := strings.IndexByte(gopath, os.PathListSeparator); i >= 0 {
			gopath = gopath[:i]
		}
		binDir = filepath.Join(gopath, "bin")
	}
	if binDir == "" {
		return "", errors.New("not on PATH, and go env gives neither GOBIN nor GOPATH")
	}
	bin := filepath.Join(binDir, "versitygw")
	if st, err := os.Stat(bin); err == nil && st.Mode().IsRegular() {
		return bin, nil
	}

	// Install into a directory of our own beside the target and rename
	// the binary into place, so a test process running at the same time
	// never sees half a file.
	budget := 15 * time.Minute
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			budget = min(budget, time.Until(dl)-time.Minute)
		}
	}
	if budget < time.Minute {
		return "", fmt.Errorf("not installed, and the test deadline leaves no time to go install %s", Module)
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(binDir, ".versitygw-install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	t.Logf("s3test: installing versitygw: go install %s (this takes minutes the first time)", Module)
	cmd := exec.CommandContext(ctx, goCmd, "install", Module)
	cmd.Dir = os.TempDir() // outside any module
	cmd.Env = append(os.Environ(), "GOBIN="+tmp)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	started := time.Now()
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("gave up after %v", budget)
		}
		return "", fmt.Errorf("go install %s: %v: %s", Module, err, tail(log.String(), 2000))
	}
	if err := os.Rename(filepath.Join(tmp, "versitygw"), bin); err != nil {
		return "", err
	}
	t.Logf("s3test: installed %s in %v", bin, time.Since(started).Round(time.Second))
	return bin, nil
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

// syncBuffer collects the output of the gateway.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() < 1<<20 {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs the gateway on addr (a free port when addr is empty) with
// its buckets under root, and waits until it answers HTTP. stop kills it
// and, when the test failed, logs what it printed.
func start(t testing.TB, bin, addr, root string) (_ string, stop func(), err error) {
	if addr == "" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", nil, err
		}
		addr = l.Addr().String()
		l.Close()
	}
	cmd := exec.Command(bin,
		"--access", AccessKey, "--secret", SecretKey,
		"--port", addr, "--region", "us-east-1", "--quiet",
		"posix", root)
	cmd.Env = gatewayEnv()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	kill := func() {
		cmd.Process.Kill()
		<-exited
	}

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exited:
			return "", nil, fmt.Errorf("%s exited: %v: %s", bin, cmd.ProcessState, tail(out.String(), 2000))
		default:
		}
		resp, err := client.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			if resp.Header.Get("Server") == "VERSITYGW" {
				break
			}
			kill()
			return "", nil, fmt.Errorf("another server answers on %s", addr)
		}
		if time.Now().After(deadline) {
			kill()
			return "", nil, fmt.Errorf("%s does not answer on %s after 30s: %v: %s", bin, addr, err, tail(out.String(), 2000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return addr, func() {
		kill()
		if t.Failed() {
			if s := strings.TrimSpace(out.String()); s != "" {
				t.Logf("versitygw output:\n%s", tail(s, 4000))
			}
		}
	}, nil
}

// gatewayEnv is the environment less the variables that configure
// versitygw, so that only the flags of start do.
func gatewayEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "VGW_") || strings.HasPrefix(name, "ROOT_") ||
			name == "LOGFILE" || name == "WEBHOOK" {
			continue
		}
		env = append(env, kv)
	}
	return env
}
