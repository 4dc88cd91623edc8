package pool

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
)

// The protocol between the pool and a host is a stream of frames on the
// host's stdin and stdout. A frame is a 4-byte big-endian length and that
// many bytes. The pool sends one JSON request frame; the host answers with
// a JSON response frame and then a binary frame holding the audio as
// little-endian 16-bit samples (empty on error). Requests carry a
// sequence number that the response repeats.

// maxFrame bounds a frame so a corrupt length cannot exhaust memory: ten
// minutes of 22 kHz audio.
const maxFrame = 64 << 20

type request struct {
	Seq uint64 `json:"seq"`
	// Op is "" to synthesize or "phonemes" for the IPA of Text.
	Op     string `json:"op,omitempty"`
	Engine string `json:"engine"`
	Voice  string `json:"voice"`
	Text   string `json:"text"`
	Speed  int    `json:"speed"`
	Pitch  int    `json:"pitch"`
}

type response struct {
	Seq          uint64           `json:"seq"`
	SampleRate   int              `json:"sample_rate"`
	Words        []ttsc.WordEvent `json:"words,omitempty"`
	Phonemes     string           `json:"phonemes,omitempty"`
	ErrorCode    string           `json:"error_code,omitempty"`
	ErrorMessage string           `json:"error_message,omitempty"`
}

func writeFrame(w *bufio.Writer, b []byte) error {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
}

// readFrame reads one frame.
func readFrame(r *bufio.Reader) ([]byte, error) {
	size, err := readFrameSize(r)
	if err != nil {
		return nil, err
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, unexpectedEOF(err)
	}
	return b, nil
}

// readPCMFrame reads a frame of audio into samples of their own.
func readPCMFrame(r *bufio.Reader) ([]int16, error) {
	size, err := readFrameSize(r)
	if err != nil {
		return nil, err
	}
	s, err := audio.ReadPCM(r, size)
	return s, unexpectedEOF(err)
}

// readFrameSize reads the length that starts a frame.
func readFrameSize(r *bufio.Reader) (int, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return 0, err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxFrame {
		return 0, fmt.Errorf("frame of %d bytes is over the %d-byte limit", size, maxFrame)
	}
	return int(size), nil
}

// unexpectedEOF is err, where a frame ended early, io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func writeJSONFrame(w *bufio.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeFrame(w, b)
}

const opPhonemes = "phonemes"

// phonemizer is an engine that can also say how it pronounces a text.
type phonemizer interface {
	Phonemes(voice, text string, ipa bool) (string, error)
}

// Serve is the host side: it answers requests from in on out until in
// ends, dispatching each to the engine named in the request. Engines run
// one request at a time. `ttsc engine-host` calls it with stdin and
// stdout.
func Serve(in io.Reader, out io.Writer, engines map[string]ttsc.Engine) error {
	r := bufio.NewReaderSize(in, 64<<10)
	w := bufio.NewWriterSize(out, 256<<10)
	for {
		b, err := readFrame(r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		var req request
		if err := json.Unmarshal(b, &req); err != nil {
			return fmt.Errorf("engine host: bad request frame: %w", err)
		}
		resp := response{Seq: req.Seq}
		var samples []int16
		e, ok := engines[req.Engine]
		ph, canPhonemes := e.(phonemizer)
		switch {
		case !ok:
			resp.ErrorCode, resp.ErrorMessage = ttsc.EINVALID, fmt.Sprintf("this engine host has no engine %q", req.Engine)
		case req.Op == opPhonemes && !canPhonemes:
			resp.ErrorCode, resp.ErrorMessage = ttsc.EINVALID, fmt.Sprintf("engine %q cannot give phonemes", req.Engine)
		case req.Op == opPhonemes:
			p, err := ph.Phonemes(req.Voice, req.Text, true)
			if err != nil {
				resp.ErrorCode, resp.ErrorMessage = ttsc.ErrorCode(err), ttsc.ErrorMessage(err)
			}
			resp.Phonemes = p
		default:
			sp, err := e.Synthesize(context.Background(), ttsc.SynthesisRequest{
				Engine: req.Engine, Voice: req.Voice, Text: req.Text, Speed: req.Speed, Pitch: req.Pitch,
			})
			if err != nil {
				resp.ErrorCode, resp.ErrorMessage = ttsc.ErrorCode(err), ttsc.ErrorMessage(err)
			} else {
				resp.SampleRate, resp.Words, samples = sp.SampleRate, sp.Words, sp.Samples
			}
		}
		if err := writeJSONFrame(w, resp); err != nil {
			return err
		}
		if err := writeFrame(w, audio.PCMBytes(samples)); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
}
