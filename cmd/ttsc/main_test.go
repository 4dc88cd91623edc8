package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	metastudio "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/blob/s3blob/s3test"
	"github.com/openttsc/ttsc/internal/engine/pool"
	"github.com/openttsc/ttsc/internal/store/pgstore/pgtest"
)

// crashText makes the test engine host exit mid-synthesis, the way a C
// library crash would.
const crashText = "ENGINE-CRASH-NOW"

// hogText makes the test engine host allocate memory without end.
const hogText = "ENGINE-HOG-MEMORY"

// TestMain doubles as the engine host: the server under test starts this
// test binary again with TTSC_TEST_ENGINE_HOST=1.
func TestMain(m *testing.M) {
	if os.Getenv("TTSC_TEST_ENGINE_HOST") == "1" {
		if err := limitMemory(); err != nil {
			os.Exit(6)
		}
		engines := hostEngines()
		for name, e := range engines {
			engines[name] = crasher{e}
		}
		if err := pool.Serve(os.Stdin, os.Stdout, engines); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv("TTSC_TEST_COMMAND") == "1" {
		// The test binary as the ttsc binary, for tests that run the
		// server as a real process (and its engine hosts).
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// crasher is an engine that exits on crashText.
type crasher struct{ ttsc.Engine }

func (c crasher) Synthesize(ctx context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	if strings.Contains(req.Text, crashText) {
		os.Exit(3)
	}
	if strings.Contains(req.Text, hogText) {
		// Like a C library allocating without end: 8 GiB, touched.
		var hog [][]byte
		for range 64 {
			b := make([]byte, 128<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			hog = append(hog, b)
		}
		_ = hog
	}
	return c.Engine.Synthesize(ctx, req)
}

// Phonemes passes phoneme queries on to engines that answer them.
func (c crasher) Phonemes(voice, text string, ipa bool) (string, error) {
	p, ok := c.Engine.(interface {
		Phonemes(voice, text string, ipa bool) (string, error)
	})
	if !ok {
		return "", ttsc.Errorf(ttsc.EINVALID, "this engine gives no phonemes")
	}
	return p.Phonemes(voice, text, ipa)
}

// clock is a settable clock for URL expiry tests.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// testServer is a running `ttsc serve` with one project's credentials.
type testServer struct {
	*Main
	Clock  *clock
	Stdout *bytes.Buffer
	// Logs holds what the server logged.
	Logs *lockedBuffer
	Cred *ttsc.Credential
}

// testMode is the backend pair the end-to-end tests run on, from
// TTSC_TEST_MODE: "sqlite" (default: SQLite and files on disk),
// "postgres" (PostgreSQL and files on disk) or "postgres-s3" (PostgreSQL
// and versitygw). `make test` runs the suite in all three.
var testMode = cmp.Or(os.Getenv("TTSC_TEST_MODE"), "sqlite")

// backends points c at the backends of testMode, each fresh for the test.
func backends(t testing.TB, c *ServeConfig) {
	t.Helper()
	switch testMode {
	case "sqlite":
	case "postgres", "postgres-s3":
		c.Database = pgtest.URL(t)
		if testMode == "postgres-s3" {
			s3 := s3test.Start(t)
			t.Setenv("AWS_ACCESS_KEY_ID", s3.AccessKey)
			t.Setenv("AWS_SECRET_ACCESS_KEY", s3.SecretKey)
			c.Blob = fmt.Sprintf("s3://%s?endpoint=%s&region=%s&secure=false", s3.Bucket, s3.Endpoint, s3.Region)
		}
	default:
		t.Fatalf("TTSC_TEST_MODE=%q: want sqlite, postgres or postgres-s3", testMode)
	}
}

// onlyOn skips a test that checks the behaviour of one backend.
func onlyOn(t *testing.T, modes ...string) {
	t.Helper()
	if !slices.Contains(modes, testMode) {
		t.Skipf("checks %v behaviour; this run uses %s", modes, testMode)
	}
}

// lockedBuffer is a buffer the server's goroutines may write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServer runs the real wiring on 127.0.0.1:0 with data in dir (a new
// temporary directory when dir is empty); configure adjusts the
// configuration first.
func startServer(t testing.TB, dir string, configure ...func(*ServeConfig)) *testServer {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Clock: &clock{}, Stdout: &bytes.Buffer{}}
	c := DefaultServeConfig()
	c.Addr = "127.0.0.1:0"
	c.Data = dir
	c.EngineWorkers = 2
	c.SegmentTimeout = 20 * time.Second
	c.ShutdownTimeout = 10 * time.Second
	backends(t, &c)
	for _, f := range configure {
		f(&c)
	}
	ts.Logs = &lockedBuffer{}
	ts.Main = &Main{
		Config: c,
		Stdout: ts.Stdout,
		Stderr: ts.Logs,
		Now:    ts.Clock.Now,
		EngineCommand: func() *exec.Cmd {
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), "TTSC_TEST_ENGINE_HOST=1")
			return cmd
		},
	}
	if testing.Verbose() {
		ts.Main.Stderr = io.MultiWriter(ts.Logs, os.Stderr)
	}
	if err := ts.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	t.Cleanup(func() {
		if err := ts.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	ts.Cred, err = newCredential(context.Background(), ts.db, "")
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// client returns an official MetaStudio SDK client for cred.
func (ts *testServer) client(t *testing.T, cred *ttsc.Credential) *metastudio.MetaStudioClient {
	t.Helper()
	return sdkClient(t, ts.URL, cred)
}

// sdkClient returns an official MetaStudio SDK client of the server at
// url for cred.
func sdkClient(t *testing.T, url string, cred *ttsc.Credential) *metastudio.MetaStudioClient {
	t.Helper()
	c, err := basic.NewCredentialsBuilder().
		WithAk(cred.AccessKey).
		WithSk(cred.SecretKey).
		WithProjectId(cred.ProjectID).
		SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	hc, err := metastudio.MetaStudioClientBuilder().
		WithEndpoints([]string{url}).
		WithCredential(c).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(30 * time.Second)).
		SafeBuild()
	if err != nil {
		t.Fatal(err)
	}
	return metastudio.NewMetaStudioClient(hc)
}

// do sends a raw request and decodes a JSON answer into v when v is not nil.
func do(t *testing.T, req *http.Request, v any) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s %s: status %d, body %q is not the expected JSON: %v", req.Method, req.URL.Path, resp.StatusCode, body, err)
		}
	}
	return resp
}

// token makes a token of the server's project, valid for a day.
func (ts *testServer) token(t testing.TB) string {
	t.Helper()
	value, hash, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := ts.db.CreateToken(context.Background(), &ttsc.Token{Hash: hash, ProjectID: ts.Cred.ProjectID, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return value
}
