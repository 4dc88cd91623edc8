package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"time"

	"github.com/openttsc/ttsc"
)

// filesPrefix is where the server serves blobs through signed URLs.
const filesPrefix = "/files/"

// DownloadURL returns a URL for the file f that needs no other
// authentication and expires after URLExpiry: the blob store's own
// presigned URL where it has one, otherwise one signed by this server,
// which names the file's bytes in its blob.
func (s *Server) DownloadURL(ctx context.Context, f ttsc.File) (string, error) {
	if p, ok := s.cfg.Blobs.(ttsc.Presigner); ok {
		return p.PresignGet(ctx, f.Key, s.cfg.URLExpiry)
	}
	exp := s.cfg.Now().Add(s.cfg.URLExpiry).Unix()
	part := fmt.Sprintf("%d-%d", f.Offset, f.Size)
	q := url.Values{}
	q.Set("part", part)
	q.Set("expires", strconv.FormatInt(exp, 10))
	q.Set("signature", s.urlSignature(f.Key, part, exp))
	return s.cfg.PublicURL + filesPrefix + f.Key + "?" + q.Encode(), nil
}

// urlSignature is HMAC-SHA256 over the key, the part of its blob (offset
// and size; empty in a URL to a whole blob, as URLs signed before files
// shared blobs were) and the expiry, so none can be changed without the
// signing key.
func (s *Server) urlSignature(key, part string, expires int64) string {
	m := hmac.New(sha256.New, s.cfg.SigningKey)
	msg := "GET\n" + key + "\n"
	if part != "" {
		msg += part + "\n"
	}
	m.Write([]byte(msg + strconv.FormatInt(expires, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) error {
	key := r.PathValue("key")
	q := r.URL.Query()
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil {
		return ttsc.Errorf(codeURLDenied, "download URL has no valid expires parameter")
	}
	part := q.Get("part")
	want := s.urlSignature(key, part, exp)
	if !hmac.Equal([]byte(want), []byte(q.Get("signature"))) {
		return ttsc.Errorf(codeURLDenied, "download URL signature does not match")
	}
	if s.cfg.Now().Unix() > exp {
		return ttsc.Errorf(codeURLDenied, "download URL expired at %s; poll the job again for a fresh URL", time.Unix(exp, 0).UTC().Format(time.RFC3339))
	}
	var b *ttsc.Blob
	if part == "" {
		b, err = s.cfg.Blobs.Open(r.Context(), key)
	} else {
		f := ttsc.File{Key: key}
		if _, err := fmt.Sscanf(part, "%d-%d", &f.Offset, &f.Size); err != nil {
			return ttsc.Errorf(ttsc.EINTERNAL, "download URL names an unreadable part %q", part)
		}
		b, err = ttsc.OpenFile(r.Context(), s.cfg.Blobs, f)
	}
	if err != nil {
		return err
	}
	defer b.Close()
	w.Header().Set("Content-Type", contentType(key))
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, path.Base(key), b.ModTime, b)
	return nil
}

func contentType(key string) string {
	switch path.Ext(key) {
	case ".wav":
		return "audio/wav"
	case ".mp3":
		return "audio/mpeg"
	case ".srt":
		return "application/x-subrip"
	case ".json":
		return "application/json"
	}
	return "application/octet-stream"
}
