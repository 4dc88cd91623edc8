// Package auth authenticates API requests: it verifies the SDK-HMAC-SHA256
// signatures that Huawei Cloud's SDKs put on requests made with an access
// key pair, signs requests the same way for ttsc's own clients, and makes
// the random keys and tokens that credentials consist of.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/openttsc/ttsc"
)

// Algorithm is the only signing algorithm ttsc accepts.
const Algorithm = "SDK-HMAC-SHA256"

// DateFormat is the layout of the X-Sdk-Date header.
const DateFormat = "20060102T150405Z"

const (
	headerDate          = "X-Sdk-Date"
	headerContentSHA256 = "X-Sdk-Content-Sha256"
	emptyBodySHA256     = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// CredentialLookup finds the secret of an access key. ttsc.CredentialStore
// satisfies it.
type CredentialLookup interface {
	// Credential returns ENOTFOUND for an unknown access key.
	Credential(ctx context.Context, accessKey string) (*ttsc.Credential, error)
}

// Verifier checks SDK-HMAC-SHA256 signatures.
type Verifier struct {
	Credentials CredentialLookup
	// Now returns the server's time. Default time.Now.
	Now func() time.Time
	// MaxSkew is how far X-Sdk-Date may be from Now, either way.
	// Default 15 minutes, API Gateway's rule.
	MaxSkew time.Duration
}

// authHeader is a parsed Authorization header.
type authHeader struct {
	algorithm     string
	accessKey     string
	signedHeaders []string
	signature     string
}

// badAuth is the error of every signature failure. The message says what
// is wrong but never what the server expected.
func badAuth(format string, args ...any) error {
	return ttsc.Errorf(ttsc.EUNAUTHORIZED, "Incorrect IAM authentication information: "+format, args...)
}

// parseAuthorization splits "SDK-HMAC-SHA256 Access=…, SignedHeaders=…,
// Signature=…" into its parts.
func parseAuthorization(v string) (authHeader, error) {
	var h authHeader
	alg, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return h, badAuth("the Authorization header is not of the form %q", Algorithm+" Access=…, SignedHeaders=…, Signature=…")
	}
	h.algorithm = alg
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "Access":
			h.accessKey = val
		case "SignedHeaders":
			if val != "" {
				h.signedHeaders = strings.Split(val, ";")
			}
		case "Signature":
			h.signature = val
		}
	}
	if h.algorithm != Algorithm {
		return h, badAuth("signing algorithm %q is not supported; use %s", truncate(h.algorithm, 32), Algorithm)
	}
	switch {
	case h.accessKey == "":
		return h, badAuth("the Authorization header has no Access")
	case len(h.signedHeaders) == 0:
		return h, badAuth("the Authorization header has no SignedHeaders")
	case h.signature == "":
		return h, badAuth("the Authorization header has no Signature")
	}
	return h, nil
}

// Verify checks r's signature. body is the raw request body, already read
// by the caller. It returns the credential that signed the request, or an
// EUNAUTHORIZED error saying what is wrong.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (*ttsc.Credential, error) {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	skew := v.MaxSkew
	if skew == 0 {
		skew = 15 * time.Minute
	}
	h, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	for i, name := range h.signedHeaders {
		h.signedHeaders[i] = strings.ToLower(strings.TrimSpace(name))
	}
	if !slices.Contains(h.signedHeaders, "x-sdk-date") {
		return nil, badAuth("x-sdk-date must be among the SignedHeaders")
	}
	date := r.Header.Get(headerDate)
	if date == "" {
		return nil, badAuth("the X-Sdk-Date header is missing")
	}
	t, err := time.Parse(DateFormat, date)
	if err != nil {
		return nil, badAuth("X-Sdk-Date %q is not of the form %s", truncate(date, 32), DateFormat)
	}
	if d := now().Sub(t); d > skew || d < -skew {
		return nil, badAuth("X-Sdk-Date %s is more than %s away from the server's time %s", date, skew, now().UTC().Format(DateFormat))
	}
	c, err := v.Credentials.Credential(ctx, h.accessKey)
	if err != nil {
		if ttsc.ErrorCode(err) == ttsc.ENOTFOUND {
			return nil, badAuth("verify aksk signature fail: unknown access key or wrong signature")
		}
		return nil, err
	}
	payload := r.Header.Get(headerContentSHA256)
	if payload == "" {
		payload = hashHex(body)
	}
	canon := CanonicalRequest(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, r.Host, h.signedHeaders, payload)
	want := Signature(c.SecretKey, StringToSign(date, canon))
	if !hmac.Equal([]byte(want), []byte(h.signature)) {
		return nil, badAuth("verify aksk signature fail: unknown access key or wrong signature")
	}
	return c, nil
}

// CanonicalRequest builds the text that SDK-HMAC-SHA256 hashes: method,
// canonical URI, canonical query, the signed headers' lines, the signed
// header list and the payload hash, joined by newlines.
func CanonicalRequest(method, escapedPath, rawQuery string, header http.Header, host string, signedHeaders []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(strings.ToUpper(method))
	b.WriteByte('\n')
	b.WriteString(canonicalURI(escapedPath))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(rawQuery))
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		var values []string
		if name == "host" {
			values = []string{host}
		} else {
			values = slices.Clone(header.Values(name))
		}
		slices.Sort(values)
		for _, v := range values {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(strings.TrimSpace(v))
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI re-encodes each path segment with only RFC 3986's
// unreserved characters left literal and appends a trailing slash, as the
// SDKs sign the path.
func canonicalURI(escapedPath string) string {
	segs := strings.Split(escapedPath, "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		segs[i] = escape(s)
	}
	p := strings.Join(segs, "/")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// canonicalQuery sorts the parameters by name, then value, each encoded
// like path segments. A bare name on the wire is a name with an empty value.
// The SDKs send a space as %20 and a plus as %2B, so a literal + is a plus.
func canonicalQuery(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	type kv struct{ k, v string }
	var params []kv
	for _, part := range strings.Split(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if u, err := url.PathUnescape(k); err == nil {
			k = u
		}
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		params = append(params, kv{escape(k), escape(v)})
	}
	slices.SortFunc(params, func(a, b kv) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	parts := make([]string, len(params))
	for i, p := range params {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&")
}

// escape percent-encodes every byte but A–Z a–z 0–9 - _ . ~ with upper-case
// hex.
func escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// StringToSign is what the signature covers: the algorithm, the date and
// the hash of the canonical request.
func StringToSign(date, canonicalRequest string) string {
	return Algorithm + "\n" + date + "\n" + hashHex([]byte(canonicalRequest))
}

// Signature is the lower-case hex HMAC-SHA256 of stringToSign keyed with
// the secret key.
func Signature(secretKey, stringToSign string) string {
	m := hmac.New(sha256.New, []byte(secretKey))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

func hashHex(b []byte) string {
	if len(b) == 0 {
		return emptyBodySHA256
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Sign signs r as the Huawei Cloud Go SDK does: every header present is
// signed except Content-Type and names with an underscore; the host is not.
// It sets X-Sdk-Date (unless already set) and Authorization. body must be
// the exact bytes r will send.
func Sign(r *http.Request, body []byte, accessKey, secretKey string, now time.Time) error {
	r.Header.Del("Authorization")
	if r.Header.Get(headerDate) == "" {
		r.Header.Set(headerDate, now.UTC().Format(DateFormat))
	}
	var signed []string
	for name := range r.Header {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "content-type") || strings.Contains(l, "_") {
			continue
		}
		signed = append(signed, l)
	}
	slices.Sort(signed)
	payload := r.Header.Get(headerContentSHA256)
	if payload == "" {
		payload = hashHex(body)
	}
	canon := CanonicalRequest(r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header, r.Host, signed, payload)
	sig := Signature(secretKey, StringToSign(r.Header.Get(headerDate), canon))
	r.Header.Set("Authorization", Algorithm+" Access="+accessKey+", SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
