package main

import (
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
)

// timedPreview is ShowTtsAuditionFile with ttsc's word timings.
type timedPreview struct {
	IsFileComplete bool   `json:"is_file_complete"`
	Code           string `json:"code"`
	Files          []struct {
		DownloadURL string            `json:"download_url"`
		Words       []ttsc.WordTiming `json:"words"`
	} `json:"files"`
}

func TestPreviewWordTimings(t *testing.T) {
	ts := startServer(t, "")
	c := ts.client(t, ts.Cred)
	token := ts.token(t)
	en := voiceID(t, "EN")
	show := func(id string) timedPreview {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+"/v1/"+ts.Cred.ProjectID+"/ttsc/audition-file/"+id, nil)
		req.Header.Set("X-Auth-Token", token)
		var p timedPreview
		if resp := do(t, req, &p); resp.StatusCode != http.StatusOK {
			t.Fatalf("ShowTtsAuditionFile: %s", resp.Status)
		}
		return p
	}
	// Two sentences too long to share a segment: two files. The second
	// has characters outside ASCII, so code points and bytes differ.
	first := "The first sentence of this preview is long enough to be read on its own, in a file of its own."
	second := "Zoë’s café — “naïve” — serves crème brûlée to everyone who waits until the very end of it."
	check := func(t *testing.T, text, id string) timedPreview {
		t.Helper()
		// The official SDK still decodes the answer.
		resp := waitAudition(t, c, id)
		if resp.Code == nil || *resp.Code != "0" || resp.Files == nil {
			t.Fatalf("preview failed: code %v message %v", deref(resp.Code), deref(resp.Message))
		}
		p := show(id)
		if !p.IsFileComplete || p.Code != "0" || len(p.Files) != 2 || len(*resp.Files) != 2 {
			t.Fatalf("preview complete %v code %q with %d files (SDK: %d); want two", p.IsFileComplete, p.Code, len(p.Files), len(*resp.Files))
		}
		chars := []rune(text)
		lastChar := 0
		var all []string
		for i, f := range p.Files {
			if len(f.Words) == 0 {
				t.Fatalf("file %d has no words", i)
			}
			pcm, err := audio.DecodeWAV(download(t, f.DownloadURL))
			if err != nil {
				t.Fatal(err)
			}
			duration := pcm.Duration().Milliseconds()
			lastMs := int64(-1)
			for _, w := range f.Words {
				if w.BeginChar < lastChar || w.EndChar <= w.BeginChar || w.EndChar > len(chars) || string(chars[w.BeginChar:w.EndChar]) != w.Text {
					t.Errorf("file %d: word %+v is not the text's characters %d:%d after %d", i, w, w.BeginChar, w.EndChar, lastChar)
					continue
				}
				if w.BeginMs <= lastMs || w.EndMs < w.BeginMs || w.EndMs > duration+1 {
					t.Errorf("file %d (%d ms): word %+v after one beginning at %d ms", i, duration, w, lastMs)
				}
				lastChar, lastMs = w.EndChar, w.BeginMs
				all = append(all, w.Text)
			}
			if f.Words[0].BeginMs > duration/2 {
				t.Errorf("file %d (%d ms) starts with a word at %d ms", i, duration, f.Words[0].BeginMs)
			}
		}
		// Every run of letters of the text is (in) a word.
		joined := strings.Join(all, " ")
		for _, run := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if !strings.Contains(joined, run) {
				t.Errorf("%q is in no timed word: %q", run, all)
			}
		}
		return p
	}
	preview := func(text string) string {
		t.Helper()
		created, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{Text: text, Emotion: en}})
		if err != nil {
			t.Fatal(err)
		}
		return *created.JobId
	}

	text := first + " " + second
	var read timedPreview
	t.Run("OKFilesCarryWords", func(t *testing.T) {
		read = check(t, text, preview(text))
		if w := read.Files[1].Words[0]; w.Text != "Zoë’s" || w.BeginChar != len([]rune(first))+1 {
			t.Errorf("the second file's first word is %+v; want Zoë’s at code point %d", w, len([]rune(first))+1)
		}
	})
	if read.Files == nil {
		t.FailNow()
	}
	t.Run("OKStoredFilesCarryTheSameWords", func(t *testing.T) {
		id := preview(text)
		if p := show(id); !p.IsFileComplete {
			t.Fatal("an identical preview was not answered from the stored files at once")
		}
		again := check(t, text, id)
		if diff := cmp.Diff(read.Files[0].Words, again.Files[0].Words); diff != "" {
			t.Errorf("file 0 words differ from the first preview's (-first +again):\n%s", diff)
		}
		if diff := cmp.Diff(read.Files[1].Words, again.Files[1].Words); diff != "" {
			t.Errorf("file 1 words differ from the first preview's (-first +again):\n%s", diff)
		}
	})
	t.Run("OKStoredFilesTimedInTheirNewText", func(t *testing.T) {
		// The same sentences the other way round: both files are reused,
		// and their words point into this text.
		swapped := second + " " + first
		id := preview(swapped)
		if p := show(id); !p.IsFileComplete {
			t.Fatal("a preview of stored segments was not answered at once")
		}
		p := check(t, swapped, id)
		if p.Files[0].Words[0].Text != "Zoë’s" || p.Files[1].Words[0].BeginChar != len([]rune(second))+1 {
			t.Errorf("words %+v / %+v do not follow the new text", p.Files[0].Words[0], p.Files[1].Words[0])
		}
		if d := p.Files[0].Words[0].BeginMs - read.Files[1].Words[0].BeginMs; d != 0 {
			t.Errorf("the reused file's words moved by %d ms", d)
		}
	})
}
