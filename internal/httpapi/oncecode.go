package httpapi

import (
	"net/http"
	"time"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/auth"
)

// OnceCodeTTL is how long a once code stays valid, as in MetaStudio.
const OnceCodeTTL = 5 * time.Minute

type onceCodeResponse struct {
	OnceCode string `json:"once_code"`
}

// handleCreateOnceCode makes a single-use code that stands in for
// credentials on the streaming WebSocket, where browsers cannot sign
// requests. Only its hash is stored.
func (s *Server) handleCreateOnceCode(w http.ResponseWriter, r *http.Request) error {
	value, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	t := &ttsc.Token{Hash: hash, ProjectID: r.PathValue("project_id"), CreatedAt: now, ExpiresAt: now.Add(OnceCodeTTL)}
	if err := s.cfg.Credentials.CreateOnceCode(r.Context(), t); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, onceCodeResponse{OnceCode: value})
}
