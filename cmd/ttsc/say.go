package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/audio/mp3"
	"github.com/openttsc/ttsc/internal/engine/pool"
	"github.com/openttsc/ttsc/internal/speech"
	"github.com/openttsc/ttsc/internal/voices"
)

const sayHelp = `Reads text aloud into a WAV or MP3 file, here with the engines built into
ttsc (no server needed), or through a ttsc server with --server and a
token. The text may be SSML; "-" reads it from standard input. Without -o
the audio goes to standard output:

  ttsc say "Hello there." -o hello.wav
  ttsc say --voice en-us+f5 --speed 150 "Faster, please." | aplay
  ttsc say --server http://tts.example.com --token $TOKEN --format mp3 "Hi" -o hi.mp3`

// runSay is `ttsc say`.
func runSay(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var (
		voiceName, format, out, server, token string
		speed, pitch, volume                  int
	)
	fs := newFlagSet(`say [flags] "text"`, sayHelp, stderr)
	fs.StringVar(&voiceName, "voice", "rms", "voice: an asset ID, an engine voice (rms, slt, en-us+f5), a voice name or an OpenAI voice name (ttsc voices lists them)")
	fs.StringVar(&format, "format", "wav", "wav or mp3")
	fs.StringVar(&out, "o", "", "output file (default standard output)")
	fs.IntVar(&speed, "speed", 100, "speed in percent, 50 to 200")
	fs.IntVar(&pitch, "pitch", 100, "pitch in percent, 50 to 200 (local only)")
	fs.IntVar(&volume, "volume", 140, "volume, 90 to 240, 140 the voice's own (local only)")
	fs.StringVar(&server, "server", "", "read through this ttsc server instead of locally, such as http://127.0.0.1:8080")
	fs.StringVar(&token, "token", "", "with --server: a token of the project, made with ttsc tokens create")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	text := strings.Join(rest, " ")
	if text == "-" { // the text from standard input
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
		if err != nil {
			return err
		}
		text = string(b)
	}
	if strings.TrimSpace(text) == "" {
		fs.Usage()
		return errUsage
	}
	if format != "wav" && format != "mp3" {
		return fmt.Errorf("--format must be wav or mp3, got %q", format)
	}
	for _, r := range []struct {
		name      string
		v, lo, hi int
	}{{"--speed", speed, ttsc.SpeedMin, ttsc.SpeedMax}, {"--pitch", pitch, ttsc.PitchMin, ttsc.PitchMax}, {"--volume", volume, ttsc.VolumeMin, ttsc.VolumeMax}} {
		if r.v < r.lo || r.v > r.hi {
			return fmt.Errorf("%s must be between %d and %d, got %d", r.name, r.lo, r.hi, r.v)
		}
	}
	var data []byte
	if server != "" {
		data, err = sayRemote(ctx, server, token, voiceName, text, format, speed)
	} else {
		data, err = sayLocal(ctx, voiceName, text, format, ttsc.Prosody{Speed: speed, Pitch: pitch, Volume: volume, Channels: 1})
	}
	if err != nil {
		return err
	}
	if out == "" {
		_, err = stdout.Write(data)
		return err
	}
	return os.WriteFile(out, data, 0o644)
}

// sayLocal reads text with the engines linked into this binary, in an
// engine host process as the server does, so that a text that crashes an
// engine's C library ends with an error rather than a crash of ttsc.
func sayLocal(ctx context.Context, voiceName, text, format string, p ttsc.Prosody) ([]byte, error) {
	voice, ok := voices.Resolve(voices.Catalog(), voiceName)
	if !ok {
		return nil, fmt.Errorf("no voice %q; `ttsc voices` lists them", voiceName)
	}
	prep, err := speech.Prepare(text, voice, nil, speech.Limits{})
	if err != nil {
		return nil, err
	}
	command, err := engineHostCommand()
	if err != nil {
		return nil, err
	}
	host, err := pool.New(pool.Config{Workers: 1, Command: command, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	defer host.Close()
	var samples []int16
	rate := 0
	err = speech.Reader{Engine: host}.Speak(ctx, voice, p, prep, func(i int, sp *ttsc.Speech) error {
		rate = sp.SampleRate
		samples = append(samples, sp.Samples...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if format == "mp3" {
		return mp3.Encode(samples, rate, 1, 0)
	}
	return audio.EncodeWAV(samples, rate, 1), nil
}

// sayRemote reads text through a server's OpenAI-compatible endpoint.
func sayRemote(ctx context.Context, server, token, voiceName, text, format string, speed int) ([]byte, error) {
	if token == "" {
		return nil, fmt.Errorf("--server needs --token (or TTSC_TOKEN): make one with `ttsc tokens create --project ID`")
	}
	body, _ := json.Marshal(map[string]any{
		"model": "ttsc", "input": text, "voice": voiceName, "response_format": format, "speed": float64(speed) / 100,
	})
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(server, "/")+"/v1/audio/speech", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		json.Unmarshal(data, &e)
		return nil, fmt.Errorf("%s: %s %s", server, resp.Status, e.Error.Message)
	}
	if format == "wav" {
		// The server streams a WAV of unknown length; store one whose
		// header gives its size.
		p, err := audio.DecodeWAV(data)
		if err != nil {
			return nil, err
		}
		return audio.EncodeWAV(p.Samples, p.Rate, p.Channels), nil
	}
	return data, nil
}

// runVoices is `ttsc voices`.
func runVoices(args []string, stdout, stderr io.Writer) error {
	var language, engine string
	var asJSON, presets bool
	fs := newFlagSet("voices [flags]", "Lists the voices: asset ID, name, language, sex and engine voice.", stderr)
	fs.StringVar(&language, "language", "", "only this MetaStudio language value (EN, CN, fr, …)")
	fs.StringVar(&engine, "engine", "", "only this engine (flite, espeak)")
	fs.BoolVar(&presets, "presets", false, "also list MetaStudio's preset voice IDs")
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	f := voices.Filter{Engine: engine}
	if language != "" {
		f.Languages = []string{language}
	}
	if !presets {
		f.Preset = new(false)
	}
	list := voices.List(f)
	if asJSON {
		type row struct {
			ID          string `json:"asset_id"`
			Name        string `json:"name"`
			Language    string `json:"language"`
			Locale      string `json:"locale"`
			Sex         string `json:"sex"`
			Engine      string `json:"engine"`
			EngineVoice string `json:"engine_voice"`
			Preset      bool   `json:"preset,omitempty"`
		}
		rows := make([]row, 0, len(list))
		for _, v := range list {
			rows = append(rows, row{v.ID, v.Name, v.Language, v.Locale, v.Sex, v.Engine, v.EngineVoice, v.Preset})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ASSET ID\tNAME\tLANGUAGE\tSEX\tENGINE VOICE")
	for _, v := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s (%s)\t%s\t%s %s\n", v.ID, v.Name, v.Language, v.Locale, v.Sex, v.Engine, v.EngineVoice)
	}
	return tw.Flush()
}
