package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/openttsc/ttsc"
)

// Codes that only the HTTP layer produces.
const (
	codeNoRoute   = "no_route"
	codeNoMethod  = "method_not_allowed"
	codeURLDenied = "url_denied"
)

// errorTable is the one place that maps error codes to an HTTP status and
// a MetaStudio error_code. docs/api-notes.md explains the choices.
var errorTable = map[string]struct {
	status int
	code   string
}{
	ttsc.EINVALID:      {http.StatusBadRequest, "MSS.00000003"},
	ttsc.EBADJSON:      {http.StatusBadRequest, "MSS.10000002"},
	ttsc.ENOVOICE:      {http.StatusBadRequest, "MSS.10001001"},
	ttsc.ENOTFOUND:     {http.StatusNotFound, "MSS.10001002"},
	ttsc.EUNAUTHORIZED: {http.StatusUnauthorized, "APIGW.0301"},
	ttsc.EFORBIDDEN:    {http.StatusForbidden, "MSS.00010009"},
	ttsc.ETOOLARGE:     {http.StatusRequestEntityTooLarge, "MSS.00000002"},
	ttsc.ECONFLICT:     {http.StatusConflict, "MSS.00000003"},
	ttsc.EUNAVAILABLE:  {http.StatusServiceUnavailable, "MSS.00000004"},
	ttsc.ETOOMANY:      {http.StatusTooManyRequests, "APIGW.0308"},
	ttsc.ESYNTHESIS:    {http.StatusInternalServerError, "MSS.00000004"},
	ttsc.EINTERNAL:     {http.StatusInternalServerError, "MSS.00000004"},
	codeNoRoute:        {http.StatusNotFound, "MSS.00010003"},
	codeNoMethod:       {http.StatusMethodNotAllowed, "MSS.00010004"},
	codeURLDenied:      {http.StatusForbidden, "MSS.00000001"},
}

// FailureCode returns the MetaStudio error_code for err, as reported in the
// code field of a failed job.
func FailureCode(err error) string {
	if e, ok := errorTable[ttsc.ErrorCode(err)]; ok {
		return e.code
	}
	return errorTable[ttsc.EINTERNAL].code
}

// errorBody is MetaStudio's error shape.
type errorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

// writeError writes err in MetaStudio's error body. Internal errors are
// logged with detail and reported to the client in general words.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := ttsc.ErrorCode(err)
	e, ok := errorTable[code]
	if !ok {
		e = errorTable[ttsc.EINTERNAL]
	}
	msg := ttsc.ErrorMessage(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		e = errorTable[ttsc.ETOOLARGE]
		msg = tooLargeMessage(mbe.Limit)
	}
	log := s.logger(r)
	if e.status >= 500 {
		log.Error("request failed", "status", e.status, "err", err)
	} else {
		log.Info("request rejected", "status", e.status, "code", code, "msg", msg)
	}
	setRetryAfter(w, err)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(errorBody{ErrorCode: e.code, ErrorMsg: msg, RequestID: requestID(r.Context())})
}

// logger returns the server's logger with the request's identifiers.
func (s *Server) logger(r *http.Request) *slog.Logger {
	l := s.cfg.Logger.With("request_id", requestID(r.Context()))
	if p := r.PathValue("project_id"); p != "" {
		l = l.With("project_id", p)
	}
	return l
}
