//go:build !cgo || noespeak

package espeak

import (
	"context"

	"github.com/openttsc/ttsc"
)

var errUnavailable = &ttsc.Error{Code: ttsc.EUNAVAILABLE,
	Message: "espeak-ng support requires cgo; rebuild with CGO_ENABLED=1 and libespeak-ng-dev installed"}

// New reports that this build has no espeak-ng.
func New() (*Engine, error) { return nil, errUnavailable }

// Synthesize reports that this build has no espeak-ng.
func (e *Engine) Synthesize(context.Context, ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	return nil, errUnavailable
}

// Phonemes reports that this build has no espeak-ng.
func (e *Engine) Phonemes(voice, text string, ipa bool) (string, error) { return "", errUnavailable }
