package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/openttsc/ttsc"
)

// decodeJSON decodes the request body into v and turns every decoding
// failure into a client error that names the field.
func decodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return ttsc.Errorf(ttsc.EBADJSON, "Content-Type must be application/json, got %q", ct)
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return ttsc.Errorf(ttsc.EBADJSON, "request body is empty; a JSON object is required")
	}
	return unmarshalStrict(body, v)
}

// unmarshalStrict decodes one JSON value, rejecting trailing data.
func unmarshalStrict(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return ttsc.Errorf(ttsc.EBADJSON, "request body has data after the JSON object at offset %d", dec.InputOffset())
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &ttsc.Error{Code: ttsc.EBADJSON, Message: fmt.Sprintf("request body is not valid JSON: %v (at offset %d)", syn, syn.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ttsc.Errorf(ttsc.EBADJSON, "request body is not valid JSON: it ends too early")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return ttsc.Errorf(ttsc.EBADJSON, "request body must be a JSON object, got %s", typ.Value)
		}
		// encoding/json names embedded structs by their Go name in the
		// path; clients know only the JSON names.
		field := strings.TrimPrefix(typ.Field, "synthesisRequest.")
		return ttsc.Errorf(ttsc.EINVALID, "field %s must be %s, got %s", field, jsonTypeName(typ.Type.String()), typ.Value)
	}
	return &ttsc.Error{Code: ttsc.EBADJSON, Message: "request body is not valid JSON: " + err.Error()}
}

// jsonTypeName names a Go type the way a JSON client thinks of it.
func jsonTypeName(goType string) string {
	t := strings.TrimPrefix(goType, "*")
	switch {
	case strings.HasPrefix(t, "int"):
		return "an integer in the range of " + t
	case strings.HasPrefix(t, "uint"):
		return "a non-negative integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "string":
		return "a string"
	case t == "bool":
		return "a boolean"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	}
	return "an object"
}

// checkRange reports a field outside [min, max].
func checkRange(field string, v *int32, min, max int) error {
	if v != nil && (int(*v) < min || int(*v) > max) {
		return ttsc.Errorf(ttsc.EINVALID, "field %s must be between %d and %d, got %d", field, min, max, *v)
	}
	return nil
}

// intOr returns *v, or def when v is nil.
func intOr(v *int32, def int) int {
	if v == nil {
		return def
	}
	return int(*v)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // URLs with & stay readable for curl users
	return enc.Encode(v)
}
