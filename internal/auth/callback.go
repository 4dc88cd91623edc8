package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CallbackSignatureHeader carries the signature of a job-end callback.
const CallbackSignatureHeader = "X-Ttsc-Signature"

// CallbackKey is the key a project's callbacks are signed with: 64 hex
// characters derived from the server's URL-signing key, so every node
// signs alike and no extra secret needs storing. Receivers use the
// string itself as the HMAC key.
func CallbackKey(serverKey []byte, projectID string) string {
	m := hmac.New(sha256.New, serverKey)
	m.Write([]byte("ttsc callback key\x00" + projectID))
	return hex.EncodeToString(m.Sum(nil))
}

// SignCallback returns the signature header value of a callback body sent
// at t: "t=UNIX,v1=HEX", where HEX is HMAC-SHA256 with the callback key
// over "UNIX." followed by the body.
func SignCallback(key string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + callbackMAC(key, ts, body)
}

func callbackMAC(key, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyCallback checks a signature header against the body, refusing
// signatures more than tolerance away from now (replays).
func VerifyCallback(key, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("callback signature header is not t=UNIX,v1=HEX")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("callback signed at %d, more than %s from now", sec, tolerance)
	}
	if !hmac.Equal([]byte(callbackMAC(key, ts, body)), []byte(sig)) {
		return errors.New("callback signature does not match")
	}
	return nil
}
