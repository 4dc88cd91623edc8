package s3blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/blob/blobtest"
	"github.com/openttsc/ttsc/internal/blob/s3blob"
	"github.com/openttsc/ttsc/internal/blob/s3blob/s3test"
)

func newStore(t *testing.T, cfg s3blob.Config) *s3blob.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := s3blob.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	cfg := s3test.Start(t)
	t.Run("Prefix", func(t *testing.T) {
		var n atomic.Int64
		blobtest.Run(t, func(t *testing.T) ttsc.BlobStore {
			c := cfg
			c.Prefix = fmt.Sprintf("run/%d", n.Add(1))
			return newStore(t, c)
		})
	})
	t.Run("Bucket", func(t *testing.T) {
		blobtest.Run(t, func(t *testing.T) ttsc.BlobStore {
			return newStore(t, s3test.NewBucket(t, cfg))
		})
	})
}

func TestPrefix(t *testing.T) {
	ctx := context.Background()
	cfg := s3test.Start(t)
	root := newStore(t, cfg)
	cfg.Prefix = "/ttsc/prod/"
	s := newStore(t, cfg)
	if err := s.Put(ctx, "p/j/a.wav", []byte("data"), "audio/wav"); err != nil {
		t.Fatal(err)
	}
	b, err := root.Open(ctx, "ttsc/prod/p/j/a.wav")
	if err != nil {
		t.Fatalf("blob is not under the prefix: %v", err)
	}
	b.Close()
	if _, err := root.Open(ctx, "p/j/a.wav"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
		t.Errorf("blob also outside the prefix: %v", err)
	}
}

// get fetches u and returns the status, body and Content-Type.
func get(t *testing.T, u string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Header.Get("Content-Type")
}

func TestPresignGet(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, s3test.Start(t))
	for key, data := range map[string]string{"p/j/audio-0000.wav": "RIFF0000", "p/j/audio-0001.wav": "RIFF0001"} {
		if err := s.Put(ctx, key, []byte(data), "audio/wav"); err != nil {
			t.Fatal(err)
		}
	}
	u, err := s.PresignGet(ctx, "p/j/audio-0000.wav", time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("OK", func(t *testing.T) {
		status, body, ct := get(t, u)
		if status != http.StatusOK || body != "RIFF0000" || ct != "audio/wav" {
			t.Errorf("GET presigned URL: %d %q %q, want 200 RIFF0000 audio/wav", status, body, ct)
		}
		// Twice: the URL is not single-use.
		if status, _, _ := get(t, u); status != http.StatusOK {
			t.Errorf("second GET: %d", status)
		}
	})

	t.Run("ErrTampered", func(t *testing.T) {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		q := pu.Query()
		sig := q.Get("X-Amz-Signature")
		if sig == "" {
			t.Fatalf("no X-Amz-Signature in %s", u)
		}
		tamper := map[string]func(*url.URL, url.Values){
			"key": func(u *url.URL, q url.Values) {
				u.Path = strings.Replace(u.Path, "audio-0000", "audio-0001", 1)
			},
			"signature": func(u *url.URL, q url.Values) {
				c := byte('0')
				if sig[len(sig)-1] == '0' {
					c = '1'
				}
				q.Set("X-Amz-Signature", sig[:len(sig)-1]+string(c))
			},
			"expiry": func(u *url.URL, q url.Values) { q.Set("X-Amz-Expires", "7200") },
			"content-type": func(u *url.URL, q url.Values) {
				q.Set("response-content-type", "text/html")
			},
			"unsigned": func(u *url.URL, q url.Values) { q.Del("X-Amz-Signature") },
		}
		for name, f := range tamper {
			v := *pu
			q := pu.Query()
			f(&v, q)
			v.RawQuery = q.Encode()
			status, body, _ := get(t, v.String())
			// Without a signature S3 answers 400 (malformed), else 403.
			if status != http.StatusForbidden && !(name == "unsigned" && status == http.StatusBadRequest) {
				t.Errorf("tampered %s: status %d (%q), want 403", name, status, body)
			}
		}
	})

	t.Run("ErrExpired", func(t *testing.T) {
		short, err := s.PresignGet(ctx, "p/j/audio-0001.wav", 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if status, body, _ := get(t, short); status != http.StatusOK || body != "RIFF0001" {
			t.Fatalf("before expiry: %d %q", status, body)
		}
		time.Sleep(3500 * time.Millisecond)
		if status, body, _ := get(t, short); status != http.StatusForbidden {
			t.Errorf("after expiry: status %d (%q), want 403", status, body)
		}
	})

	t.Run("ErrArgs", func(t *testing.T) {
		if _, err := s.PresignGet(ctx, "no/such.wav", time.Hour); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
			t.Errorf("missing key: %v, want ENOTFOUND", err)
		}
		if _, err := s.PresignGet(ctx, "../x", time.Hour); ttsc.ErrorCode(err) != ttsc.EINVALID {
			t.Errorf("bad key: %v, want EINVALID", err)
		}
		for _, ttl := range []time.Duration{0, -time.Second, 8 * 24 * time.Hour} {
			if _, err := s.PresignGet(ctx, "p/j/audio-0000.wav", ttl); ttsc.ErrorCode(err) != ttsc.EINVALID {
				t.Errorf("ttl %v: %v, want EINVALID", ttl, err)
			}
		}
	})
}

// TestServeContent reads a blob the way the HTTP API does: seeking to
// the end for the size, then serving a range.
func TestServeContent(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, s3test.Start(t))
	data := bytes.Repeat([]byte("0123456789"), 10000)
	if err := s.Put(ctx, "p/j/x.bin", data, "application/octet-stream"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rng        string
		status     int
		start, end int
	}{
		{"", http.StatusOK, 0, len(data)},
		{"bytes=0-9", http.StatusPartialContent, 0, 10},
		{"bytes=99990-", http.StatusPartialContent, 99990, len(data)},
		{"bytes=5000-5004", http.StatusPartialContent, 5000, 5005},
	} {
		b, err := s.Open(ctx, "p/j/x.bin")
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "/x.bin", nil)
		if tc.rng != "" {
			req.Header.Set("Range", tc.rng)
		}
		w := httptest.NewRecorder()
		http.ServeContent(w, req, "x.bin", b.ModTime, b)
		b.Close()
		if w.Code != tc.status || !bytes.Equal(w.Body.Bytes(), data[tc.start:tc.end]) {
			t.Errorf("Range %q: %d, %d bytes; want %d, %d bytes", tc.rng, w.Code, w.Body.Len(), tc.status, tc.end-tc.start)
		}
	}

	t.Run("SeekPastEnd", func(t *testing.T) {
		b, err := s.Open(ctx, "p/j/x.bin")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if n, err := b.Seek(10, io.SeekEnd); err != nil || n != int64(len(data))+10 {
			t.Fatalf("Seek(10, End) = %d, %v", n, err)
		}
		if n, err := b.Read(make([]byte, 10)); n != 0 || err != io.EOF {
			t.Errorf("Read past the end: %d, %v; want 0, EOF", n, err)
		}
		if _, err := b.Seek(-1, io.SeekStart); err == nil {
			t.Error("Seek(-1) succeeded")
		}
		if _, err := b.Seek(-3, io.SeekEnd); err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(b); err != nil || string(got) != "789" {
			t.Errorf("last 3 bytes: %q, %v", got, err)
		}
		b.Close()
		if _, err := b.Read(make([]byte, 1)); err == nil {
			t.Error("Read after Close succeeded")
		}
	})

	t.Run("ErrReplacedAfterSeek", func(t *testing.T) {
		// A blob is one version: a Seek after the object was replaced
		// must not mix the two.
		b, err := s.Open(ctx, "p/j/x.bin")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if err := s.Put(ctx, "p/j/x.bin", []byte("new"), ""); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Seek(50000, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Read(make([]byte, 10)); ttsc.ErrorCode(err) != ttsc.ECONFLICT {
			t.Errorf("Read after replacement: %v, want ECONFLICT", err)
		}
	})
}

func TestNew(t *testing.T) {
	ctx := context.Background()
	cfg := s3test.Start(t)

	t.Run("ErrMissingBucket", func(t *testing.T) {
		c := cfg
		c.Bucket = "no-such-bucket"
		_, err := s3blob.New(ctx, c)
		if ttsc.ErrorCode(err) != ttsc.EUNAVAILABLE || !strings.Contains(err.Error(), "no-such-bucket") {
			t.Errorf("New: %v, want EUNAVAILABLE naming the bucket", err)
		}
	})
	t.Run("OKCreateBucket", func(t *testing.T) {
		c := cfg
		c.Bucket = "created-by-new"
		c.CreateBucket = true
		for range 2 { // the second time the bucket exists
			s := newStore(t, c)
			if err := s.Put(ctx, "k", []byte("v"), ""); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("ErrBadSecret", func(t *testing.T) {
		c := cfg
		c.SecretKey = "wrong-secret"
		if _, err := s3blob.New(ctx, c); ttsc.ErrorCode(err) != ttsc.EUNAVAILABLE || !strings.Contains(err.Error(), "access denied") {
			t.Errorf("New with a wrong secret: %v, want EUNAVAILABLE, access denied", err)
		}
	})
	t.Run("OKEnvCredentials", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", s3test.AccessKey)
		t.Setenv("AWS_SECRET_ACCESS_KEY", s3test.SecretKey)
		t.Setenv("AWS_SESSION_TOKEN", "")
		c := cfg
		c.AccessKey, c.SecretKey = "", ""
		s := newStore(t, c)
		if err := s.Put(ctx, "env/k", []byte("v"), ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrConfig", func(t *testing.T) {
		for name, f := range map[string]func(*s3blob.Config){
			"endpoint":    func(c *s3blob.Config) { c.Endpoint = "http://x:1" },
			"no endpoint": func(c *s3blob.Config) { c.Endpoint = "" },
			"bucket":      func(c *s3blob.Config) { c.Bucket = "" },
			"prefix":      func(c *s3blob.Config) { c.Prefix = "a/../b" },
			"half key":    func(c *s3blob.Config) { c.SecretKey = "" },
		} {
			c := cfg
			f(&c)
			if _, err := s3blob.New(ctx, c); ttsc.ErrorCode(err) != ttsc.EINVALID {
				t.Errorf("%s: %v, want EINVALID", name, err)
			}
		}
	})
}

// TestUnavailable checks that a store that stops answering gives
// EUNAVAILABLE with the operation named.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	cfg := s3test.Start(t)

	t.Run("New", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c := cfg
		c.Endpoint = l.Addr().String()
		l.Close()
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err = s3blob.New(ctx, c)
		if ttsc.ErrorCode(err) != ttsc.EUNAVAILABLE || !strings.HasPrefix(err.Error(), "s3blob.New: ") {
			t.Errorf("New on a closed port: %v, want EUNAVAILABLE from s3blob.New", err)
		}
	})

	// A proxy in front of the gateway, closed once the store is made.
	target, _ := url.Parse("http://" + cfg.Endpoint)
	proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	c := cfg
	c.Endpoint = proxy.Listener.Addr().String()
	s := newStore(t, c)
	if err := s.Put(ctx, "p/a.wav", []byte("a"), ""); err != nil {
		t.Fatalf("Put through the proxy: %v", err)
	}
	proxy.Close()
	for op, f := range map[string]func(context.Context) error{
		"Put":    func(ctx context.Context) error { return s.Put(ctx, "p/a.wav", []byte("b"), "") },
		"Open":   func(ctx context.Context) error { _, err := s.Open(ctx, "p/a.wav"); return err },
		"Delete": func(ctx context.Context) error { return s.Delete(ctx, "p/a.wav") },
		"PresignGet": func(ctx context.Context) error {
			_, err := s.PresignGet(ctx, "p/a.wav", time.Minute)
			return err
		},
	} {
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		err := f(ctx)
		cancel()
		var te *ttsc.Error
		if ttsc.ErrorCode(err) != ttsc.EUNAVAILABLE || !errors.As(err, &te) || te.Op != "s3blob."+op {
			t.Errorf("%s on a dead store: %v, want EUNAVAILABLE with Op s3blob.%s", op, err, op)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want s3blob.Config
	}{
		{"s3://ttsc-blobs", s3blob.Config{Bucket: "ttsc-blobs", Endpoint: "s3.amazonaws.com", Secure: true}},
		{"s3://ttsc-blobs/", s3blob.Config{Bucket: "ttsc-blobs", Endpoint: "s3.amazonaws.com", Secure: true}},
		{"s3://ttsc-blobs/prod/eu/?region=eu-west-1", s3blob.Config{Bucket: "ttsc-blobs", Prefix: "prod/eu", Endpoint: "s3.amazonaws.com", Region: "eu-west-1", Secure: true}},
		{"s3://b01/x?endpoint=127.0.0.1:7070&region=us-east-1&secure=false",
			s3blob.Config{Bucket: "b01", Prefix: "x", Endpoint: "127.0.0.1:7070", Region: "us-east-1"}},
		{"s3://dev?endpoint=minio.local:9000&secure=0&create_bucket=true",
			s3blob.Config{Bucket: "dev", Endpoint: "minio.local:9000", CreateBucket: true}},
		{"s3://dev?endpoint=[::1]:9000", s3blob.Config{Bucket: "dev", Endpoint: "[::1]:9000", Secure: true}},
		{"s3://dev?endpoint=storage.example.com", s3blob.Config{Bucket: "dev", Endpoint: "storage.example.com", Secure: true}},
	} {
		got, err := s3blob.ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseURL(%q) (-want +got):\n%s", tc.url, diff)
		}
	}

	for _, tc := range []struct {
		url, mention string // the error message must mention the bad part
	}{
		{"", "scheme"},
		{"http://b", `scheme "http"`},
		{"S3://b", `"b"`}, // the scheme is case-insensitive; the bucket is too short
		{"s3:b", "s3://"},
		{"s3://key:secret@b", "credentials"},
		{"s3:///prefix", "no bucket"},
		{"s3://Bad_Bucket", `"Bad_Bucket"`},
		{"s3://b:9000", `"b:9000"`},
		{"s3://ab", `"ab"`},
		{"s3://b01/a//c", "prefix"},
		{"s3://b01/a/../c", "prefix"},
		{"s3://b01/a%00", "prefix"},
		{"s3://b01#x", "fragment"},
		{"s3://b01?endpoint=http://x:9000", `endpoint "http://x:9000"`},
		{"s3://b01?endpoint=x:99999", `endpoint "x:99999"`},
		{"s3://b01?endpoint=x:", `endpoint "x:"`},
		{"s3://b01?endpoint=", `endpoint ""`},
		{"s3://b01?endpoint=x/y", `endpoint "x/y"`},
		{"s3://b01?secure=maybe", `secure="maybe"`},
		{"s3://b01?create_bucket=yes", `create_bucket="yes"`},
		{"s3://b01?region=", `region=""`},
		{"s3://b01?region=a&region=b", `"region" is given 2 times`},
		{"s3://b01?acces_key=x", `"acces_key" is unknown`},
		{"s3://b01?%zz", "query"},
		{"s3://b01/%zz", "not a URL"},
	} {
		_, err := s3blob.ParseURL(tc.url)
		if ttsc.ErrorCode(err) != ttsc.EINVALID || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("ParseURL(%q): %v; want EINVALID mentioning %s", tc.url, err, tc.mention)
		}
	}
}
