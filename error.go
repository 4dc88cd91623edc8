package ttsc

import (
	"errors"
	"fmt"
)

// Error codes. They describe what went wrong in terms a client can act on;
// internal/httpapi maps each one to an HTTP status and a MetaStudio
// error_code in a single table.
const (
	// EINVALID: a request field is missing, malformed or out of range.
	EINVALID = "invalid"
	// EBADJSON: the request body is not valid JSON or has the wrong content type.
	EBADJSON = "bad_json"
	// ENOTFOUND: the job, credential or file does not exist (or belongs to another project).
	ENOTFOUND = "not_found"
	// ENOVOICE: the voice asset ID is unknown.
	ENOVOICE = "no_voice"
	// EUNAUTHORIZED: the caller could not be authenticated.
	EUNAUTHORIZED = "unauthorized"
	// EFORBIDDEN: the caller is authenticated but may not act on this project or URL.
	EFORBIDDEN = "forbidden"
	// ETOOLARGE: the request body is over the size limit.
	ETOOLARGE = "too_large"
	// ECONFLICT: the request conflicts with existing state.
	ECONFLICT = "conflict"
	// EUNAVAILABLE: a dependency (engine, database) cannot serve now.
	EUNAVAILABLE = "unavailable"
	// ETOOMANY: a rate or quota limit was reached; the client may retry
	// later.
	ETOOMANY = "too_many"
	// ESYNTHESIS: the engine could not synthesize the text (crash, deadline).
	ESYNTHESIS = "synthesis_failed"
	// EINTERNAL: anything else; details are logged, never sent to clients.
	EINTERNAL = "internal"
)

// Error is the one error type of ttsc. Message is safe to show to a client;
// Op and Err are for logs.
type Error struct {
	// Code is one of the E* constants.
	Code string
	// Message is a human-readable explanation that names the field and the
	// limit where there is one.
	Message string
	// Op is the operation that failed, such as "sqlitestore.Job".
	Op string
	// Err is the underlying error, if any.
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	s := ""
	if e.Op != "" {
		s = e.Op + ": "
	}
	switch {
	case e.Message != "" && e.Err != nil:
		return s + e.Message + ": " + e.Err.Error()
	case e.Message != "":
		return s + e.Message
	case e.Err != nil:
		return s + e.Err.Error()
	}
	return s + e.Code
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or
// EINTERNAL when there is none. A nil error has no code.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err: the Message of the
// first *Error in its chain that has one, or a generic text.
func ErrorMessage(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			break
		}
		if e.Message != "" {
			return e.Message
		}
		err = e.Err
	}
	return "Internal error."
}

// WrapOp annotates *errp with the operation name, keeping its code. It is
// meant for defer at the top of adapter methods.
func WrapOp(errp *error, op string) {
	if *errp == nil {
		return
	}
	var e *Error
	if errors.As(*errp, &e) {
		if e.Op == "" {
			e.Op = op
		}
		return
	}
	*errp = &Error{Code: EINTERNAL, Op: op, Err: *errp}
}
