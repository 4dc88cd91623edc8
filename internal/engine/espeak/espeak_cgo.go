//go:build cgo && !noespeak

package espeak

/*
#cgo LDFLAGS: -lespeak-ng
#include <stdlib.h>
#include <string.h>
#include <espeak-ng/speak_lib.h>

typedef struct { int text_position, length, audio_position; } ttsc_word;

static short *ttsc_samples;
static int ttsc_nsamples, ttsc_capsamples;
static ttsc_word *ttsc_words;
static int ttsc_nwords, ttsc_capwords;
static int ttsc_oom;

// ttsc_callback collects the audio and the word events of one synthesis.
static int ttsc_callback(short *wav, int n, espeak_EVENT *ev) {
	if (wav != NULL && n > 0) {
		if (ttsc_nsamples + n > ttsc_capsamples) {
			int cap = ttsc_capsamples ? ttsc_capsamples : 65536;
			while (cap < ttsc_nsamples + n) cap *= 2;
			short *p = realloc(ttsc_samples, (size_t)cap * sizeof(short));
			if (p == NULL) { ttsc_oom = 1; return 1; }
			ttsc_samples = p;
			ttsc_capsamples = cap;
		}
		memcpy(ttsc_samples + ttsc_nsamples, wav, (size_t)n * sizeof(short));
		ttsc_nsamples += n;
	}
	for (; ev != NULL && ev->type != espeakEVENT_LIST_TERMINATED; ev++) {
		if (ev->type != espeakEVENT_WORD) continue;
		if (ttsc_nwords == ttsc_capwords) {
			int cap = ttsc_capwords ? ttsc_capwords * 2 : 256;
			ttsc_word *p = realloc(ttsc_words, (size_t)cap * sizeof(ttsc_word));
			if (p == NULL) { ttsc_oom = 1; return 1; }
			ttsc_words = p;
			ttsc_capwords = cap;
		}
		ttsc_word w = { ev->text_position, ev->length, ev->audio_position };
		ttsc_words[ttsc_nwords++] = w;
	}
	return 0;
}

static int ttsc_init(void) {
	int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT);
	if (rate > 0) {
		espeak_SetSynthCallback(ttsc_callback);
		// Phoneme input ([[...]]) is switched by each synthesis and read
		// by espeak_TextToPhonemes too: one empty synthesis turns it on
		// for the phoneme queries made before any real synthesis.
		espeak_Synth("", 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8 | espeakPHONEMES, NULL, NULL);
	}
	return rate;
}

static int ttsc_synth(const char *text, int rate, int pitch) {
	ttsc_nsamples = 0;
	ttsc_nwords = 0;
	ttsc_oom = 0;
	espeak_SetParameter(espeakRATE, rate, 0);
	espeak_SetParameter(espeakPITCH, pitch, 0);
	// espeakPHONEMES reads [[...]] as espeak-ng phoneme mnemonics: how
	// PHONETIC_SYMBOL entries and SSML <phoneme> reach the engine.
	if (espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8 | espeakPHONEMES, NULL, NULL) != EE_OK) return -1;
	if (ttsc_oom) return -2;
	return 0;
}

// ttsc_phonemes returns the phonemes of all of text, separated by spaces;
// the caller frees the result.
static char *ttsc_phonemes(const char *text, int mode) {
	size_t cap = 256, len = 0;
	char *out = malloc(cap);
	if (out == NULL) return NULL;
	out[0] = 0;
	const void *p = text;
	while (p != NULL) {
		const char *ph = espeak_TextToPhonemes(&p, espeakCHARS_UTF8, mode);
		if (ph == NULL) continue;
		size_t n = strlen(ph);
		if (len + n + 2 > cap) {
			while (len + n + 2 > cap) cap *= 2;
			char *q = realloc(out, cap);
			if (q == NULL) { free(out); return NULL; }
			out = q;
		}
		if (len > 0) out[len++] = ' ';
		memcpy(out + len, ph, n + 1);
		len += n;
	}
	return out;
}

static short *ttsc_sample_buf(void) { return ttsc_samples; }
static int ttsc_sample_count(void) { return ttsc_nsamples; }
static ttsc_word *ttsc_word_buf(void) { return ttsc_words; }
static int ttsc_word_count(void) { return ttsc_nwords; }
*/
import "C"

import (
	"context"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/openttsc/ttsc"
)

// mu guards libespeak-ng's global state.
var mu sync.Mutex

var initOnce = sync.OnceValues(func() (int, error) {
	rate := int(C.ttsc_init())
	if rate <= 0 {
		return 0, &ttsc.Error{Code: ttsc.EUNAVAILABLE, Message: "espeak-ng failed to initialise; is espeak-ng-data installed?"}
	}
	return rate, nil
})

// New initialises libespeak-ng (once per process) and returns the engine.
func New() (*Engine, error) {
	mu.Lock()
	defer mu.Unlock()
	rate, err := initOnce()
	if err != nil {
		return nil, err
	}
	return &Engine{rate: rate}, nil
}

// voice is the voice last selected; selecting one reloads its language's
// dictionary, which costs more than reading a sentence, so it is done only
// when the voice changes.
var voice string

// setVoice selects a voice by espeak-ng name, with mu held.
func setVoice(name string) error {
	if name == voice {
		return nil
	}
	voice = ""
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	if C.espeak_SetVoiceByName(cname) != C.EE_OK {
		return ttsc.Errorf(ttsc.EINVALID, "espeak-ng has no voice %q", name)
	}
	voice = name
	return nil
}

// Synthesize reads req.Text with the espeak-ng voice req.Voice.
func (e *Engine) Synthesize(ctx context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !utf8.ValidString(req.Text) {
		return nil, ttsc.Errorf(ttsc.EINVALID, "text is not valid UTF-8")
	}
	ctext := C.CString(req.Text)
	defer C.free(unsafe.Pointer(ctext))

	mu.Lock()
	defer mu.Unlock()
	if err := setVoice(req.Voice); err != nil {
		return nil, err
	}
	switch C.ttsc_synth(ctext, C.int(espeakRate(req.Speed)), C.int(espeakPitch(req.Pitch))) {
	case 0:
	case -2:
		return nil, ttsc.Errorf(ttsc.ESYNTHESIS, "espeak-ng ran out of memory")
	default:
		return nil, ttsc.Errorf(ttsc.ESYNTHESIS, "espeak-ng failed to synthesize the text")
	}
	n := int(C.ttsc_sample_count())
	sp := &ttsc.Speech{SampleRate: e.rate, Samples: make([]int16, n)}
	if n > 0 {
		copy(sp.Samples, unsafe.Slice((*int16)(unsafe.Pointer(C.ttsc_sample_buf())), n))
	}
	if nw := int(C.ttsc_word_count()); nw > 0 {
		sp.Words = words(req.Text, unsafe.Slice(C.ttsc_word_buf(), nw), e.rate, n)
	}
	return sp, nil
}

// words converts espeak-ng's word events, which count characters from 1,
// into byte offsets of text and sample offsets.
func words(text string, evs []C.ttsc_word, rate, nsamples int) []ttsc.WordEvent {
	// byteAt[i] is the byte offset of the i-th character (0-based).
	byteAt := make([]int, 0, len(text)+1)
	for i := range text {
		byteAt = append(byteAt, i)
	}
	byteAt = append(byteAt, len(text))
	at := func(char int) int { return byteAt[min(max(char, 0), len(byteAt)-1)] }
	out := make([]ttsc.WordEvent, 0, len(evs))
	for _, ev := range evs {
		start := int(ev.text_position) - 1
		w := ttsc.WordEvent{
			TextStart: at(start),
			TextEnd:   at(start + int(ev.length)),
			Sample:    min(int(ev.audio_position)*rate/1000, nsamples),
		}
		if w.TextEnd < w.TextStart {
			w.TextEnd = w.TextStart
		}
		out = append(out, w)
	}
	return out
}

// Phonemes returns espeak-ng's reading of text with the voice: its
// phoneme mnemonics (as `espeak-ng -x` prints them), or IPA when ipa is
// set.
func (e *Engine) Phonemes(voice, text string, ipa bool) (string, error) {
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	mode := C.int(0)
	if ipa {
		mode = 0x02
	}
	mu.Lock()
	defer mu.Unlock()
	if err := setVoice(voice); err != nil {
		return "", err
	}
	out := C.ttsc_phonemes(ctext, mode)
	if out == nil {
		return "", ttsc.Errorf(ttsc.ESYNTHESIS, "espeak-ng ran out of memory")
	}
	defer C.free(unsafe.Pointer(out))
	return C.GoString(out), nil
}
