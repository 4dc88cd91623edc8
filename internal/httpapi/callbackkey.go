package httpapi

import (
	"net/http"

	"github.com/openttsc/ttsc/internal/auth"
)

type callbackKeyResponse struct {
	CallbackKey     string `json:"callback_key"`
	SignatureHeader string `json:"signature_header"`
}

// handleShowCallbackKey tells a project the key its job-end callbacks are
// signed with, so receivers can check that a callback came from this
// server (see docs/callbacks.md). It is a ttsc extension.
func (s *Server) handleShowCallbackKey(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, callbackKeyResponse{
		CallbackKey:     auth.CallbackKey(s.cfg.SigningKey, r.PathValue("project_id")),
		SignatureHeader: auth.CallbackSignatureHeader,
	})
}
