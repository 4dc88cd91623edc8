// Package console serves ttsc's web console: one page, written as plain
// HTML, CSS and JavaScript modules and embedded in the binary, that signs
// in with a token or an access key pair and drives the REST API from the
// browser. Nothing is built, and nothing is fetched from another origin.
//
// The page lives at "/" and its files under Prefix. Every answer carries a
// Content-Security-Policy that lets the page talk to its own origin only;
// docs/console.md explains the choices.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/openttsc/ttsc/internal/voices"
)

// Prefix is the path under which the console's files are served.
const Prefix = "/console/"

// ContentSecurityPolicy is sent with every file of the console: scripts,
// styles, requests and media from the page's own origin only, decoded
// audio as blob: URLs, no plug-ins, frames or form posts.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; media-src 'self' blob:; font-src 'self'; object-src 'none'; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'"

//go:embed assets
var assets embed.FS

// samplesFile is generated from the voice catalogue rather than embedded.
const samplesFile = "samples.json"

// file is one servable file: its bytes, type and entity tag.
type file struct {
	body        []byte
	contentType string
	etag        string
}

var (
	filesOnce sync.Once
	files     map[string]file
)

// contentTypes are the types of the console's files, by extension; the
// system's MIME tables are not consulted, so answers are the same
// everywhere.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

// load reads the embedded files once and adds the sample sentences.
func load() map[string]file {
	filesOnce.Do(func() {
		files = map[string]file{}
		sub, err := fs.Sub(assets, "assets")
		if err != nil {
			panic(err)
		}
		err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			ct, ok := contentTypes[path.Ext(p)]
			if !ok {
				return nil
			}
			b, err := fs.ReadFile(sub, p)
			if err != nil {
				return err
			}
			files[p] = newFile(b, ct)
			return nil
		})
		if err != nil {
			panic(err)
		}
		files[samplesFile] = newFile(Samples(), contentTypes[".json"])
	})
	return files
}

func newFile(b []byte, contentType string) file {
	sum := sha256.Sum256(b)
	return file{body: b, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// Samples returns the sample sentence of every locale of the voice
// catalogue as a JSON object ({"en-US": "Hello, …"}), so the console
// plays each voice in its own language without a list of its own.
func Samples() []byte {
	m := map[string]string{}
	for _, v := range voices.Catalog() {
		if _, ok := m[v.Locale]; !ok && v.Sample != "" {
			m[v.Locale] = v.Sample
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// Handler serves the console: index.html at "/" and the files under
// Prefix. Other paths answer 404. Files are revalidated on every use
// (Cache-Control: no-cache with an ETag), so a new release shows at once
// and an unchanged one costs a 304.
func Handler() http.Handler {
	fs := load()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// Download URLs carry signatures: keep them out of Referer.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := ""
		switch {
		case r.URL.Path == "/":
			name = "index.html"
		case strings.HasPrefix(r.URL.Path, Prefix):
			name = strings.TrimPrefix(r.URL.Path, Prefix)
		}
		f, ok := fs[name]
		if !ok || name == "" {
			h.Set("Cache-Control", "no-store")
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		h.Set("Content-Type", f.contentType)
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
	})
}
