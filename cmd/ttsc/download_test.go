package main

// Download URLs must not reach another project's files or anything
// outside the blob area: not by editing a valid URL, not by traversal in
// any spelling, and not even with a valid signature over a hostile key.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc/internal/auth"
)

// downloadProbe is the answer to a download attempt, redirects followed.
type downloadProbe struct {
	statuses []int  // every hop's status
	body     []byte // the last hop's body
	header   http.Header
}

// probeDownload sends GET target (a raw request target: path and query
// exactly as given, no cleaning or escaping) to the server at base, and
// follows redirects itself, up to 5.
func probeDownload(t *testing.T, base, target string) downloadProbe {
	t.Helper()
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var p downloadProbe
	for hop := 0; ; hop++ {
		req, err := http.NewRequest("GET", base, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Opaque is sent as the request target verbatim.
		req.URL = &url.URL{Scheme: b.Scheme, Host: b.Host, Opaque: target}
		if i := strings.IndexByte(target, '?'); i >= 0 {
			req.URL.Opaque, req.URL.RawQuery = target[:i], target[i+1:]
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		p.body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		p.statuses = append(p.statuses, resp.StatusCode)
		p.header = resp.Header
		loc := resp.Header.Get("Location")
		if resp.StatusCode/100 != 3 || loc == "" || hop == 5 {
			return p
		}
		// A redirect the server's router made for an unclean path: go
		// where it says, as a browser would.
		lu, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("redirect to %q: %v", loc, err)
		}
		target = lu.EscapedPath()
		if lu.RawQuery != "" {
			target += "?" + lu.RawQuery
		}
	}
}

// signedTarget is the request target of a URL the server would sign for
// key: its own scheme (download.go), computed with its signing key, to
// check that even a valid signature over a hostile key reads nothing.
func signedTarget(key []byte, blobKey, pathKey string, expires int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("GET\n" + blobKey + "\n" + strconv.FormatInt(expires, 10)))
	q := url.Values{}
	q.Set("expires", strconv.FormatInt(expires, 10))
	q.Set("signature", hex.EncodeToString(m.Sum(nil)))
	return "/files/" + pathKey + "?" + q.Encode()
}

func TestDownloadCannotLeaveItsFile(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, dir, func(c *ServeConfig) { c.RateSynthesis, c.RateQuery = 0, 0 })
	credB, err := newCredential(context.Background(), ts.db, "")
	if err != nil {
		t.Fatal(err)
	}
	a, b := ts.client(t, ts.Cred), ts.client(t, credB)
	voice := espeakVoice(t, "EN")
	preview := func(c interface {
		CreateTtsAudition(*model.CreateTtsAuditionRequest) (*model.CreateTtsAuditionResponse, error)
	}, text string) string {
		created, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: text, Emotion: voice}})
		if err != nil {
			t.Fatal(err)
		}
		return *created.JobId
	}
	jobA, jobB := preview(a, "Project A keeps this to itself."), preview(b, "Project B keeps this to itself.")
	urlA := (*waitAudition(t, a, jobA).Files)[0].DownloadUrl
	urlB := (*waitAudition(t, b, jobB).Files)[0].DownloadUrl
	fileA, _ := fetch(t, urlA)
	fileB, _ := fetch(t, urlB)
	pA, pB := ts.Cred.ProjectID, credB.ProjectID
	// A preview's files share a blob of its job on disk; S3 keeps one
	// object per file.
	name := "audition.wav"
	if testMode == "postgres-s3" {
		name = "audio-0000.wav"
	}
	keyA := pA + "/" + jobA + "/" + name
	keyB := pB + "/" + jobB + "/" + name
	signingKey, err := auth.LoadKey(filepath.Join(dir, "url-signing.key"), 16)
	if err != nil {
		t.Fatal(err)
	}
	// Secrets and data the blob area sits next to: none may be served.
	var private [][]byte
	for _, name := range []string{"url-signing.key", "secrets.key", "ttsc.db"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && len(b) > 0 {
			private = append(private, b)
		}
	}
	passwd, _ := os.ReadFile("/etc/passwd")
	exp := time.Now().Add(time.Hour).Unix()
	// A's signature and expiry, to put on other paths. With the disk
	// store that is ttsc's URL; with S3 (presigned URLs), ttsc's own
	// signature over A's key.
	sigA := signedTarget(signingKey, keyA, keyA, exp)
	querySigA := sigA[strings.IndexByte(sigA, '?'):]

	t.Run("OKOwnURLs", func(t *testing.T) {
		// The controls: A's and B's files are there, and a URL signed
		// the server's way for a real key works, so the signed cases
		// below are signed right.
		if bytes.Equal(fileA, fileB) {
			t.Fatal("A's and B's files are the same; the test could not tell them apart")
		}
		if p := probeDownload(t, ts.URL, sigA); p.statuses[0] != http.StatusOK || !bytes.Equal(p.body, fileA) {
			t.Fatalf("A's key signed by the server's scheme: %v, want 200 with A's file", p.statuses)
		}
	})

	for _, test := range []struct {
		name   string
		target string
	}{
		// A's valid signature on other paths.
		{"ErrOtherProjectsFile", "/files/" + keyB + querySigA},
		{"ErrOwnJobUnderOtherProject", "/files/" + pB + "/" + jobA + "/" + name + querySigA},
		{"ErrOtherJobUnderOwnProject", "/files/" + pA + "/" + jobB + "/" + name + querySigA},
		{"ErrKeyExtended", "/files/" + keyA + ".bak" + querySigA},
		{"ErrKeyWithSubpath", "/files/" + keyA + "/x" + querySigA},
		{"ErrKeyPrefix", "/files/" + pA + "/" + jobA + querySigA},
		{"ErrTraversalFromOwnKey", "/files/" + keyA + "/../../../" + keyB + querySigA},
		{"ErrDotDotToOtherProject", "/files/" + pA + "/" + jobA + "/../../" + keyB + querySigA},
		{"ErrEncodedDotDot", "/files/" + pA + "/" + jobA + "/%2e%2e/%2e%2e/" + keyB + querySigA},
		{"ErrEncodedSlash", "/files/" + strings.ReplaceAll(keyB, "/", "%2f") + querySigA},
		{"ErrEncodedDotDotSlash", "/files/" + pA + "%2f..%2f..%2f" + keyB + querySigA},
		{"ErrBackslashes", "/files/" + pA + "\\..\\" + strings.ReplaceAll(keyB, "/", "\\") + querySigA},
		{"ErrEncodedBackslashes", "/files/" + pA + "%5c..%5c" + strings.ReplaceAll(keyB, "/", "%5c") + querySigA},
		{"ErrAbsolutePath", "/files//etc/passwd" + querySigA},
		{"ErrEncodedAbsolutePath", "/files/%2fetc%2fpasswd" + querySigA},
		{"ErrDataDirKey", "/files/../url-signing.key" + querySigA},
		{"ErrEncodedDataDirKey", "/files/%2e%2e/url-signing.key" + querySigA},
		{"ErrDatabase", "/files/%2e%2e%2fttsc.db" + querySigA},
		{"ErrNullByte", "/files/" + keyB + "%00.wav" + querySigA},
		{"ErrDoubleEncoded", "/files/" + pA + "/%252e%252e/" + keyB + querySigA},
		// No signature, or one that is not for this file.
		{"ErrNoSignature", "/files/" + keyB},
		{"ErrSignatureOfOtherExpiry", "/files/" + keyA + strings.Replace(querySigA, strconv.FormatInt(exp, 10), strconv.FormatInt(exp+1, 10), 1)},
		{"ErrEmptySignature", "/files/" + keyB + "?expires=" + strconv.FormatInt(exp, 10) + "&signature="},
		{"ErrDuplicateParameters", "/files/" + keyB + querySigA + "&expires=" + strconv.FormatInt(exp, 10) + "&signature=00"},
		// Valid signatures over hostile keys: the blob store itself must
		// refuse them.
		{"ErrSignedTraversal", signedTarget(signingKey, "../url-signing.key", "../url-signing.key", exp)},
		{"ErrSignedEncodedTraversal", signedTarget(signingKey, "../url-signing.key", "%2e%2e%2furl-signing.key", exp)},
		{"ErrSignedTraversalToOtherProject", signedTarget(signingKey, pA+"/../"+keyB, pA+"%2f..%2f"+strings.ReplaceAll(keyB, "/", "%2f"), exp)},
		{"ErrSignedAbsolute", signedTarget(signingKey, "/etc/passwd", "%2fetc%2fpasswd", exp)},
		{"ErrSignedBackslash", signedTarget(signingKey, `..\secrets.key`, "..%5csecrets.key", exp)},
		{"ErrSignedDot", signedTarget(signingKey, ".", ".", exp)},
		{"ErrSignedEmptySegment", signedTarget(signingKey, pA+"//"+jobA, pA+"%2f%2f"+jobA, exp)},
		{"ErrSignedDirectory", signedTarget(signingKey, pA+"/"+jobA, pA+"/"+jobA, exp)},
		{"ErrSignedNullByte", signedTarget(signingKey, keyA+"\x00", keyA+"%00", exp)},
	} {
		t.Run(test.name, func(t *testing.T) {
			p := probeDownload(t, ts.URL, test.target)
			t.Logf("statuses %v: %s", p.statuses, bytes.TrimSpace(p.body))
			for _, content := range append([][]byte{fileA, fileB, passwd}, private...) {
				if len(content) > 0 && bytes.Contains(p.body, content[:min(len(content), 64)]) {
					t.Fatalf("GET %s (statuses %v) served a file's contents", test.target, p.statuses)
				}
			}
			for _, s := range p.statuses[:len(p.statuses)-1] {
				if s/100 != 3 {
					t.Errorf("hop status %d", s)
				}
			}
			final := p.statuses[len(p.statuses)-1]
			if final != http.StatusForbidden && final != http.StatusNotFound {
				t.Errorf("GET %s: statuses %v, want 403 or 404 in the end", test.target, p.statuses)
			}
			var e errorBody
			if err := json.Unmarshal(p.body, &e); err != nil || e.ErrorCode == "" || e.ErrorMsg == "" || e.RequestID == "" {
				t.Errorf("GET %s: %d body %q is not MetaStudio's error body", test.target, final, p.body)
			}
			if strings.Contains(e.ErrorMsg, dir) {
				t.Errorf("error_msg %q shows the data directory", e.ErrorMsg)
			}
		})
	}

	t.Run("ErrOtherProjectsJobViaAPI", func(t *testing.T) {
		_, err := a.ShowTtsAuditionFile(&model.ShowTtsAuditionFileRequest{JobId: jobB})
		sdkError(t, err, http.StatusNotFound, "MSS.10001002")
	})
	t.Run("ErrTamperedPresignedURL", func(t *testing.T) {
		// With S3 the URLs are the store's own presigned ones; they must
		// not stretch to another key either.
		u, err := url.Parse(urlA)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(u.Path, "/files/") {
			t.Skip("download URLs are ttsc's own here")
		}
		u.Path = strings.Replace(u.Path, keyA, keyB, 1)
		u.RawPath = ""
		resp, err := http.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || bytes.Contains(body, fileB[:64]) {
			t.Errorf("A's presigned URL on B's key: status %d, want 403 and no content", resp.StatusCode)
		}
	})
}
