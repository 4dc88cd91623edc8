package main

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc/internal/audio"
)

var srtCue = regexp.MustCompile(`^(\d+)\n(\d\d):(\d\d):(\d\d),(\d\d\d) --> (\d\d):(\d\d):(\d\d),(\d\d\d)\n`)

func srtMs(m []string) (int64, int64) {
	v := func(i int) int64 { n, _ := strconv.ParseInt(m[i], 10, 64); return n }
	return ((v(2)*60+v(3))*60+v(4))*1000 + v(5), ((v(6)*60+v(7))*60+v(8))*1000 + v(9)
}

// words returns the lower-case words of s without punctuation.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '\'')
	})
}

func TestAsyncTimestampsAndSubtitles(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	text := "Subtitles follow the speech closely. Each cue holds a few words, never more than the line allows. " +
		"Timestamps mark where every word begins and ends, so a player can highlight them."
	mp3 := model.GetCreateAsyncTtsJobRequestBodyAudioFormatEnum().MP3
	created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
		Text: text, VoiceAssetId: voiceID(t, "EN"), AudioFormat: &mp3,
		NeedTimestamp: ptr(true), GenSrt: ptr(true), SrtLen: ptr(int64(20)), SrtLineLimit: ptr(int32(2)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	resp := waitAsync(t, c, *created.JobId)
	if *resp.State != "SUCCEED" || resp.AudioInfoFileUrl == nil || resp.AudioSrtFileUrl == nil {
		t.Fatalf("state %s message %s; info %v srt %v", *resp.State, *resp.Message, resp.AudioInfoFileUrl, resp.AudioSrtFileUrl)
	}
	mp3Data, _ := fetch(t, *resp.AudioFileUrl)
	duration := decodeMP3(t, mp3Data).Duration()
	rec, err := c.ShowTtsJob(&model.ShowTtsJobRequest{JobId: created.JobId})
	if err != nil || *rec.Count != 1 || !*(*rec.Data)[0].NeedTimestamp || !*(*rec.Data)[0].GenSrt {
		t.Errorf("the job record should show need_timestamp and gen_srt: %v, %v", rec, err)
	}

	infoData, ct := fetch(t, *resp.AudioInfoFileUrl)
	if ct != "application/json" {
		t.Errorf("info Content-Type %q", ct)
	}
	var info audio.Info
	if err := json.Unmarshal(infoData, &info); err != nil {
		t.Fatal(err)
	}
	var spoken []string
	prev := int64(-1)
	for _, w := range info.Words {
		if w.BeginMs < prev || w.EndMs < w.BeginMs || []rune(text)[w.BeginChar] != []rune(w.Text)[0] {
			t.Errorf("word %+v out of order or not at its offset", w)
		}
		prev = w.BeginMs
		spoken = append(spoken, words(w.Text)...)
	}
	if strings.Join(spoken, " ") != strings.Join(words(text), " ") {
		t.Errorf("timed words\n %q\nwant\n %q", spoken, words(text))
	}
	if len(info.Sentences) != 3 {
		t.Errorf("%d sentences, want 3", len(info.Sentences))
	}
	last := info.Words[len(info.Words)-1].EndMs
	// MP3 adds up to one frame of padding to the audio.
	if d := time.Duration(last)*time.Millisecond - duration; d < -100*time.Millisecond || d > 100*time.Millisecond {
		t.Errorf("last word ends at %d ms, the audio lasts %v", last, duration)
	}

	srtData, ct := fetch(t, *resp.AudioSrtFileUrl)
	if ct != "application/x-subrip" {
		t.Errorf("SRT Content-Type %q", ct)
	}
	var cueWords []string
	prevEnd := int64(0)
	for i, block := range strings.Split(strings.TrimSpace(string(srtData)), "\n\n") {
		m := srtCue.FindStringSubmatch(block + "\n")
		if m == nil || m[1] != strconv.Itoa(i+1) {
			t.Fatalf("cue %d is not SRT:\n%s", i+1, block)
		}
		begin, end := srtMs(m)
		if begin < prevEnd || end <= begin {
			t.Errorf("cue %d runs %d→%d ms after a cue ending at %d", i+1, begin, end, prevEnd)
		}
		prevEnd = end
		lines := strings.Split(strings.TrimPrefix(block+"\n", m[0]), "\n")
		lines = lines[:len(lines)-1]
		if len(lines) > 2 {
			t.Errorf("cue %d has %d lines, srt_line_limit is 2", i+1, len(lines))
		}
		for _, l := range lines {
			if n := len([]rune(l)); n > 20 && strings.Contains(l, " ") {
				t.Errorf("cue %d line %q has %d characters, srt_len is 20", i+1, l, n)
			}
			cueWords = append(cueWords, words(l)...)
		}
	}
	if strings.Join(cueWords, " ") != strings.Join(words(text), " ") {
		t.Errorf("subtitle words\n %q\nwant\n %q", cueWords, words(text))
	}
	if d := time.Duration(prevEnd)*time.Millisecond - duration; d < -100*time.Millisecond || d > 100*time.Millisecond {
		t.Errorf("last cue ends at %d ms, the audio lasts %v", prevEnd, duration)
	}
}
