//go:build cgo && !noespeak

package espeak

import (
	"context"
	"testing"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/voices"
)

// TestCatalogVoicesSpeak synthesizes every espeak-ng voice's sample
// through the library, which resolves voice names differently from the
// espeak-ng command line.
func TestCatalogVoicesSpeak(t *testing.T) {
	e := engine(t)
	for _, v := range voices.List(voices.Filter{Engine: voices.EngineEspeak, Preset: new(false)}) {
		sp, err := e.Synthesize(context.Background(), ttsc.SynthesisRequest{Voice: v.EngineVoice, Text: v.Sample, Speed: 100, Pitch: 100})
		if err != nil {
			t.Errorf("%s (%s): %v", v.Name, v.EngineVoice, err)
			continue
		}
		if err := audio.CheckSpeech(&audio.PCM{Rate: sp.SampleRate, Channels: 1, Samples: sp.Samples}); err != nil {
			t.Errorf("%s (%s): %v", v.Name, v.EngineVoice, err)
		}
	}
}
