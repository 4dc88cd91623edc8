package auth

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdksigner "github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	sdkrequest "github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"

	"github.com/openttsc/ttsc"
)

// keyring is a map-backed CredentialLookup.
type keyring map[string]string

func (k keyring) Credential(_ context.Context, ak string) (*ttsc.Credential, error) {
	sk, ok := k[ak]
	if !ok {
		return nil, ttsc.Errorf(ttsc.ENOTFOUND, "no access key %s", ak)
	}
	return &ttsc.Credential{AccessKey: ak, SecretKey: sk, ProjectID: "p"}, nil
}

// serverRequest turns a client request into what a server receives, by
// sending it over loopback. It returns the received request and body.
func serverRequest(t *testing.T, req *http.Request) (*http.Request, []byte) {
	t.Helper()
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		got, body = r, b
	}))
	defer srv.Close()
	u := *req.URL
	u.Scheme, u.Host = "http", strings.TrimPrefix(srv.URL, "http://")
	req.URL, req.Host = &u, ""
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return got, body
}

func TestSpecVectors(t *testing.T) {
	for _, test := range []struct {
		name, method, path, query, body, date, ak, sk string
		header                                        map[string]string
		wantSigned, wantSig                           string
	}{
		{
			name: "OKSignerTestGet", method: "GET", path: "/path", query: "limit=1",
			date: "20060102T150405Z", ak: "AccessKey", sk: "SecretKey",
			header:     map[string]string{"TEST_UNDERSCORE": "TEST_VALUE"},
			wantSigned: "x-sdk-date",
			wantSig:    "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
		},
		{
			name: "OKSignerTestPost", method: "POST", path: "/path", query: "key=value",
			body: "{\"Name\":\"test\",\"Id\":1}\n", date: "20060102T150405Z", ak: "AccessKey", sk: "SecretKey",
			header:     map[string]string{"TEST_UNDERSCORE": "TEST_VALUE", "Content-Type": "application/json"},
			wantSigned: "x-sdk-date",
			wantSig:    "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
		},
		{
			name: "OKAudition", method: "POST", path: "/v1/0123456789abcdef0123456789abcdef/ttsc/audition",
			body: "{\"text\":\"hello\",\"emotion\":\"0a4b548fd8d2d6998e1fc3fffb29f9bc\"}\n", date: "20250101T000000Z",
			ak: "TESTAK", sk: "TESTSK",
			header: map[string]string{"X-Project-Id": "0123456789abcdef0123456789abcdef",
				"User-Agent": "huaweicloud-usdk-go/3.0", "Content-Type": "application/json"},
			wantSigned: "user-agent;x-project-id;x-sdk-date",
			wantSig:    "0f0e88881a3e8b81980b06e59c9ef81963cb8e74b7d6bd2a34a306e97da58c57",
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			req, err := http.NewRequest(test.method, "http://example.huaweicloud.com"+test.path+"?"+test.query, strings.NewReader(test.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range test.header {
				req.Header[k] = []string{v} // keep TEST_UNDERSCORE as written
			}
			req.Header.Set("X-Sdk-Date", test.date)
			if err := Sign(req, []byte(test.body), test.ak, test.sk, time.Time{}); err != nil {
				t.Fatal(err)
			}
			want := "SDK-HMAC-SHA256 Access=" + test.ak + ", SignedHeaders=" + test.wantSigned + ", Signature=" + test.wantSig
			if got := req.Header.Get("Authorization"); got != want {
				t.Errorf("Authorization:\n got %s\nwant %s", got, want)
			}
			date, _ := time.Parse(DateFormat, test.date)
			v := &Verifier{Credentials: keyring{test.ak: test.sk}, Now: func() time.Time { return date }}
			sr, body := serverRequest(t, req)
			if _, err := v.Verify(context.Background(), sr, body); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestCanonicalRequestVector(t *testing.T) {
	h := http.Header{}
	h.Set("X-Sdk-Date", "20060102T150405Z")
	got := CanonicalRequest("GET", "/path", "limit=1", h, "example.com", []string{"x-sdk-date"}, emptyBodySHA256)
	want := "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n" + emptyBodySHA256
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("canonical request (-want +got):\n%s", diff)
	}
}

func TestCanonicalQueryVector(t *testing.T) {
	// The SDK's own vector, as the SDK puts it on the wire.
	raw := "limit=1&enable=true&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29&path=%2Ftmp%2F123&multi=3&multi=1&multi=2"
	want := "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"
	if got := canonicalQuery(raw); got != want {
		t.Errorf("canonicalQuery:\n got %s\nwant %s", got, want)
	}
	if got := canonicalQuery("a&b=&c=1"); got != "a=&b=&c=1" {
		t.Errorf("empty values: got %s, want a=&b=&c=1", got)
	}
}

// sdkRequest signs a request with the official SDK signer and converts it
// the way the SDK sends it.
func sdkRequest(t *testing.T, method, path string, query map[string]any, body any, ak, sk string, date time.Time) *http.Request {
	t.Helper()
	b := sdkrequest.NewHttpRequestBuilder().WithMethod(method).WithEndpoint("http://example.invalid").WithPath(path)
	if body != nil {
		b = b.WithBody("body", body)
	}
	for k, v := range query {
		b = b.AddQueryParam(k, reflect.ValueOf(v))
	}
	b = b.AddHeaderParam("Content-Type", "application/json").
		AddHeaderParam("X-Project-Id", "0123456789abcdef0123456789abcdef").
		AddHeaderParam("User-Agent", "huaweicloud-usdk-go/3.0").
		AddHeaderParam("X-Sdk-Date", date.UTC().Format(DateFormat))
	r := b.Build()
	signed, err := sdksigner.Sign(r, ak, sk)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range signed {
		r.AddHeaderParam(k, v)
	}
	req, err := r.ConvertRequest()
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestVerifyOfficialSDK(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	v := &Verifier{Credentials: keyring{"TESTAK": "TESTSK"}, Now: func() time.Time { return now }}
	type body struct {
		Text string   `json:"text"`
		ID   []string `json:"id,omitempty"`
	}
	for _, test := range []struct {
		name  string
		path  string
		query map[string]any
		body  any
	}{
		{"OKPlainGet", "/v1/p/ttsc/audition-file/abc", nil, nil},
		{"OKChineseBody", "/v1/p/ttsc/audition", nil, &body{Text: "你好，欢迎使用"}},
		{"OKAwkwardQuery", "/v1/p/ttsc/vocabulary-configs", map[string]any{
			"search_key": "一 (&=?!#%.*) a+b", "limit": 10, "empty": "", "path": "/tmp/x", "multi": []string{"b", "a"},
		}, nil},
		{"OKDeleteWithBody", "/v1/p/ttsc/vocabulary-configs", nil, &body{ID: []string{"x1", "x2"}}},
		{"OKEscapedPathSegment", "/v1/p/digital-assets/a b", nil, nil},
	} {
		t.Run(test.name, func(t *testing.T) {
			method := "GET"
			if test.body != nil {
				method = "POST"
			}
			sr, raw := serverRequest(t, sdkRequest(t, method, test.path, test.query, test.body, "TESTAK", "TESTSK", now))
			if _, err := v.Verify(context.Background(), sr, raw); err != nil {
				t.Errorf("Verify rejected an SDK-signed request: %v (query %q)", err, sr.URL.RawQuery)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	v := &Verifier{Credentials: keyring{"TESTAK": "TESTSK"}, Now: func() time.Time { return now }}
	body := []byte("{\"text\":\"hello\"}\n")
	signed := func(mutate func(r *http.Request), at time.Time, sk string) *http.Request {
		r := httptest.NewRequest("POST", "http://h/v1/p/ttsc/audition?x=1", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("User-Agent", "test")
		if err := Sign(r, body, "TESTAK", sk, at); err != nil {
			t.Fatal(err)
		}
		if mutate != nil {
			mutate(r)
		}
		return r
	}
	for _, test := range []struct {
		name    string
		req     *http.Request
		body    []byte
		mention string
	}{
		{"ErrWrongSecretKey", signed(nil, now, "WRONG"), body, "signature"},
		{"ErrTamperedBody", signed(nil, now, "TESTSK"), []byte("{\"text\":\"hellO\"}\n"), "signature"},
		{"ErrTamperedPath", signed(func(r *http.Request) { r.URL.Path = "/v1/q/ttsc/audition" }, now, "TESTSK"), body, "signature"},
		{"ErrTamperedQuery", signed(func(r *http.Request) { r.URL.RawQuery = "x=2" }, now, "TESTSK"), body, "signature"},
		{"ErrTamperedHeader", signed(func(r *http.Request) { r.Header.Set("User-Agent", "other") }, now, "TESTSK"), body, "signature"},
		{"ErrStaleDate", signed(nil, now.Add(-16*time.Minute), "TESTSK"), body, "15m0s away"},
		{"ErrFutureDate", signed(nil, now.Add(16*time.Minute), "TESTSK"), body, "15m0s away"},
		{"ErrNoDate", signed(func(r *http.Request) { r.Header.Del("X-Sdk-Date") }, now, "TESTSK"), body, "X-Sdk-Date header is missing"},
		{"ErrBadDate", signed(func(r *http.Request) { r.Header.Set("X-Sdk-Date", "2026-11-25") }, now, "TESTSK"), body, "not of the form"},
		{"ErrDateNotSigned", signed(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "user-agent;x-sdk-date", "user-agent", 1))
		}, now, "TESTSK"), body, "x-sdk-date must be"},
		{"ErrUnknownAccessKey", signed(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "TESTAK", "OTHERAK", 1))
		}, now, "TESTSK"), body, "unknown access key"},
		{"ErrAlgorithm", signed(func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SDK-HMAC-SHA256", "SDK-HMAC-SM3", 1))
		}, now, "TESTSK"), body, "not supported"},
		{"ErrMalformed", signed(func(r *http.Request) { r.Header.Set("Authorization", "garbage") }, now, "TESTSK"), body, "not of the form"},
		{"ErrShortSignature", signed(func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:len(a)-10])
		}, now, "TESTSK"), body, "signature"},
		{"ErrNoSignature", signed(func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, ", Signature=")])
		}, now, "TESTSK"), body, "no Signature"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), test.req, test.body)
			if ttsc.ErrorCode(err) != ttsc.EUNAUTHORIZED {
				t.Fatalf("Verify = %v, want an %s error", err, ttsc.EUNAUTHORIZED)
			}
			if msg := ttsc.ErrorMessage(err); !strings.Contains(msg, test.mention) || strings.Contains(msg, "TESTSK") {
				t.Errorf("message %q should mention %q and never the secret", msg, test.mention)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	ak, _ := NewAccessKey()
	sk, _ := NewSecretKey()
	p, _ := NewProjectID()
	tok, hash, _ := NewToken()
	for _, c := range []struct {
		name, v string
		n       int
	}{{"AccessKey", ak, 20}, {"SecretKey", sk, 40}, {"ProjectID", p, 32}} {
		if len(c.v) != c.n {
			t.Errorf("%s %q has %d characters, want %d", c.name, c.v, len(c.v), c.n)
		}
	}
	if !strings.HasPrefix(tok, TokenPrefix) || HashToken(tok) != hash || len(hash) != 64 {
		t.Errorf("token %q hash %q", tok, hash)
	}
	ak2, _ := NewAccessKey()
	if ak == ak2 {
		t.Error("two access keys are equal")
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("SDK-HMAC-SHA256 Access=TESTAK, SignedHeaders=x-sdk-date, Signature=00", "20260101T000000Z", "/v1/p/x", "a=1&b")
	f.Add("SDK-HMAC-SHA256 Access=, SignedHeaders=;;, Signature=", "", "/%zz/%", "%zz=%&&=")
	f.Add("", "x", "", "")
	v := &Verifier{Credentials: keyring{"TESTAK": "TESTSK"}}
	f.Fuzz(func(t *testing.T, authz, date, path, query string) {
		r := httptest.NewRequest("GET", "http://h/", nil)
		r.URL.RawPath, r.URL.Path, r.URL.RawQuery = path, path, query
		r.Header.Set("Authorization", authz)
		r.Header.Set("X-Sdk-Date", date)
		if _, err := v.Verify(context.Background(), r, []byte(query)); err == nil {
			t.Errorf("fuzzed request verified: %q", authz)
		}
	})
}
