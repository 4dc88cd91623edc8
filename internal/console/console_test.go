package console

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, path string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandlerServesFiles(t *testing.T) {
	h := Handler()
	for _, c := range []struct {
		path, contentType string
		status            int
		contains          string
	}{
		{"/", "text/html; charset=utf-8", 200, `<script type="module" src="/console/js/app.js">`},
		{"/console/console.css", "text/css; charset=utf-8", 200, ":root"},
		{"/console/js/app.js", "text/javascript; charset=utf-8", 200, "import"},
		{"/console/js/signer.js", "text/javascript; charset=utf-8", 200, "SDK-HMAC-SHA256"},
		{"/console/icon.svg", "image/svg+xml", 200, "<svg"},
		{"/console/samples.json", "application/json", 200, `"en-US"`},
		{"/console/nothing.js", "text/plain; charset=utf-8", 404, "not found"},
		{"/console/", "text/plain; charset=utf-8", 404, "not found"},
		{"/index.htm", "text/plain; charset=utf-8", 404, "not found"},
	} {
		name := strings.TrimPrefix(c.path, "/")
		if name == "" {
			name = "index"
		}
		t.Run(name, func(t *testing.T) {
			w := get(t, h, "GET", c.path, nil)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d", w.Code, c.status)
			}
			if got := w.Header().Get("Content-Type"); got != c.contentType {
				t.Errorf("Content-Type %q, want %q", got, c.contentType)
			}
			if !strings.Contains(w.Body.String(), c.contains) {
				t.Errorf("body does not contain %q", c.contains)
			}
			for k, want := range map[string]string{
				"Content-Security-Policy": ContentSecurityPolicy,
				"X-Content-Type-Options":  "nosniff",
				"Referrer-Policy":         "no-referrer",
				"X-Frame-Options":         "DENY",
			} {
				if got := w.Header().Get(k); got != want {
					t.Errorf("%s %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestHandlerRevalidates(t *testing.T) {
	h := Handler()
	w := get(t, h, "GET", "/console/js/api.js", nil)
	etag := w.Header().Get("ETag")
	if etag == "" || w.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q: want an ETag and no-cache", etag, w.Header().Get("Cache-Control"))
	}
	w = get(t, h, "GET", "/console/js/api.js", http.Header{"If-None-Match": {etag}})
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("revalidation: status %d with %d bytes, want 304 and none", w.Code, w.Body.Len())
	}
	if w := get(t, h, "HEAD", "/", nil); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD /: status %d with %d bytes", w.Code, w.Body.Len())
	}
	if w := get(t, h, "POST", "/", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: status %d, want 405", w.Code)
	}
}

// TestPolicy checks that the page asks for nothing the policy forbids:
// no inline scripts, styles or handlers, and nothing from other origins.
func TestPolicy(t *testing.T) {
	for name, f := range load() {
		body := string(f.body)
		for _, bad := range []*regexp.Regexp{
			regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>[^<\s]`), // inline script
			regexp.MustCompile(`(?i)<style`),
			regexp.MustCompile(`(?i)\sstyle=`),
			regexp.MustCompile(`(?i)\son[a-z]+=`),
			regexp.MustCompile(`(?i)(?:src|href)="(?:https?:)?//`),
			regexp.MustCompile(`(?i)@import|url\(\s*['"]?https?:`),
			regexp.MustCompile(`\bconsole\.(?:log|debug|info)\(`), // credentials are never logged
			regexp.MustCompile(`\blocalStorage\b`),
		} {
			if loc := bad.FindStringIndex(body); loc != nil {
				t.Errorf("%s: %q at offset %d breaks the console's rules", name, body[loc[0]:loc[1]], loc[0])
			}
		}
	}
}

// TestModulesResolve checks that every module import and every file the
// page links to exists, since no build step would notice.
func TestModulesResolve(t *testing.T) {
	fs := load()
	imports := regexp.MustCompile(`(?m)^import\s[^'"]*['"]\./([\w.-]+)['"]`)
	links := regexp.MustCompile(`(?:src|href)="/console/([\w./-]+)"`)
	n := 0
	for name, f := range fs {
		for _, m := range imports.FindAllStringSubmatch(string(f.body), -1) {
			n++
			if _, ok := fs["js/"+m[1]]; !ok {
				t.Errorf("%s imports ./%s, which is not served", name, m[1])
			}
		}
		for _, m := range links.FindAllStringSubmatch(string(f.body), -1) {
			n++
			if _, ok := fs[m[1]]; !ok {
				t.Errorf("%s links /console/%s, which is not served", name, m[1])
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d imports and links found; the patterns no longer match the files", n)
	}
}

func TestSamples(t *testing.T) {
	var m map[string]string
	if err := json.Unmarshal(Samples(), &m); err != nil {
		t.Fatal(err)
	}
	for _, locale := range []string{"en-US", "cmn-CN", "de-DE", "es-419"} {
		if m[locale] == "" {
			t.Errorf("no sample sentence for %s", locale)
		}
	}
}
