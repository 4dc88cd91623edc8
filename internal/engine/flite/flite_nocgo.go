//go:build !cgo

package flite

import (
	"context"

	"github.com/openttsc/ttsc"
)

// cgoBuild tells the tests that this build has no libflite.
const cgoBuild = false

var errUnavailable = &ttsc.Error{Code: ttsc.EUNAVAILABLE,
	Message: "flite support requires cgo; rebuild with CGO_ENABLED=1 and flite1-dev installed"}

// New reports that this build has no flite.
func New() (*Engine, error) { return nil, errUnavailable }

// Synthesize reports that this build has no flite.
func (e *Engine) Synthesize(ctx context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	return e.synthesize(ctx, req, true)
}

func (e *Engine) synthesize(context.Context, ttsc.SynthesisRequest, bool) (*ttsc.Speech, error) {
	return nil, errUnavailable
}
