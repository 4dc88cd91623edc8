package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openttsc/ttsc/internal/audio"
)

func TestSay(t *testing.T) {
	// A local say starts its engine host from this executable: the test
	// binary, which then acts as ttsc.
	t.Setenv("TTSC_TEST_COMMAND", "1")
	dir := t.TempDir()
	ts := startServer(t, "")
	value := ts.token(t)
	text := "Reading aloud from the command line."
	for _, test := range []struct {
		name string
		args []string
		file string
	}{
		{"OKLocalWAV", []string{"say", text, "-o", "local.wav"}, "local.wav"},
		{"OKLocalMP3FlagsAfterText", []string{"say", text, "--voice", "en-us+f5", "--format", "mp3", "-o", "local.mp3"}, "local.mp3"},
		{"OKOpenAIVoiceName", []string{"say", "--voice", "nova", "-o", "nova.wav", text}, "nova.wav"},
		{"OKServer", []string{"say", "--server", ts.URL, "--token", value, "-o", "remote.wav", text}, "remote.wav"},
		{"OKServerMP3", []string{"say", "--server", ts.URL, "--token", value, "--format", "mp3", "-o", "remote.mp3", text}, "remote.mp3"},
	} {
		t.Run(test.name, func(t *testing.T) {
			for i, a := range test.args {
				if a == test.file {
					test.args[i] = filepath.Join(dir, a)
				}
			}
			var stderr bytes.Buffer
			if code := run(context.Background(), test.args, nil, os.Stdout, &stderr); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			b, err := os.ReadFile(filepath.Join(dir, test.file))
			if err != nil {
				t.Fatal(err)
			}
			var p *audio.PCM
			if strings.HasSuffix(test.file, ".mp3") {
				p = decodeMP3(t, b)
			} else if p, err = audio.DecodeWAV(b); err != nil {
				t.Fatal(err)
			}
			if err := audio.CheckSpeech(p); err != nil {
				t.Error(err)
			}
		})
	}
	for _, test := range []struct {
		name string
		args []string
		want string
	}{
		{"ErrNoText", []string{"say"}, "Usage"},
		{"ErrUnknownVoice", []string{"say", "--voice", "hal9000", "hi"}, "ttsc voices"},
		{"ErrSpeed", []string{"say", "--speed", "500", "hi"}, "--speed"},
		{"ErrServerWithoutToken", []string{"say", "--server", ts.URL, "hi"}, "--token"},
		{"ErrBadSSML", []string{"say", "<speak><voice>x</voice></speak>"}, "<voice>"},
		// espeak-ng 1.51 aborts on this (see hostile_test.go); ttsc says so.
		{"ErrTextCrashesEngine", []string{"say", "--voice", "en-us+f5", strings.Repeat("s'", 100)}, "engine host crashed"},
	} {
		t.Run(test.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), test.args, nil, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), test.want) {
				t.Errorf("exit %d, stderr %q; want failure mentioning %q", code, stderr.String(), test.want)
			}
			if test.want != "Usage" && strings.Count(stderr.String(), "\n") > 3 {
				t.Errorf("stderr is %d lines, want a short message:\n%s", strings.Count(stderr.String(), "\n"), stderr.String())
			}
		})
	}
}

func TestVoicesCommand(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"voices", "--language", "EN", "--json"}, nil, &out, os.Stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var rows []struct {
		ID, Language, Engine string
	}
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 || rows[0].Engine != "flite" {
		t.Errorf("English voices: %+v; want 8, flite first", rows)
	}
	out.Reset()
	if code := run(context.Background(), []string{"voices"}, nil, &out, os.Stderr); code != 0 || !strings.Contains(out.String(), "ASSET ID") || !strings.Contains(out.String(), "cmn-latn-pinyin+f5") {
		t.Errorf("table: %s", out.String())
	}
	out.Reset()
	var help bytes.Buffer
	if code := run(context.Background(), []string{"say", "--help"}, nil, &out, &help); code != 0 || !strings.Contains(help.String(), "--voice") {
		t.Errorf("say --help: exit %d: %s", code, help.String())
	}
}
