package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
)

// authenticate reads the body (within the size limit), checks the
// AK/SK signature or the token, and makes sure the credential belongs to
// the project in the path. The handler gets the body back as r.Body.
func (s *Server) authenticate(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		max := s.cfg.MaxBodyBytes
		if r.ContentLength > max {
			// Refuse before reading: a client announcing a huge body
			// should not make the server read it.
			return ttsc.Errorf(ttsc.ETOOLARGE, "%s", tooLargeMessage(max))
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))

		project := r.PathValue("project_id")
		var credProject string
		switch {
		case r.Header.Get("X-Auth-Token") != "":
			t, err := s.cfg.Credentials.Token(r.Context(), auth.HashToken(r.Header.Get("X-Auth-Token")), s.cfg.Now())
			if err != nil {
				if ttsc.ErrorCode(err) == ttsc.ENOTFOUND {
					return ttsc.Errorf(ttsc.EUNAUTHORIZED, "Incorrect authentication information: the X-Auth-Token is unknown or has expired")
				}
				return err
			}
			credProject = t.ProjectID
		case r.Header.Get("Authorization") != "":
			c, err := s.verifier.Verify(r.Context(), r, body)
			if err != nil {
				return err
			}
			credProject = c.ProjectID
		default:
			return ttsc.Errorf(ttsc.EUNAUTHORIZED, "Incorrect authentication information: sign the request with SDK-HMAC-SHA256 (Authorization and X-Sdk-Date headers) or send an X-Auth-Token header")
		}
		if hp := r.Header.Get("X-Project-Id"); hp != "" && hp != project {
			return ttsc.Errorf(ttsc.EFORBIDDEN, "X-Project-Id %q does not match the project %q in the URL", hp, project)
		}
		if credProject != project {
			return ttsc.Errorf(ttsc.EFORBIDDEN, "the credential belongs to another project than %q in the URL", project)
		}
		if err := s.limiter.allow(project, family(r), s.cfg.Now()); err != nil {
			return err
		}
		return h(w, r)
	}
}

func tooLargeMessage(limit int64) string {
	return fmt.Sprintf("request body is larger than the limit of %d bytes", limit)
}
