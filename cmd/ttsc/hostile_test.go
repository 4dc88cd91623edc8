package main

// Hostile engine input: texts that could make the C engines slow, loop or
// crash, read by both engines through the official SDK. Each job must end
// within a bound, SUCCEED with audio that decodes or FAIL with a message
// saying which segment and why, and the server must stay healthy: a
// normal job right after succeeds.

import (
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	metastudio "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/metastudio/v1/model"

	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/audio/mp3"
)

// hostileSegmentTimeout stands in for the 30 s default in these tests:
// here flite takes about 3 s for a segment of 300 digits read at speed
// 50 (half that at speed 100), 0.7 s or more for 300 letters of one word
// at speed 50, and espeak-ng under 0.5 s for any segment of these texts
// (measured on a 2-CPU machine; jobs running at once take longer).
const hostileSegmentTimeout = 1500 * time.Millisecond

// randomRun is n characters drawn from alphabet, the same every run.
func randomRun(seed int64, n int, alphabet string) string {
	r := rand.New(rand.NewSource(seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.Intn(len(alphabet))]
	}
	return string(b)
}

// garbage is n code points of mixed scripts and of what is not text at
// all: C0 and C1 controls, bidi and zero-width controls, piles of
// combining marks, emoji with skin tones and joiners, private use,
// noncharacters, the replacement character, tag characters. (NUL, which
// is refused, has its own test.)
func garbage(n int) string {
	r := rand.New(rand.NewSource(7))
	ranges := [][2]rune{
		{0x01, 0x1f}, {0x7f, 0x9f}, // controls
		{0x41, 0x7a}, {0x400, 0x4ff}, {0x590, 0x6ff}, {0x900, 0x97f}, {0xe00, 0xe7f},
		{0x10a0, 0x10ff}, {0x1100, 0x11ff}, {0x3040, 0x30ff}, {0x4e00, 0x9fff}, {0xac00, 0xd7a3},
		{0x300, 0x36f},                                       // combining marks
		{0x200b, 0x200f}, {0x202a, 0x202e}, {0x2066, 0x2069}, // zero-width, bidi
		{0x1f300, 0x1f6ff}, {0x1f3fb, 0x1f3ff}, {0x200d, 0x200d}, // emoji, skin tones, ZWJ
		{0xe000, 0xe0ff}, {0xfdd0, 0xfdef}, {0xfffd, 0xffff}, // private use, noncharacters
		{0xe0001, 0xe007f}, {0x1d400, 0x1d4ff}, // tags, mathematical letters
	}
	var b strings.Builder
	for i := 0; i < n; i++ {
		if r.Intn(200) == 0 { // a letter drowned in combining marks
			b.WriteRune('a')
			for range 60 {
				b.WriteRune(0x300 + rune(r.Intn(0x70)))
			}
			i += 60
			continue
		}
		rg := ranges[r.Intn(len(ranges))]
		b.WriteRune(rg[0] + rune(r.Intn(int(rg[1]-rg[0]+1))))
	}
	return b.String()
}

// hostileOutcome is how a hostile job must end.
type hostileOutcome int

const (
	// succeeds: SUCCEED, with audio that decodes.
	succeeds hostileOutcome = iota
	// speaks: SUCCEED, with audio that is speech.
	speaks
	// missesDeadline: FAILED MSS.00000004 naming segment 1 and the
	// deadline; the engine host is replaced.
	missesDeadline
	// crashes: FAILED MSS.00000004 naming the segment and the crash of
	// the engine host, which is replaced.
	crashes
	// nearDeadline: succeeds or missesDeadline, for a text whose
	// segments take about as long as the deadline, so that the machine's
	// load decides.
	nearDeadline
)

func (o hostileOutcome) String() string {
	return [...]string{"Succeeds", "Speaks", "FailsAtDeadline", "FailsOnEngineCrash", "SucceedsOrFailsAtDeadline"}[o]
}

// hostileJob is one hostile request.
type hostileJob struct {
	name    string
	text    string
	preview bool // preview (one file a segment), else an async job
	format  string
	speed   int32
	pitch   int32
	volume  int32
	engine  string // espeak or flite
	lang    string // the voice's language (MetaStudio's value); default EN
	want    hostileOutcome
}

func TestHostileTexts(t *testing.T) {
	ts := startServer(t, "", func(c *ServeConfig) {
		c.SegmentTimeout = hostileSegmentTimeout
		c.RateSynthesis, c.RateQuery = 0, 0
	})
	c := ts.client(t, ts.Cred)
	voiceOf := map[string]string{"espeak": espeakVoice(t, "EN"), "flite": fliteVoice(t)}

	digits := randomRun(1, 10000, "0123456789")
	word := randomRun(2, 5000, "abcdefghijklmnopqrstuvwxyz")
	punct := strings.Repeat("!?.,;:", 1667)[:10000]
	dots := strings.Repeat(".", 10000)
	junk := garbage(3000)
	sentence := "The quick brown fox jumps over the lazy dog, twice."
	ssml := `<speak><prosody rate="x-slow" pitch="x-high" volume="x-loud">` + sentence + `</prosody>` +
		`<prosody rate="x-fast" pitch="x-low" volume="x-soft">` + sentence + `</prosody>` +
		`<prosody rate="+100%" pitch="200%"><prosody volume="+6dB">` + sentence + `</prosody></prosody></speak>`
	phonemes := map[string]string{
		"PhonemeJunk":      "[[" + strings.Repeat("@#$%^&*()_+=-{}|:;<>?,./~`'\"\\ 'aI 'i: 3: ", 40) + "]]",
		"PhonemeUnclosed":  "Read this [[ 'h@l oU and never close it " + strings.Repeat("[[", 100),
		"PhonemeNested":    strings.Repeat("[[", 200) + "a" + strings.Repeat("]]", 200),
		"PhonemeStress":    "[[" + strings.Repeat("'", 280) + "]] [[" + strings.Repeat(",", 280) + "]]",
		"PhonemeNonASCII":  "[[ɑːæʃʒθð你好🎉ʔ\u0301\u200d]] and [[\u0001\u0007\u001b]] done.",
		"PhonemeEmptyMany": strings.Repeat("[[]]", 2000),
	}

	var jobs []hostileJob
	for _, engine := range []string{"espeak", "flite"} {
		// flite needs seconds a segment of digits at speed 50, and about
		// the deadline for a segment of one long word; espeak-ng reads
		// both at once.
		digitsWant, digitsSpeed, wordWant := speaks, int32(0), speaks
		if engine == "flite" {
			digitsWant, digitsSpeed, wordWant = missesDeadline, 50, nearDeadline
		}
		jobs = append(jobs,
			hostileJob{name: "Digits10000", text: digits, engine: engine, speed: digitsSpeed, want: digitsWant},
			hostileJob{name: "Word5000Slow", text: word, engine: engine, speed: 50, preview: true, want: wordWant},
			hostileJob{name: "Punctuation10000", text: punct, engine: engine, preview: true, want: succeeds},
			hostileJob{name: "Dots10000", text: dots, engine: engine, format: "MP3", want: succeeds},
			hostileJob{name: "MixedScriptGarbage", text: junk, engine: engine, want: succeeds},
			hostileJob{name: "SlowLowQuiet", text: sentence, engine: engine, speed: 50, pitch: 50, volume: 90, preview: true, want: speaks},
			hostileJob{name: "FastHighLoud", text: sentence, engine: engine, speed: 200, pitch: 200, volume: 240, want: speaks},
			hostileJob{name: "SlowHighLoud", text: sentence, engine: engine, speed: 50, pitch: 200, volume: 240, format: "MP3", want: speaks},
			hostileJob{name: "SSMLProsodyExtremes", text: ssml, engine: engine, speed: 50, pitch: 200, volume: 240, want: speaks},
			hostileJob{name: "SSMLProsodyExtremesFast", text: ssml, engine: engine, speed: 200, pitch: 50, volume: 90, preview: true, want: speaks},
		)
	}
	for name, text := range phonemes {
		jobs = append(jobs, hostileJob{name: name, text: text, engine: "espeak", preview: true, want: succeeds})
	}
	// A real crash: espeak-ng 1.51 (Debian 12) aborts on a word of 80 or
	// more stacked "'s" suffixes ("buffer overflow detected"; fixed
	// upstream by espeak-ng pull request 2495) in its English, French
	// and Russian voices. flite reads it.
	suffixes := strings.Repeat("s'", 100)
	jobs = append(jobs,
		hostileJob{name: "StackedSuffixes", text: suffixes, engine: "espeak", want: crashes},
		hostileJob{name: "StackedSuffixesInText", text: "Hello there, this is fine. " + suffixes + " And goodbye.",
			engine: "espeak", preview: true, want: crashes},
		hostileJob{name: "StackedSuffixesFrench", text: suffixes, engine: "espeak", lang: "fr", preview: true, want: crashes},
		hostileJob{name: "StackedSuffixesRussian", text: suffixes, engine: "espeak", lang: "Russian", want: crashes},
		hostileJob{name: "StackedSuffixes", text: suffixes, engine: "flite", want: speaks},
	)
	slices.SortFunc(jobs, func(a, b hostileJob) int { return strings.Compare(a.name, b.name) })

	restartsBefore := scrape(t, ts.URL, `ttsc_engine_host_restarts_total`)
	var replaced atomic.Int32
	t.Run("Jobs", func(t *testing.T) {
		for _, job := range jobs {
			voice := voiceOf[job.engine]
			if job.lang != "" {
				voice = espeakVoice(t, job.lang)
			}
			t.Run(job.want.String()+"/"+job.engine+"/"+job.name, func(t *testing.T) {
				t.Parallel()
				if got := runHostile(t, c, voice, job); got == missesDeadline || got == crashes {
					replaced.Add(1)
				}
			})
		}
	})

	t.Run("OKServerHealthyAfter", func(t *testing.T) {
		resp, err := http.Get(ts.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/readyz %d", resp.StatusCode)
		}
		// Each deadline missed and each crash replaced one host;
		// nothing else did.
		if got := scrape(t, ts.URL, `ttsc_engine_host_restarts_total`) - restartsBefore; got != float64(replaced.Load()) {
			t.Errorf("%v engine hosts replaced, want %d (one per missed deadline or crash)", got, replaced.Load())
		}
		if strings.Contains(ts.Logs.String(), "panic") {
			t.Error("the server logged a panic")
		}
	})
}

// runHostile runs one hostile job, then a normal one with the same voice,
// and returns how the hostile job ended.
func runHostile(t *testing.T, c *metastudio.MetaStudioClient, voice string, job hostileJob) hostileOutcome {
	const bound = 90 * time.Second // the jobs queue for two engine hosts
	start := time.Now()
	var state, code, message string
	var urls []string
	if job.preview {
		created, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{
			Text: job.text, Emotion: voice, Speed: nonZero(job.speed), Pitch: nonZero(job.pitch), Volume: nonZero(job.volume)}})
		if err != nil {
			t.Fatalf("CreateTtsAudition: %v", err)
		}
		r := waitAuditionWithin(t, c, *created.JobId, bound)
		state, code, message = "SUCCEED", deref(r.Code).(string), deref(r.Message).(string)
		if code != "0" {
			state = "FAILED"
		}
		for _, f := range *r.Files {
			urls = append(urls, f.DownloadUrl)
		}
	} else {
		body := &model.CreateAsyncTtsJobRequestBody{Text: job.text, VoiceAssetId: voice,
			Speed: nonZero(job.speed), Pitch: nonZero(job.pitch), Volume: nonZero(job.volume),
			NeedTimestamp: ptr(true), GenSrt: ptr(true)}
		if job.format == "MP3" {
			body.AudioFormat = ptr(model.GetCreateAsyncTtsJobRequestBodyAudioFormatEnum().MP3)
		}
		created, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: body})
		if err != nil {
			t.Fatalf("CreateAsyncTtsJob: %v", err)
		}
		r := waitAsyncWithin(t, c, *created.JobId, bound, nil)
		state, code, message = *r.State, deref(r.Code).(string), deref(r.Message).(string)
		if r.AudioFileUrl != nil {
			urls = append(urls, *r.AudioFileUrl)
		}
		for _, u := range []*string{r.AudioSrtFileUrl, r.AudioInfoFileUrl} {
			if state == "SUCCEED" && (u == nil || *u == "") {
				t.Error("SUCCEED without its subtitle or timing file")
			} else if u != nil {
				fetch(t, *u)
			}
		}
	}
	t.Logf("%s %s %s after %v: %q", job.engine, job.name, state, time.Since(start).Round(time.Millisecond), message)

	want := job.want
	if want == nearDeadline {
		want = succeeds
		if state == "FAILED" {
			want = missesDeadline
		}
	}
	switch want {
	case succeeds, speaks:
		if state != "SUCCEED" {
			t.Fatalf("ended %s code %s: %s", state, code, message)
		}
		if len(urls) == 0 {
			t.Fatal("SUCCEED without audio")
		}
		var all audio.PCM
		for _, u := range urls {
			b, _ := fetch(t, u)
			var p *audio.PCM
			var err error
			if job.format == "MP3" {
				p, err = mp3.Decode(b)
			} else {
				p, err = audio.DecodeWAV(b)
			}
			if err != nil {
				t.Fatalf("%s: audio does not decode: %v", u, err)
			}
			all.Rate, all.Channels = p.Rate, p.Channels
			all.Samples = append(all.Samples, p.Samples...)
		}
		t.Logf("%d files, %v of audio", len(urls), time.Duration(len(all.Samples)/max(all.Channels, 1))*time.Second/time.Duration(max(all.Rate, 1)))
		if job.want == speaks {
			if err := audio.CheckSpeech(&all); err != nil {
				t.Errorf("audio is not speech: %v", err)
			}
		}
	case missesDeadline:
		if state != "FAILED" || code != "MSS.00000004" {
			t.Fatalf("ended %s code %s (%s), want FAILED MSS.00000004 at the segment deadline", state, code, message)
		}
		// A text near the deadline may miss it at a later segment,
		// after the files of the earlier ones.
		first := job.want == missesDeadline
		if !strings.Contains(message, map[bool]string{true: "segment 1 of ", false: "segment "}[first]) ||
			!strings.Contains(message, "within "+hostileSegmentTimeout.String()) {
			t.Errorf("message %q does not name the segment and the deadline", message)
		}
		if first && len(urls) != 0 {
			t.Errorf("FAILED at segment 1 yet lists files %v", urls)
		}
	case crashes:
		if state != "FAILED" || code != "MSS.00000004" {
			t.Fatalf("ended %s code %s (%s), want FAILED MSS.00000004 on the engine crash", state, code, message)
		}
		if !strings.Contains(message, "segment ") || !strings.Contains(message, "engine host crashed") {
			t.Errorf("message %q does not name the segment and the crash", message)
		}
	}

	// The engine host that read it (or its replacement) reads the next
	// job as usual.
	p, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{
		Text: "A normal sentence, read right after " + job.name + ".", Emotion: voice}})
	if err != nil {
		t.Fatalf("normal preview after it: %v", err)
	}
	r := waitAuditionWithin(t, c, *p.JobId, bound)
	if deref(r.Code) != "0" || len(*r.Files) == 0 {
		t.Fatalf("normal preview after it: code %v %v", deref(r.Code), deref(r.Message))
	}
	b, _ := fetch(t, (*r.Files)[0].DownloadUrl)
	pcm, err := audio.DecodeWAV(b)
	if err == nil {
		err = audio.CheckSpeech(pcm)
	}
	if err != nil {
		t.Errorf("normal preview after it: %v", err)
	}
	return want
}

// waitAuditionWithin polls a preview until it is complete, for at most
// within.
func waitAuditionWithin(t *testing.T, c *metastudio.MetaStudioClient, id string, within time.Duration) *model.ShowTtsAuditionFileResponse {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		resp, err := c.ShowTtsAuditionFile(&model.ShowTtsAuditionFileRequest{JobId: id})
		if err != nil {
			t.Fatalf("ShowTtsAuditionFile: %v", err)
		}
		if resp.IsFileComplete != nil && *resp.IsFileComplete {
			return resp
		}
		if time.Now().After(deadline) {
			t.Fatalf("preview %s not complete after %v", id, within)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func nonZero(v int32) *int32 {
	if v == 0 {
		return nil
	}
	return &v
}

// TestHostileSegmentDeadline has an engine host overrun the segment
// deadline while other jobs run: the host must be killed and replaced
// (its process gone, the pool back to full strength), its job FAILED
// with the reason, and the other jobs must succeed.
func TestHostileSegmentDeadline(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("counts engine host processes in /proc")
	}
	ts := startServer(t, "", func(c *ServeConfig) {
		c.SegmentTimeout = hostileSegmentTimeout
		c.RateSynthesis, c.RateQuery = 0, 0
	})
	c := ts.client(t, ts.Cred)
	before := engineHosts(t)
	if len(before) != 2 {
		t.Fatalf("%d engine hosts run (%v), want 2", len(before), before)
	}
	restarts := scrape(t, ts.URL, `ttsc_engine_host_restarts_total`)

	// flite reads 300 digits at speed 50 for about 3 s: twice the deadline.
	slow, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
		Text: randomRun(3, 900, "0123456789"), VoiceAssetId: fliteVoice(t), Speed: ptr(int32(50))}})
	if err != nil {
		t.Fatal(err)
	}
	var normal []string
	for i := range 6 {
		voice := fliteVoice(t)
		if i%2 == 1 {
			voice = espeakVoice(t, "EN")
		}
		p, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{
			Text: fmt.Sprintf("Job %d keeps going. It has two sentences.", i), Emotion: voice}})
		if err != nil {
			t.Fatal(err)
		}
		normal = append(normal, *p.JobId)
	}

	job := waitAsyncWithin(t, c, *slow.JobId, 30*time.Second, nil)
	t.Run("ErrOverrunFailsItsJob", func(t *testing.T) {
		msg := deref(job.Message).(string)
		if *job.State != "FAILED" || deref(job.Code) != "MSS.00000004" ||
			!strings.Contains(msg, "segment 1 of 3") || !strings.Contains(msg, "within "+hostileSegmentTimeout.String()) {
			t.Errorf("job %s code %v %q; want FAILED MSS.00000004 naming segment 1 of 3 and the deadline", *job.State, deref(job.Code), msg)
		}
	})
	t.Run("OKOtherJobsSucceed", func(t *testing.T) {
		for _, id := range normal {
			r := waitAuditionWithin(t, c, id, 30*time.Second)
			if deref(r.Code) != "0" || len(*r.Files) == 0 {
				t.Errorf("preview %s: code %v %v", id, deref(r.Code), deref(r.Message))
			}
		}
	})
	t.Run("OKHostReplaced", func(t *testing.T) {
		if got := scrape(t, ts.URL, `ttsc_engine_host_restarts_total`) - restarts; got != 1 {
			t.Errorf("%v engine hosts replaced, want 1", got)
		}
		// The killed host is gone and a new one runs in its place.
		deadline := time.Now().Add(10 * time.Second)
		for {
			after := engineHosts(t)
			gone, kept := 0, 0
			for _, pid := range before {
				if slices.Contains(after, pid) {
					kept++
				} else {
					gone++
				}
			}
			if len(after) == 2 && gone == 1 && kept == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("engine hosts %v before, %v after; want one replaced, two running", before, after)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// Both hosts work: two previews at once both succeed.
		var ids []string
		for _, voice := range []string{fliteVoice(t), fliteVoice(t)} {
			p, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{
				Text: "Both hosts answer. " + strconv.Itoa(len(ids)), Emotion: voice}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, *p.JobId)
		}
		for _, id := range ids {
			if r := waitAuditionWithin(t, c, id, 30*time.Second); deref(r.Code) != "0" {
				t.Errorf("preview after the replacement: %v %v", deref(r.Code), deref(r.Message))
			}
		}
	})
}

// engineHosts lists the engine host processes of this test process:
// children running the test binary as an engine host.
func engineHosts(t *testing.T) []int {
	t.Helper()
	self := os.Getpid()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parens.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 2 || fields[1] != strconv.Itoa(self) || fields[0] == "Z" {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if strings.Contains(string(cmdline), "-test.run=^$") {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids
}

// TestHostileNUL sends the NUL character (U+0000), which JSON carries as
// \u0000: PostgreSQL cannot store it and C strings end at it. Every
// backend must refuse it alike with 400 naming the field, never 500.
func TestHostileNUL(t *testing.T) {
	ts := startServer(t, "", func(c *ServeConfig) { c.RateSynthesis, c.RateManage = 0, 0 })
	c := ts.client(t, ts.Cred)
	voice := espeakVoice(t, "EN")
	for _, test := range []struct {
		name    string
		call    func() error
		mention string
	}{
		{"ErrPreviewText", func() error {
			_, err := c.CreateTtsAudition(&model.CreateTtsAuditionRequest{Body: &model.CreateTtsAuditionRequestBody{
				Text: "Read up to here\x00 and not beyond.", Emotion: voice}})
			return err
		}, "field text must not contain the NUL character (U+0000), found at character 16"},
		{"ErrAsyncTTSText", func() error {
			_, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
				Text: "Shown.", TtsText: ptr("\x00"), VoiceAssetId: voice}})
			return err
		}, "field tts_text must not contain the NUL character"},
		{"ErrSSMLText", func() error {
			_, err := c.CreateAsyncTtsJob(&model.CreateAsyncTtsJobRequest{Body: &model.CreateAsyncTtsJobRequestBody{
				Text: "<speak>A<break time=\"1s\"/>\x00B</speak>", VoiceAssetId: voice}})
			return err
		}, "U+0000"},
	} {
		t.Run(test.name, func(t *testing.T) {
			err := test.call()
			sdkError(t, err, http.StatusBadRequest, "MSS.00000003")
			if err != nil && !strings.Contains(err.Error(), test.mention) {
				t.Errorf("%v does not say %q", err, test.mention)
			}
		})
	}
	t.Run("OKOtherFieldsNever500", func(t *testing.T) {
		// Pronunciation entries and group names: refused on PostgreSQL,
		// kept on SQLite, never an internal error.
		_, err := c.CreateTtscVocabularyConfigs(&model.CreateTtscVocabularyConfigsRequest{Body: &model.SaveTtscVocabularyConfigsRequestBody{
			Type: model.GetSaveTtscVocabularyConfigsRequestBodyTypeEnum().ALIAS, Key: ptr("N\x00L"), Value: ptr("nul")}})
		if err != nil {
			sdkError(t, err, http.StatusBadRequest, "MSS.00000003")
		}
		_, err = c.CreateTtscVocabularyGroups(&model.CreateTtscVocabularyGroupsRequest{Body: &model.SaveTtscVocabularyGroupsRequestBody{GroupName: ptr("g\x00")}})
		if err != nil {
			sdkError(t, err, http.StatusBadRequest, "MSS.00000003")
		}
	})
}
