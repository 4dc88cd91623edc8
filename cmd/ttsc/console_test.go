package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
	"github.com/openttsc/ttsc/internal/auth"
	"github.com/openttsc/ttsc/internal/console"
	"github.com/openttsc/ttsc/internal/voices"
)

var consoleScreenshot = flag.String("console-screenshot", "",
	"write a screenshot of the console's preview to this PNG file (docs/console.png)")

// chromiumPath finds the browser the console tests drive.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// consoleBrowser is one headless Chromium tab on the console.
type consoleBrowser struct {
	ctx       context.Context
	artifacts string
	downloads string

	mu       sync.Mutex
	problems []string // uncaught exceptions and policy violations
}

// newConsoleBrowser starts headless Chromium, or skips the test when there
// is none (unless TTSC_REQUIRE_ENGINES is set).
func newConsoleBrowser(t *testing.T) *consoleBrowser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("TTSC_REQUIRE_ENGINES") != "" {
			t.Fatal("chromium is required (TTSC_REQUIRE_ENGINES is set) but not installed; `scripts/deps.sh test` installs it")
		}
		t.Skip("chromium is not installed, so the console's browser tests cannot run; `scripts/deps.sh test` installs it " +
			"(set TTSC_REQUIRE_ENGINES=1 to make this a failure)")
	}
	b := &consoleBrowser{artifacts: os.Getenv("TTSC_TEST_ARTIFACTS"), downloads: t.TempDir()}
	if b.artifacts == "" {
		b.artifacts = t.TempDir()
	}
	if err := os.MkdirAll(b.artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	b.ctx = ctx
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			text := m.String()
			if m.IsException() || m.Source == "security" || strings.Contains(text, "Content Security Policy") {
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("%s (%s:%d)", text, m.URL, m.Line+1))
				b.mu.Unlock()
			}
		}
	}()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: b.downloads,
	}); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("the page reported: %s", p)
		}
	})
	return b
}

// do runs actions in the tab and fails the test on error.
func (b *consoleBrowser) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.shot(t, "failed")
		t.Fatalf("%s: %v%s", what, err, b.pageState(t))
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) into T.
func evalJS[T any](t *testing.T, b *consoleBrowser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.shot(t, "failed")
		t.Fatalf("evaluating %.80q: %v", expr, err)
	}
	return v
}

// wait polls a JavaScript condition until it holds.
func (b *consoleBrowser) wait(t *testing.T, what, cond string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](cond,
		chromedp.WithPollingInterval(40*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		b.shot(t, "failed")
		t.Fatalf("waiting for %s: %v%s", what, err, b.pageState(t))
	}
}

// pageState is what the page shows in its error and status lines, for
// failure messages.
func (b *consoleBrowser) pageState(t *testing.T) string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.error:not([hidden]), .status, .validation')]
		.map(e => (e.id || e.className) + ': ' + e.textContent.trim()).filter(s => !s.endsWith(': ')).join('\n')`))
	if err != nil || s == "" {
		return ""
	}
	return "\nthe page shows:\n" + s
}

// shot saves a screenshot of the whole page as an artifact named after
// the test.
func (b *consoleBrowser) shot(t *testing.T, suffix string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	name := regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name()+"-"+suffix, "_") + ".png"
	if err := os.WriteFile(filepath.Join(b.artifacts, name), png, 0o644); err != nil {
		t.Logf("screenshot: %v", err)
	}
}

// set gives a form field a value the way typing does: input and change
// events follow.
func (b *consoleBrowser) set(t *testing.T, id, value string) {
	t.Helper()
	v, _ := json.Marshal(value)
	evalJS[chromedp.Void](t, b, fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %s;
		e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()`, id, v))
}

func (b *consoleBrowser) text(t *testing.T, id string) string {
	t.Helper()
	return evalJS[string](t, b, fmt.Sprintf(`document.getElementById(%q).textContent`, id))
}

// apiCall sends a request with a token to the test server and decodes the
// answer.
func apiCall(t *testing.T, ts *testServer, token, method, path string, body any, v any) int {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, ts.URL+"/v1/"+ts.Cred.ProjectID+path, rd)
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Content-Type", "application/json")
	return do(t, req, v).StatusCode
}

// engineVoice returns the asset ID of a catalogue voice by engine voice name.
func engineVoice(t *testing.T, name string) string {
	t.Helper()
	for _, v := range voices.Catalog() {
		if v.EngineVoice == name && !v.Preset {
			return v.ID
		}
	}
	t.Fatalf("no voice %s in the catalogue", name)
	return ""
}

type fixedCredential struct{ c *ttsc.Credential }

func (f fixedCredential) Credential(_ context.Context, ak string) (*ttsc.Credential, error) {
	if ak != f.c.AccessKey {
		return nil, ttsc.Errorf(ttsc.ENOTFOUND, "no key %s", ak)
	}
	return f.c, nil
}

// TestConsole drives the web console in headless Chromium against a real
// server: sign-in both ways, the voice gallery, previews with playback and
// word highlighting, validation, pronunciations and async jobs.
func TestConsole(t *testing.T) {
	if testMode == "postgres-s3" {
		t.Skip("the console plays audio from download URLs of its own origin; with S3 they are presigned S3 URLs, " +
			"which its Content-Security-Policy does not allow (docs/console.md)")
	}
	b := newConsoleBrowser(t)
	ts := startServer(t, "")
	token := ts.token(t)
	project := ts.Cred.ProjectID
	b.do(t, "opening the console", chromedp.Navigate(ts.URL+"/"))

	t.Run("ServesThePageAndKeepsAPIErrors", func(t *testing.T) {
		resp, err := http.Get(ts.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != console.ContentSecurityPolicy ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET /: %d, headers %v", resp.StatusCode, resp.Header)
		}
		for _, c := range []struct {
			method, path string
			status       int
			code         string
		}{
			{"GET", "/v2/nothing", 404, "MSS.00010003"},
			{"GET", "/v1/" + project + "/ttsc/nothing", 404, "MSS.00010003"},
			{"POST", "/", 405, "MSS.00010004"},
			{"DELETE", "/console/js/app.js", 405, "MSS.00010004"},
		} {
			req, _ := http.NewRequest(c.method, ts.URL+c.path, nil)
			var body struct{ ErrorCode, RequestID string }
			var raw map[string]string
			resp := do(t, req, &raw)
			body.ErrorCode, body.RequestID = raw["error_code"], raw["request_id"]
			if resp.StatusCode != c.status || body.ErrorCode != c.code || body.RequestID == "" {
				t.Errorf("%s %s: %d %v, want %d with error_code %s", c.method, c.path, resp.StatusCode, raw, c.status, c.code)
			}
		}
	})

	t.Run("SignerMatchesTheServer", func(t *testing.T) {
		// The page's signer, run in the browser, against the server's
		// verifier: paths, queries and bodies with characters that
		// encode differently in JavaScript and Go.
		cases := []struct {
			Name   string              `json:"name"`
			Method string              `json:"method"`
			Path   string              `json:"path"`
			Params map[string][]string `json:"params"`
			Body   string              `json:"body"`
		}{
			{"GetWithQuery", "GET", "/digital-assets", map[string][]string{"asset_type": {"VOICE_MODEL"}, "limit": {"100"}, "offset": {"0"}}, ""},
			{"PostWithUnicodeBody", "POST", "/ttsc/audition", nil, `{"text":"你好 — «ça va?» 👋","emotion":"x"}`},
			{"QueryNeedsEscaping", "GET", "/ttsc/vocabulary-configs",
				map[string][]string{"search_key": {"a b+c/d*e'(f)!~", "重庆"}, "type": {"ALIAS"}, "empty": {""}}, ""},
			{"DeleteWithBody", "DELETE", "/ttsc/vocabulary-configs", nil, `{"id":["0123"]}`},
			{"PutPathSegment", "PUT", "/ttsc/vocabulary-configs/ab%20cd", nil, `{}`},
		}
		in, _ := json.Marshal(cases)
		const sk = "9hV1mYc0ex3q7rKzLr8dGmXjJ2bXNw2Fy4lTqS0u"
		type signed struct {
			EscapedPath   string `json:"escapedPath"`
			RawQuery      string `json:"rawQuery"`
			Date          string `json:"date"`
			Authorization string `json:"authorization"`
		}
		out := evalJS[[]signed](t, b, fmt.Sprintf(`(async () => {
			const s = await import('/console/js/signer.js');
			const a = await import('/console/js/api.js');
			const out = [];
			for (const c of %s) {
				const escapedPath = '/v1/%s' + c.path;
				const rawQuery = a.query(c.params || {});
				const h = await s.sign({method: c.method, escapedPath, rawQuery, contentType: 'application/json',
					host: 'tts.example.com:8443', body: c.body, accessKey: 'AKTEST', secretKey: %q});
				out.push({escapedPath, rawQuery, date: h['X-Sdk-Date'], authorization: h.Authorization});
			}
			return out;
		})()`, in, project, sk))
		cred := &ttsc.Credential{AccessKey: "AKTEST", SecretKey: sk, ProjectID: project}
		for i, c := range cases {
			t.Run(c.Name, func(t *testing.T) {
				s := out[i]
				u := "http://tts.example.com:8443" + s.EscapedPath
				if s.RawQuery != "" {
					u += "?" + s.RawQuery
				}
				r := httptest.NewRequest(c.Method, u, strings.NewReader(c.Body))
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("X-Sdk-Date", s.Date)
				r.Header.Set("Authorization", s.Authorization)
				date, err := time.Parse(auth.DateFormat, s.Date)
				if err != nil {
					t.Fatalf("X-Sdk-Date %q: %v", s.Date, err)
				}
				v := &auth.Verifier{Credentials: fixedCredential{cred}, Now: func() time.Time { return date }}
				if _, err := v.Verify(context.Background(), r, []byte(c.Body)); err != nil {
					t.Errorf("the server refuses the page's signature: %v\n%s %s\nAuthorization: %s", err, c.Method, u, s.Authorization)
				}
				if _, err := v.Verify(context.Background(), r, []byte(c.Body+" ")); err == nil {
					t.Error("a changed body still verifies")
				}
			})
		}
	})

	if !t.Run("SignsInWithAToken", func(t *testing.T) {
		b.do(t, "filling in a wrong token",
			chromedp.WaitVisible(chromedp.ID("token-project")),
			chromedp.SendKeys(chromedp.ID("token-project"), project),
			chromedp.SendKeys(chromedp.ID("token-value"), "ttsc_not-a-token"),
			chromedp.Click(chromedp.ID("token-submit")))
		b.wait(t, "the refusal", `(() => { const e = document.getElementById('signin-error');
			return !e.hidden && e.textContent.includes('did not accept your credentials') && e.querySelector('.request-id') })()`, 10*time.Second)
		b.set(t, "token-value", "")
		b.do(t, "pasting the token",
			chromedp.SendKeys(chromedp.ID("token-value"), token),
			chromedp.Click(chromedp.ID("token-submit")))
		b.wait(t, "the signed-in console", `document.body.dataset.ready === 'true'`, 15*time.Second)
		if who := b.text(t, "who-text"); !strings.Contains(who, project) || !strings.Contains(who, "token") {
			t.Errorf("header says %q", who)
		}
		state := evalJS[map[string]any](t, b, `({href: location.href, local: localStorage.length, cookie: document.cookie,
			session: sessionStorage.getItem('ttsc.console.session'), field: document.getElementById('token-value').value})`)
		if state["href"] != ts.URL+"/" || state["local"] != float64(0) || state["cookie"] != "" || state["field"] != "" {
			t.Errorf("credentials must stay out of URLs, cookies, localStorage and the form: %v", state)
		}
		if s, _ := state["session"].(string); !strings.Contains(s, token) {
			t.Errorf("sessionStorage holds %q, want the token", s)
		}
		b.shot(t, "signed-in")
		// Signing out reloads the page, so nothing of the session stays
		// in memory.
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		defer cancel()
		if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.ID("sign-out")))); err != nil {
			t.Fatalf("signing out: %v", err)
		}
		b.wait(t, "the sign-in form", `!document.getElementById('signin').hidden && document.body.dataset.signedIn === 'false'`, 10*time.Second)
		if n := evalJS[int](t, b, `sessionStorage.length`); n != 0 {
			t.Errorf("sessionStorage keeps %d items after signing out", n)
		}
	}) {
		t.FailNow()
	}

	if !t.Run("SignsInWithAnAccessKeyPair", func(t *testing.T) {
		// Every request from here on is signed in the browser: GETs with
		// queries, POSTs, PUTs and DELETEs with bodies.
		b.do(t, "filling in the key pair",
			chromedp.WaitVisible(chromedp.ID("aksk-project")),
			chromedp.SendKeys(chromedp.ID("aksk-project"), project),
			chromedp.SendKeys(chromedp.ID("aksk-ak"), ts.Cred.AccessKey),
			chromedp.SendKeys(chromedp.ID("aksk-sk"), ts.Cred.SecretKey),
			chromedp.Click(chromedp.ID("aksk-submit")))
		b.wait(t, "the signed-in console", `document.body.dataset.ready === 'true'`, 15*time.Second)
		b.wait(t, "the voices, listed with signed requests", `document.querySelectorAll('#voice-grid .voice-card').length === 12`, 10*time.Second)
		if href := evalJS[string](t, b, `location.href`); strings.Contains(href, ts.Cred.SecretKey) || strings.Contains(href, ts.Cred.AccessKey) {
			t.Errorf("the URL %q holds credentials", href)
		}
		if ts.Logs != nil && strings.Contains(ts.Logs.String(), ts.Cred.SecretKey) {
			t.Error("the server logged the secret key")
		}
	}) {
		t.FailNow()
	}

	t.Run("FiltersVoices", func(t *testing.T) {
		for _, c := range []struct {
			language, sex, engine string
		}{
			{"EN", "FEMALE", "flite"},
			{"EN", "", "espeak"},
			{"CN", "MALE", ""},
			{"", "FEMALE", ""},
		} {
			t.Run(strings.Trim(c.language+"-"+c.sex+"-"+c.engine, "-"), func(t *testing.T) {
				f := voices.Filter{Engine: c.engine}
				if c.language != "" {
					f.Languages = []string{c.language}
				}
				if c.sex != "" {
					f.Sexes = []string{c.sex}
				}
				want := voices.List(f)
				b.set(t, "voice-language", c.language)
				b.set(t, "voice-sex", c.sex)
				b.set(t, "voice-engine", c.engine)
				n := min(len(want), 12)
				// The count alone may match a filter set part way (same
				// count, other engine): wait for the first cards too.
				ids := make([]string, n)
				for i := range n {
					ids[i] = want[i].ID
				}
				first, _ := json.Marshal(ids)
				const cards = `[...document.querySelectorAll('#voice-grid .voice-card')].map(c => c.dataset.assetId)`
				b.wait(t, "the filtered voices", fmt.Sprintf(`document.getElementById('voice-count').dataset.count === '%d' && JSON.stringify(%s) === %q`,
					len(want), cards, first), 10*time.Second)
				got := evalJS[[]string](t, b, cards)
				if len(got) != n {
					t.Fatalf("%d cards, want %d", len(got), n)
				}
				for i := range n {
					if got[i] != want[i].ID {
						t.Errorf("card %d is %s, want %s (%s)", i, got[i], want[i].ID, want[i].Name)
					}
				}
			})
		}
		t.Run("PlaysASample", func(t *testing.T) {
			b.set(t, "voice-language", "EN")
			b.set(t, "voice-sex", "FEMALE")
			b.set(t, "voice-engine", "flite")
			b.wait(t, "one voice", `document.getElementById('voice-count').dataset.count === '1'`, 10*time.Second)
			b.do(t, "playing its sample", chromedp.Click(chromedp.CSS("#voice-grid .voice-card button.play")))
			b.wait(t, "the sample playing", `(() => { const a = document.getElementById('voice-audio');
				return !a.paused && a.currentTime > 0.2 && document.querySelector('.voice-card[data-state=playing]') })()`, 20*time.Second)
			b.do(t, "copying the ID", chromedp.Click(chromedp.CSS("#voice-grid .voice-card button.copy")))
			b.wait(t, "the copy confirmation", `document.querySelector('.voice-card .card-status').textContent.includes('ID')`, 5*time.Second)
			b.shot(t, "sample")
			b.do(t, "stopping it", chromedp.Click(chromedp.CSS("#voice-grid .voice-card button.play")))
		})
	})

	t.Run("ValidatesAsYouTypeLikeTheServer", func(t *testing.T) {
		b.do(t, "opening the preview", chromedp.Click(chromedp.ID("tab-preview")))
		voice := engineVoice(t, "slt")
		for _, c := range []struct{ name, text string }{
			{"Empty", ""},
			{"OnlySpace", " \n\t\u3000"},
			{"TooLong", strings.Repeat("a", ttsc.MaxTextRunes+1)},
			{"TooLongWithMarkup", "<speak>" + strings.Repeat("é", ttsc.MaxTextRunes+1) + "</speak>"},
			{"OnlyMarkup", `<speak><break time="1s"/> </speak>`},
			{"ProsodyWord", `<speak><prosody rate="fastest">Hi</prosody></speak>`},
			{"ProsodyNested", `<speak><prosody rate="x-fast"><prosody rate="+50%">Hi</prosody></prosody></speak>`},
			{"VolumeDecibels", `<speak><prosody volume="+9dB">Hi</prosody></speak>`},
			{"BreakTooLong", "<speak>Wait\n  <break time=\"12s\"/> now</speak>"},
			{"BreakStrength", `<speak>A <break strength="huge"/> b</speak>`},
			{"BreaksAddUp", "<speak>a" + strings.Repeat(`<break time="10s"/>`, 13) + "</speak>"},
			{"SubAlias", `<speak><sub>WHO</sub></speak>`},
			{"SayAs", "<speak>日本語 &amp;\n <say-as interpret-as=\"shout\">x</say-as></speak>"},
			{"Pinyin", `<speak><phoneme alphabet="pinyin" ph="chong9">重</phoneme></speak>`},
			{"Alphabet", `<speak><phoneme alphabet="x-sampa" ph="a">a</phoneme></speak>`},
			{"Unknown", `<speak><p>Hi</p><foo>x</foo></speak>`},
			{"Attribute", `<speak><break time="1s" size="2"/></speak>`},
			{"LeafChild", `<speak>Hi <w>a<b/>c</w></speak>`},
			{"MarkText", `<speak><mark name="m">text</mark></speak>`},
			{"NestedSpeak", `<speak><speak>x</speak></speak>`},
			{"Root", `<speaker>x</speaker>`},
			{"Deep", "<speak>" + strings.Repeat("<emotion>", 32) + "x" + strings.Repeat("</emotion>", 32) + "</speak>"},
			{"Mismatch", "<speak>Hi\n<prosody rate=\"slow\">there</speak>"},
			{"Unclosed", "<speak>Hi <sub alias=\"x\">y</sub>"},
			{"Entity", `<speak>Fish &chips;</speak>`},
			{"Unquoted", `<speak><break time=1s/></speak>`},
			{"LessThanInValue", `<speak><sub alias="a<b">x</sub></speak>`},
			{"Version", `<?xml version="1.1"?><speak>x</speak>`},
			{"TextAfterRoot", `<speak>x</speak><speak>y</speak>`},
			{"Comment", `<speak>a <!-- a -- b --> c</speak>`},
			{"Valid", `<?xml version="1.0"?><speak xml:lang="en">Hi <break time="500ms"/><sub alias="World Health Organization">WHO</sub>.</speak>`},
			{"ValidCDATA", `<speak><![CDATA[<x> & y]]> &#x263A; &lt;</speak>`},
		} {
			t.Run(c.name, func(t *testing.T) {
				var refused struct {
					ErrorMsg string `json:"error_msg"`
					JobID    string `json:"job_id"`
				}
				apiCall(t, ts, token, "POST", "/ttsc/audition", map[string]any{"text": c.text, "emotion": voice}, &refused)
				b.set(t, "preview-text", c.text)
				got := b.text(t, "preview-validation")
				switch {
				case refused.JobID != "":
					if got != "" {
						t.Errorf("the server accepts the text, the page says %q", got)
					}
				default:
					if got != refused.ErrorMsg {
						t.Errorf("the page says\n  %q\nthe server\n  %q", got, refused.ErrorMsg)
					}
				}
			})
		}
	})

	t.Run("ShowsTheServersRefusalVerbatim", func(t *testing.T) {
		// IPA symbols are the server's to check: the page lets this
		// through and shows the server's words.
		text := `<speak>Say <phoneme alphabet="ipa" ph="ʘa">this</phoneme>.</speak>`
		var want struct {
			ErrorMsg string `json:"error_msg"`
		}
		apiCall(t, ts, token, "POST", "/ttsc/audition", map[string]any{"text": text, "emotion": engineVoice(t, "en-us+f5")}, &want)
		if want.ErrorMsg == "" {
			t.Fatal("the server accepts the IPA; pick another symbol")
		}
		b.set(t, "preview-voice", engineVoice(t, "en-us+f5"))
		b.set(t, "preview-text", text)
		if got := b.text(t, "preview-validation"); got != "" {
			t.Fatalf("the page refuses it itself: %q", got)
		}
		b.do(t, "previewing", chromedp.Click(chromedp.ID("preview-submit")))
		b.wait(t, "the server's refusal", fmt.Sprintf(`(() => { const e = document.getElementById('preview-error');
			return !e.hidden && e.textContent.includes(%q) && e.querySelector('.request-id').textContent.length > 0 })()`, want.ErrorMsg), 10*time.Second)
		b.shot(t, "refused")
	})

	t.Run("PreviewsAText", func(t *testing.T) {
		b.set(t, "preview-voice", engineVoice(t, "slt"))
		// The break ends a segment: two files, played one after the other.
		b.set(t, "preview-text", `<speak>Hello there, and welcome to the console.<break time="300ms"/>`+
			`Every word of this sentence lights up while it is read aloud.</speak>`)
		b.do(t, "previewing", chromedp.Click(chromedp.ID("preview-submit")))
		t.Run("PlaysTheAudio", func(t *testing.T) {
			b.wait(t, "the audio playing", `(() => { const a = document.getElementById('player-audio');
				return !a.paused && a.currentTime > 0.1 })()`, 20*time.Second)
			start := evalJS[float64](t, b, `document.getElementById('player-audio').currentTime`)
			b.wait(t, "the playback advancing", fmt.Sprintf(`document.getElementById('player-audio').currentTime > %f + 0.3`, start), 5*time.Second)
			if d := evalJS[float64](t, b, `Number(document.getElementById('waveform').dataset.duration)`); d < 1 {
				t.Errorf("the waveform shows %.2f s of audio", d)
			}
		})
		t.Run("HighlightsTheWordSpoken", func(t *testing.T) {
			b.wait(t, "word timings", `document.getElementById('transcript').dataset.timed === 'true'`, 20*time.Second)
			b.wait(t, "the highlight moving", `(() => {
				const w = document.querySelector('#transcript .word.current');
				if (w) (window.seenWords ||= new Set()).add(w.dataset.index);
				return window.seenWords && window.seenWords.size >= 3; })()`, 15*time.Second)
			// The timings come with the preview's files: no async job
			// is made for them.
			var asyncJobs struct {
				Count int `json:"count"`
			}
			apiCall(t, ts, token, "GET", "/ttsc/tts-jobs?job_type=ASYNC_JOB", nil, &asyncJobs)
			if asyncJobs.Count != 0 {
				t.Errorf("the preview made %d async jobs; want none", asyncJobs.Count)
			}
			words := evalJS[[]string](t, b, `[...document.querySelectorAll('#transcript .word')].map(w => w.textContent)`)
			if len(words) < 15 || words[0] != "Hello" || b.text(t, "transcript") != "Hello there, and welcome to the console. "+
				"Every word of this sentence lights up while it is read aloud." {
				t.Errorf("timed words %q in %q", words, b.text(t, "transcript"))
			}
			// Into the second segment: its words light up too, timed from
			// the start of the first.
			b.wait(t, "a word of the second segment lit", `(() => { const w = document.querySelector('#transcript .word.current');
				return w && w.textContent === 'sentence' && document.getElementById('player').dataset.segments === '2' })()`, 15*time.Second)
			if *consoleScreenshot != "" {
				png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(*consoleScreenshot, png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b.shot(t, "playing")
		})
		t.Run("OffersDownloads", func(t *testing.T) {
			b.wait(t, "the preview done", `document.getElementById('player').dataset.state === 'done'`, 20*time.Second)
			b.do(t, "downloading segment 1", chromedp.Click(chromedp.CSS("#preview-downloads button")))
			waitFile(t, filepath.Join(b.downloads, "ttsc-preview-*-1.wav"), []byte("RIFF"))
			// The whole text is the segments joined in the page.
			first, _ := filepath.Glob(filepath.Join(b.downloads, "ttsc-preview-*-1.wav"))
			whole := strings.TrimSuffix(first[0], "-1.wav") + ".wav"
			b.do(t, "downloading the whole text", chromedp.Click(chromedp.CSS("#preview-downloads button:nth-last-child(2)")))
			waitFile(t, whole, []byte("RIFF"))
			var previews struct {
				Data []struct {
					JobID string `json:"job_id"`
				} `json:"data"`
			}
			apiCall(t, ts, token, "GET", "/ttsc/tts-jobs?job_type=AUDITION&limit=1", nil, &previews)
			var files struct {
				Files []struct {
					DownloadURL string `json:"download_url"`
				} `json:"files"`
			}
			apiCall(t, ts, token, "GET", "/ttsc/audition-file/"+previews.Data[0].JobID, nil, &files)
			var want []int16
			for _, f := range files.Files {
				p, err := audio.DecodeWAV(download(t, f.DownloadURL))
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, p.Samples...)
			}
			data, _ := os.ReadFile(whole)
			if p, err := audio.DecodeWAV(data); err != nil || len(files.Files) != 2 || !slices.Equal(p.Samples, want) {
				t.Errorf("the whole text's WAV (%v) is not the preview's %d files end to end", err, len(files.Files))
			}
			b.do(t, "downloading an MP3", chromedp.Click(chromedp.CSS("#preview-downloads button:last-child")))
			waitFile(t, filepath.Join(b.downloads, "ttsc-preview-*.mp3"), nil)
			b.do(t, "stopping", chromedp.Click(chromedp.ID("preview-stop")))
		})
	})

	t.Run("AddsAnAliasEntry", func(t *testing.T) {
		b.do(t, "opening the pronunciations", chromedp.Click(chromedp.ID("tab-vocab")))
		b.set(t, "entry-type", "ALIAS")
		b.do(t, "filling in the entry",
			chromedp.SendKeys(chromedp.ID("entry-key"), "WHO"),
			chromedp.SendKeys(chromedp.ID("entry-value"), "World Health Organization"),
			chromedp.Click(chromedp.ID("entry-submit")))
		b.wait(t, "the entry listed", `(() => { const r = document.querySelector('#entry-list tr[data-key="WHO"]');
			return r && r.textContent.includes('World Health Organization') && r.textContent.includes('ALIAS') })()`, 10*time.Second)
		var list struct {
			Count int `json:"count"`
			Data  []struct{ Key, Value, Type string }
		}
		apiCall(t, ts, token, "GET", "/ttsc/vocabulary-configs", nil, &list)
		if list.Count != 1 || list.Data[0].Key != "WHO" || list.Data[0].Type != "ALIAS" {
			t.Errorf("the server has %+v", list)
		}
		b.shot(t, "listed")

		t.Run("HearsItBeforeAndAfter", func(t *testing.T) {
			b.do(t, "opening the comparison", chromedp.Click(chromedp.CSS(`#entry-list tr[data-key="WHO"] button[aria-label^="Hear"]`)))
			b.set(t, "hear-voice", engineVoice(t, "slt"))
			duration := func(which string) float64 {
				b.do(t, "playing "+which, chromedp.Click(chromedp.ID("hear-"+which)))
				b.wait(t, which+" playing", fmt.Sprintf(`(() => { const a = document.getElementById('hear-audio');
					return document.getElementById('hear').dataset.playing === %q && !a.paused && a.currentTime > 0.05 })()`, which), 20*time.Second)
				return evalJS[float64](t, b, `document.getElementById('hear-audio').duration`)
			}
			before, after := duration("before"), duration("after")
			if after < before+0.5 {
				t.Errorf("“WHO” lasts %.2f s without the dictionary and %.2f s with it; the alias should be longer", before, after)
			}
			b.do(t, "closing", chromedp.Click(chromedp.ID("hear-close")))
		})
	})

	t.Run("ManagesGroupsEntriesAndTheSwitch", func(t *testing.T) {
		var switchState struct{ Data []struct{ Key, Value string } }
		b.do(t, "turning the switch on", chromedp.Click(chromedp.ID("vocab-switch")))
		b.wait(t, "the switch saved", `document.getElementById('vocab-switch-status').textContent.includes('every request')`, 10*time.Second)
		apiCall(t, ts, token, "GET", "/ttsc/tenant-configs?key=vocabulary", nil, &switchState)
		if len(switchState.Data) != 1 || switchState.Data[0].Value != "true" {
			t.Errorf("tenant configs %+v, want the switch on", switchState)
		}

		b.do(t, "creating a group",
			chromedp.SendKeys(chromedp.ID("group-name"), "Doctors"),
			chromedp.Click(chromedp.ID("group-submit")))
		b.wait(t, "the group listed", `[...document.querySelectorAll('#group-list tr')].some(r => r.textContent.includes('Doctors'))`, 10*time.Second)
		group := evalJS[string](t, b, `[...document.querySelectorAll('#group-list tr')].find(r => r.textContent.includes('Doctors')).dataset.groupId`)
		row := fmt.Sprintf(`#group-list tr[data-group-id=%q]`, group)
		slt := engineVoice(t, "slt")
		b.do(t, "choosing its voices", chromedp.Click(chromedp.CSS(row+` button[aria-label^="Choose"]`)))
		b.set(t, "bind-filter", "EN")
		b.do(t, "binding slt",
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`#bind-list input[value=%q]`, slt))),
			chromedp.Click(chromedp.ID("bind-save")))
		b.wait(t, "the voices saved", `document.getElementById('bind-status').textContent.includes('1 voice')`, 10*time.Second)
		var groups struct {
			Data []struct {
				GroupName string   `json:"group_name"`
				AssetIDs  []string `json:"asset_ids"`
			}
		}
		apiCall(t, ts, token, "GET", "/ttsc/vocabulary-groups", nil, &groups)
		if len(groups.Data) != 1 || len(groups.Data[0].AssetIDs) != 1 || groups.Data[0].AssetIDs[0] != slt {
			t.Errorf("groups %+v, want Doctors bound to slt", groups)
		}

		b.set(t, "entry-type", "ALIAS")
		b.set(t, "entry-group", group)
		b.do(t, "adding an entry to the group",
			chromedp.SendKeys(chromedp.ID("entry-key"), "Dr"),
			chromedp.SendKeys(chromedp.ID("entry-value"), "Doctor"),
			chromedp.Click(chromedp.ID("entry-submit")))
		entry := `#entry-list tr[data-key="Dr"]`
		b.wait(t, "the grouped entry", fmt.Sprintf(`document.querySelector(%q)?.textContent.includes('Doctors')`, entry), 10*time.Second)
		b.do(t, "editing it", chromedp.Click(chromedp.CSS(entry+` button[aria-label^="Edit"]`)))
		b.set(t, "entry-value", "Doctor of medicine")
		b.do(t, "saving it", chromedp.Click(chromedp.ID("entry-submit")))
		b.wait(t, "the edited entry", fmt.Sprintf(`document.querySelector(%q)?.textContent.includes('Doctor of medicine')`, entry), 10*time.Second)
		var list struct {
			Data []struct{ Key, Value, GroupID string }
		}
		apiCall(t, ts, token, "GET", "/ttsc/vocabulary-configs?search_key=Dr", nil, &list)
		if len(list.Data) != 1 || list.Data[0].Value != "Doctor of medicine" {
			t.Errorf("entries %+v after editing", list)
		}
		b.do(t, "deleting it (two clicks)",
			chromedp.Click(chromedp.CSS(entry+` button[aria-label^="Delete"]`)),
			chromedp.Click(chromedp.CSS(entry+` button[aria-label^="Delete"]`)))
		b.wait(t, "the entry gone", fmt.Sprintf(`!document.querySelector(%q)`, entry), 10*time.Second)

		b.do(t, "renaming the group", chromedp.Click(chromedp.CSS(row+` button[aria-label^="Rename"]`)))
		evalJS[chromedp.Void](t, b, fmt.Sprintf(`(() => { const r = document.querySelector(%q);
			r.querySelector('input').value = 'Physicians'; [...r.querySelectorAll('button')].find(x => x.textContent === 'Save').click(); })()`, row))
		b.wait(t, "the renamed group", fmt.Sprintf(`document.querySelector(%q)?.textContent.includes('Physicians')`, row), 10*time.Second)
		b.do(t, "deleting the group (two clicks)",
			chromedp.Click(chromedp.CSS(row+` button[aria-label^="Delete"]`)),
			chromedp.Click(chromedp.CSS(row+` button[aria-label^="Delete"]`)))
		b.wait(t, "the group gone", fmt.Sprintf(`!document.querySelector(%q)`, row), 10*time.Second)
		b.do(t, "turning the switch off", chromedp.Click(chromedp.ID("vocab-switch")))
		b.wait(t, "the switch saved", `document.getElementById('vocab-switch-status').textContent.includes('only')`, 10*time.Second)
		apiCall(t, ts, token, "GET", "/ttsc/tenant-configs?key=vocabulary", nil, &switchState)
		if len(switchState.Data) != 1 || switchState.Data[0].Value != "false" {
			t.Errorf("tenant configs %+v, want the switch off", switchState)
		}
		b.shot(t, "done")
	})

	t.Run("RunsAnAsyncJobAndSeesItInHistory", func(t *testing.T) {
		b.do(t, "opening the jobs", chromedp.Click(chromedp.ID("tab-jobs")))
		b.set(t, "job-format", "MP3")
		b.set(t, "job-text", "Subtitles follow the speech. Each cue holds a few words.")
		b.do(t, "starting the job", chromedp.Click(chromedp.ID("job-submit")))
		b.wait(t, "the job to succeed", `document.querySelector('#job-status .job-line[data-state=SUCCEED]')`, 30*time.Second)
		id := evalJS[string](t, b, `document.querySelector('#job-status .job-line').dataset.jobId`)
		row := fmt.Sprintf(`#history-body tr[data-job-id=%q]`, id)
		b.wait(t, "the job in the history", fmt.Sprintf(`document.querySelector(%q + '[data-state=SUCCEED][data-type=ASYNC_JOB]')`, row), 10*time.Second)
		if cells := evalJS[string](t, b, fmt.Sprintf(`document.querySelector(%q).textContent`, row)); !strings.Contains(cells, "MP3") {
			t.Errorf("the history row says %q", cells)
		}
		b.shot(t, "history")
		b.do(t, "downloading the subtitles", chromedp.Click(chromedp.CSS(row+` button[data-file=audio_srt_file_url]`)))
		waitFile(t, filepath.Join(b.downloads, "ttsc-"+id+".srt"), []byte("1\n00:00:"))
		b.do(t, "downloading the audio", chromedp.Click(chromedp.CSS(row+` button[data-file=audio_file_url]`)))
		waitFile(t, filepath.Join(b.downloads, "ttsc-"+id+".mp3"), nil)
	})

	t.Run("FitsA390PixelWindow", func(t *testing.T) {
		b.do(t, "narrowing the window", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		defer b.do(t, "widening the window", chromedp.EmulateViewport(1280, 900))
		for _, tab := range []string{"voices", "preview", "jobs", "vocab"} {
			b.do(t, "opening "+tab, chromedp.Click(chromedp.ID("tab-"+tab)))
			w := evalJS[[]int](t, b, `[document.documentElement.scrollWidth, window.innerWidth]`)
			if w[0] > w[1] {
				t.Errorf("the %s tab is %d px wide in a %d px window", tab, w[0], w[1])
			}
			b.shot(t, tab)
		}
	})

	t.Run("IsKeyboardAccessible", func(t *testing.T) {
		unnamed := evalJS[[]string](t, b, `[...document.querySelectorAll('input, select, textarea, button, [role=slider], [tabindex]:not([tabindex="-1"])')]
			.filter(e => e.type !== 'hidden' && !e.closest('[aria-hidden=true]'))
			.filter(e => {
				const named = (e.labels && e.labels.length) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
				const text = ['BUTTON'].includes(e.tagName) && e.textContent.trim();
				return !(named || text || ['MAIN', 'SECTION'].includes(e.tagName));
			}).map(e => e.outerHTML.slice(0, 80))`)
		if len(unnamed) > 0 {
			t.Errorf("controls without an accessible name: %q", unnamed)
		}
		b.do(t, "moving through the tabs with the arrow keys",
			chromedp.Focus(chromedp.ID("tab-voices")),
			chromedp.KeyEvent(kb.ArrowRight))
		sel := evalJS[map[string]any](t, b, `({focused: document.activeElement.id,
			selected: document.querySelector('[role=tab][aria-selected=true]').id,
			shown: !document.getElementById('panel-preview').hidden})`)
		if sel["focused"] != "tab-preview" || sel["selected"] != "tab-preview" || sel["shown"] != true {
			t.Errorf("after ArrowRight on the first tab: %v", sel)
		}
	})
}

// waitFile waits until a file matching pattern exists and starts with
// prefix (when given).
func waitFile(t *testing.T, pattern string, prefix []byte) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			if b, err := os.ReadFile(m); err == nil && len(b) > 0 && bytes.HasPrefix(b, prefix) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no download %s (starting with %q) within 10 s", pattern, prefix)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
