package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/speech"
)

// Streaming protocol (docs/streaming.md): the client sends JSON commands
// as text frames; for each START the server answers a "start" frame, then
// for every segment its "word" frames and its audio as binary frames of
// 16-bit little-endian mono PCM, then an "end" frame. Commands run one
// after another.

// streamCommand is a client's text frame.
type streamCommand struct {
	Command string `json:"command"`
	Text    string `json:"text"`
	JobID   string `json:"job_id"`
	Speed   *int32 `json:"speed"`
	Pitch   *int32 `json:"pitch"`
	Volume  *int32 `json:"volume"`
	// IsConcurrentResource is MetaStudio billing; accepted and ignored.
	IsConcurrentResource *bool `json:"is_concurrent_resource"`
}

// streamFrame is a server's text frame.
type streamFrame struct {
	Type        string `json:"type"`
	JobID       string `json:"job_id,omitempty"`
	ClientJobID string `json:"client_job_id,omitempty"`
	// start
	SampleRate int    `json:"sample_rate,omitempty"`
	Channels   int    `json:"channels,omitempty"`
	Format     string `json:"format,omitempty"`
	// word
	Text      string `json:"text,omitempty"`
	BeginChar *int   `json:"begin_char,omitempty"`
	EndChar   *int   `json:"end_char,omitempty"`
	BeginMs   *int64 `json:"begin_ms,omitempty"`
	// end
	DurationMs *int64 `json:"duration_ms,omitempty"`
	// error
	ErrorCode string `json:"error_code,omitempty"`
	ErrorMsg  string `json:"error_msg,omitempty"`
}

// maxStreamMessage bounds a client's frame.
const maxStreamMessage = 256 << 10

// handleStream is the streaming endpoint: a WebSocket that reads texts
// aloud as they arrive.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) error {
	project := r.PathValue("project_id")
	if err := s.streamAuth(r, project); err != nil {
		return err
	}
	id := r.Header.Get("X-Voice-Asset-Id")
	if id == "" {
		id = r.URL.Query().Get("voice_asset_id")
	}
	voice, err := s.voice("X-Voice-Asset-Id (or voice_asset_id)", &id)
	if err != nil {
		return err
	}
	if s.cfg.Engine == nil {
		return ttsc.Errorf(ttsc.EUNAVAILABLE, "this server has no engines for streaming")
	}
	release, err := s.streams.acquire(project)
	if err != nil {
		return err
	}
	defer release()
	// Credentials travel in headers or a single-use code, never in
	// cookies, so any origin may connect.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return nil // Accept has answered
	}
	defer conn.CloseNow()
	conn.SetReadLimit(maxStreamMessage)
	log := s.logger(r).With("voice", voice.ID)
	// The connection is read all along, so that a client that goes
	// away stops the text being read for it at once, even while it
	// waits for an engine host, rather than at the next write.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	cmds := readCommands(ctx, conn, cancel)
	turn := s.shutdownTurns(conn)
	defer turn.done()
	for in := range cmds {
		cmd, err := in.cmd, in.err
		if err != nil {
			if st := websocket.CloseStatus(err); st == websocket.StatusNormalClosure || st == websocket.StatusGoingAway {
				return nil
			}
			var syntax *json.SyntaxError
			if errors.As(err, &syntax) {
				s.streamError(ctx, conn, "", cmd.JobID, ttsc.Errorf(ttsc.EBADJSON, "a command must be a JSON object: %v", err))
				continue
			}
			log.Info("stream closed", "err", err)
			return nil
		}
		switch strings.ToUpper(cmd.Command) {
		case "PRELOAD":
			// The engines keep every voice loaded; nothing to wait for.
			if err := wsjson.Write(ctx, conn, streamFrame{Type: "preloaded", ClientJobID: cmd.JobID}); err != nil {
				return nil
			}
		case "START":
			if err := s.limiter.allow(project, FamilySynthesis, s.cfg.Now()); err != nil {
				if s.streamError(ctx, conn, "", cmd.JobID, err) != nil {
					return nil
				}
				continue
			}
			if !turn.begin() {
				return nil // the server is shutting down
			}
			err := s.streamText(ctx, conn, project, voice, cmd)
			closing := turn.end()
			if err != nil {
				log.Info("stream closed", "err", err)
				return nil
			}
			if closing {
				conn.Close(websocket.StatusGoingAway, shuttingDown)
				return nil
			}
		default:
			s.streamError(ctx, conn, "", cmd.JobID, ttsc.Errorf(ttsc.EINVALID, "field command must be START or PRELOAD, got %q", truncate(cmd.Command, 16)))
		}
	}
	return nil
}

// streamRead is a command read from a stream, or why none was.
type streamRead struct {
	cmd streamCommand
	err error
}

// pendingCommands is how many commands a stream reads ahead of the one it
// runs; past that, the client waits.
const pendingCommands = 8

// readCommands reads conn's commands until the connection fails or ctx
// ends. A frame that is not JSON is passed on with its error, and reading
// goes on. A failure of the connection cancels, at once, and is passed on
// last when there is room; the loop stops either way, once the channel
// closes.
func readCommands(ctx context.Context, conn *websocket.Conn, cancel context.CancelFunc) <-chan streamRead {
	out := make(chan streamRead, pendingCommands)
	go func() {
		defer close(out)
		for {
			var in streamRead
			in.err = wsjson.Read(ctx, conn, &in.cmd)
			var syntax *json.SyntaxError
			if in.err != nil && !errors.As(in.err, &syntax) {
				cancel()
				select {
				case out <- in:
				default:
				}
				return
			}
			select {
			case out <- in:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// shuttingDown is the reason a stream gets when the server shuts down.
const shuttingDown = "the server is shutting down; connect again"

// streamTurns lets a server that shuts down close a stream between
// texts, never in the middle of one.
type streamTurns struct {
	stop chan struct{}

	mu            sync.Mutex
	busy, closing bool
}

// shutdownTurns watches for the server's drain: an idle conn is closed
// at once, a busy one once its text is read (end says so).
func (s *Server) shutdownTurns(conn *websocket.Conn) *streamTurns {
	t := &streamTurns{stop: make(chan struct{})}
	go func() {
		select {
		case <-s.streams.draining:
		case <-t.stop:
			return
		}
		t.mu.Lock()
		t.closing = true
		idle := !t.busy
		t.mu.Unlock()
		if idle {
			conn.Close(websocket.StatusGoingAway, shuttingDown)
		}
	}()
	return t
}

// begin starts reading a text, unless the stream is closing.
func (t *streamTurns) begin() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.busy = !t.closing
	return t.busy
}

// end ends reading a text and says whether the stream must now close.
func (t *streamTurns) end() (closing bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.busy = false
	return t.closing
}

// done stops watching.
func (t *streamTurns) done() { close(t.stop) }

// streamAuth accepts an X-Auth-Token header or a once_code query
// parameter, which is consumed.
func (s *Server) streamAuth(r *http.Request, project string) error {
	var t *ttsc.Token
	var err error
	switch {
	case r.Header.Get("X-Auth-Token") != "":
		t, err = s.cfg.Credentials.Token(r.Context(), auth.HashToken(r.Header.Get("X-Auth-Token")), s.cfg.Now())
	case r.URL.Query().Get("once_code") != "":
		t, err = s.cfg.Credentials.ConsumeOnceCode(r.Context(), auth.HashToken(r.URL.Query().Get("once_code")), s.cfg.Now())
	default:
		return ttsc.Errorf(ttsc.EUNAUTHORIZED, "Incorrect authentication information: send an X-Auth-Token header or a once_code query parameter (CreateTtsOnceCode)")
	}
	if ttsc.ErrorCode(err) == ttsc.ENOTFOUND {
		return ttsc.Errorf(ttsc.EUNAUTHORIZED, "Incorrect authentication information: the token or once code is unknown, used or expired")
	}
	if err != nil {
		return err
	}
	if t.ProjectID != project {
		return ttsc.Errorf(ttsc.EFORBIDDEN, "the credential belongs to another project than %q in the URL", project)
	}
	return nil
}

// streamText reads one START's text onto the connection and records it
// as a WEBSOCKET job. A bad command or a failed synthesis is reported in
// an "error" frame and the connection stays open; the returned error is
// the connection's.
func (s *Server) streamText(ctx context.Context, conn *websocket.Conn, project string, voice ttsc.Voice, cmd streamCommand) error {
	text := cmd.Text
	if _, err := checkText("text", &text, true); err != nil {
		return s.streamError(ctx, conn, "", cmd.JobID, err)
	}
	if len(cmd.JobID) > 128 {
		return s.streamError(ctx, conn, "", "", ttsc.Errorf(ttsc.EINVALID, "field job_id must be at most 128 characters"))
	}
	prosody, err := checkProsody(cmd.Speed, cmd.Pitch, cmd.Volume, nil)
	if err != nil {
		return s.streamError(ctx, conn, "", cmd.JobID, err)
	}
	entries, err := speech.Entries(ctx, s.cfg.Vocabulary, project, voice.ID, nil)
	if err != nil {
		return s.streamError(ctx, conn, "", cmd.JobID, err)
	}
	// Sentences are not packed together: the first one alone is read
	// first, so audio starts as soon as it is.
	prep, err := speech.Prepare(text, voice, entries, speech.Limits{PackRunes: 1})
	if err != nil {
		return s.streamError(ctx, conn, "", cmd.JobID, err)
	}
	opts, _ := json.Marshal(ttsc.JobOptions{WebSocketJobID: cmd.JobID})
	j := &ttsc.Job{ID: NewID(), ProjectID: project, Type: ttsc.JobWebSocket, State: ttsc.JobWaiting,
		VoiceID: voice.ID, Text: text, Prosody: prosody, Format: ttsc.FormatPCM, Options: opts}
	// The job ends within StreamTimeout, so that the orphan sweep can
	// tell the unfinished job of a process that died from a live one.
	// A write cut short by the bound closes the connection.
	sctx, cancel := context.WithTimeout(ctx, s.cfg.StreamTimeout)
	defer cancel()
	// The job is recorded while the engine reads the first segment; no
	// audio is sent before the record is made.
	done := make(chan error, 1)
	go func() {
		err := s.cfg.Jobs.CreateJob(ctx, j)
		if err == nil {
			_, err = s.cfg.Jobs.StartJob(ctx, j.ID, len(prep.Segments))
		}
		done <- err
	}()
	recorded := sync.OnceValue(func() error { return <-done })
	var samples int64
	rate := 0
	err = speech.Reader{Engine: s.cfg.Engine, Metrics: s.cfg.Metrics}.Speak(sctx, voice, prosody, prep, func(i int, sp *ttsc.Speech) error {
		if rate == 0 {
			if err := recorded(); err != nil {
				return err
			}
			rate = sp.SampleRate
			if err := wsjson.Write(sctx, conn, streamFrame{Type: "start", JobID: j.ID, ClientJobID: cmd.JobID,
				SampleRate: rate, Channels: 1, Format: "pcm_s16le"}); err != nil {
				return err
			}
		}
		// The words as a file of this segment would list them, timed
		// from the start of the stream.
		offset := samples * 1000 / int64(rate)
		for _, wd := range speech.FileWords(prep, prep.Segments[i], speech.SegmentWords(sp)) {
			ms := offset + wd.BeginMs
			if err := wsjson.Write(sctx, conn, streamFrame{Type: "word", JobID: j.ID, Text: wd.Text,
				BeginChar: &wd.BeginChar, EndChar: &wd.EndChar, BeginMs: &ms}); err != nil {
				return err
			}
		}
		samples += int64(len(sp.Samples))
		// Binary frames of at most 32 KiB keep a slow client's buffers
		// small.
		pcm := audio.PCMBytes(sp.Samples) // written before Speak reuses them
		for len(pcm) > 0 {
			n := min(len(pcm), 32<<10)
			if err := conn.Write(sctx, websocket.MessageBinary, pcm[:n]); err != nil {
				return err
			}
			pcm = pcm[n:]
		}
		return nil
	})
	if recErr := recorded(); recErr != nil {
		return s.streamError(ctx, conn, "", cmd.JobID, recErr)
	}
	if err != nil && errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		err = &ttsc.Error{Code: ttsc.ESYNTHESIS, Err: err, Message: fmt.Sprintf("the stream of this text did not end within "+
			"the time limit of a streamed job (%s): the client took its audio too slowly, or the engines were too busy; "+
			"send a long text as several START commands", s.cfg.StreamTimeout)}
	}
	end := context.WithoutCancel(ctx)
	if err != nil {
		s.cfg.Jobs.EndJob(end, j.ID, ttsc.JobFailed, FailureCode(err), ttsc.ErrorMessage(err))
		if ctx.Err() != nil || websocket.CloseStatus(err) != -1 {
			return err
		}
		return s.streamError(ctx, conn, j.ID, cmd.JobID, err)
	}
	if err := s.cfg.Jobs.EndJob(end, j.ID, ttsc.JobSucceeded, "0", ""); err != nil {
		return s.streamError(ctx, conn, j.ID, cmd.JobID, err)
	}
	d := samples * 1000 / int64(max(rate, 1))
	return wsjson.Write(ctx, conn, streamFrame{Type: "end", JobID: j.ID, ClientJobID: cmd.JobID, DurationMs: &d})
}

// streamError sends an "error" frame with MetaStudio's code and message.
// It returns only the connection's error.
func (s *Server) streamError(ctx context.Context, conn *websocket.Conn, jobID, clientJobID string, err error) error {
	code := ttsc.ErrorCode(err)
	e, ok := errorTable[code]
	if !ok {
		e = errorTable[ttsc.EINTERNAL]
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return wsjson.Write(ctx, conn, streamFrame{Type: "error", JobID: jobID, ClientJobID: clientJobID, ErrorCode: e.code, ErrorMsg: ttsc.ErrorMessage(err)})
}
