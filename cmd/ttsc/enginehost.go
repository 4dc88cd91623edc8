package main

import (
	"context"
	"io"
	"os"
	"os/exec"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/engine/espeak"
	"github.com/openttsc/ttsc/internal/engine/flite"
	"github.com/openttsc/ttsc/internal/engine/pool"
	"github.com/openttsc/ttsc/internal/voices"
)

// runEngineHost is `ttsc engine-host`: one engine process of the pool,
// speaking the pool's protocol on stdin and stdout. The engines' C
// libraries keep process-wide state, so each host serves one request at a
// time and a crash takes down only this process.
func runEngineHost(stdin io.Reader, stdout io.Writer) error {
	if err := limitMemory(); err != nil {
		return err
	}
	return pool.Serve(stdin, stdout, hostEngines())
}

// engineHostCommand returns what starts an engine host: this executable's
// engine-host command. What a host writes to stderr is left to the pool,
// which logs it.
func engineHostCommand() (func() *exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return func() *exec.Cmd { return exec.Command(exe, "engine-host") }, nil
}

// hostEngines starts the engines of an engine host by name; an engine
// that cannot start answers every request with the reason.
func hostEngines() map[string]ttsc.Engine {
	engines := map[string]ttsc.Engine{}
	if e, err := espeak.New(); err == nil {
		engines[voices.EngineEspeak] = e
	} else {
		engines[voices.EngineEspeak] = unavailable{err}
	}
	if e, err := flite.New(); err == nil {
		engines[voices.EngineFlite] = e
	} else {
		engines[voices.EngineFlite] = unavailable{err}
	}
	return engines
}

// unavailable is an engine that could not start; it answers every request
// with the reason.
type unavailable struct{ err error }

func (u unavailable) Synthesize(context.Context, ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	return nil, u.err
}

// Phonemes answers with the reason the engine is missing.
func (u unavailable) Phonemes(voice, text string, ipa bool) (string, error) { return "", u.err }
