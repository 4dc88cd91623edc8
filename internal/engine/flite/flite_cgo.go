//go:build cgo

package flite

/*
#cgo LDFLAGS: -lflite_cmu_us_kal16 -lflite_cmu_us_slt -lflite_cmu_us_rms -lflite_cmu_us_awb -lflite_usenglish -lflite_cmulex -lflite -lm
#include <math.h>
#include <stdlib.h>
#include <flite/flite.h>
#include <flite/cst_cg.h>

// The voice libraries declare no headers.
cst_voice *register_cmu_us_kal16(const char *voxdir);
cst_voice *register_cmu_us_slt(const char *voxdir);
cst_voice *register_cmu_us_rms(const char *voxdir);
cst_voice *register_cmu_us_awb(const char *voxdir);

// ttsc_register registers the i-th voice of Voices.
static cst_voice *ttsc_register(int i) {
	switch (i) {
	case 0: return register_cmu_us_kal16(NULL);
	case 1: return register_cmu_us_slt(NULL);
	case 2: return register_cmu_us_rms(NULL);
	case 3: return register_cmu_us_awb(NULL);
	}
	return NULL;
}

typedef struct {
	int rate, clustergen, spamf0;
	float stretch, f0_mean, f0_stddev;
} ttsc_voice_info;

// ttsc_info reads the defaults of v that speed and pitch are relative to,
// with the fallbacks flite's own modules use.
static ttsc_voice_info ttsc_info(cst_voice *v) {
	ttsc_voice_info in = {0};
	float mean = 100, stddev = 12;
	const cst_val *cg = feat_val(v->features, "cg_db");
	if (cg != NULL) {
		const cst_cg_db *db = val_cg_db(cg);
		in.clustergen = 1;
		in.spamf0 = db->spamf0;
		mean = db->f0_mean;
		stddev = db->f0_stddev;
	}
	in.rate = get_param_int(v->features, "sample_rate", 16000);
	in.stretch = get_param_float(v->features, "duration_stretch", 1.0);
	in.f0_mean = get_param_float(v->features, "int_f0_target_mean", mean);
	in.f0_stddev = get_param_float(v->features, "int_f0_target_stddev", stddev);
	return in;
}

static int ttsc_stop(const cst_wave *w, int start, int size, int last, cst_audio_streaming_info *asi) {
	return CST_AUDIO_STREAM_STOP;
}

// ttsc_cg_synth_scaled is cg_synth for a clustergen voice whose F0 comes
// from a SPAM model (rms), which ignores the F0 features: it has cg_synth
// predict the parameters but stop its vocoder at once, multiplies the F0
// track by ttsc_f0_scale, and runs the vocoder itself.
static cst_utterance *ttsc_cg_synth_scaled(cst_utterance *u) {
	float k = get_param_float(u->features, "ttsc_f0_scale", 1.0);
	cst_cg_db *db = val_cg_db(utt_feat_val(u, "cg_db"));
	cst_audio_streaming_info *asi = new_audio_streaming_info();
	asi->min_buffsize = 0;
	asi->asc = ttsc_stop;
	feat_set(u->features, "streaming_info", audio_streaming_info_val(asi));
	u = cg_synth(u);
	feat_remove(u->features, "streaming_info");
	feat_remove(u->features, "Interrupted");
	cst_track *t = val_track(utt_feat_val(u, "param_track"));
	for (int i = 0; i < t->num_frames; i++)
		if (t->frames[i][0] > 0)
			t->frames[i][0] = fminf(fmaxf(t->frames[i][0] * k, 50), 700); // cg_smooth_F0's limits
	const cst_track *str = db->mixed_excitation ? val_track(utt_feat_val(u, "str_track")) : NULL;
	cst_track *params = db->do_mlpg ? mlpg(t, db) : t;
	cst_wave *w = mlsa_resynthesis(params, str, db, NULL, get_param_int(u->features, "mlsa_speed_param", 0));
	if (params != t) delete_track(params);
	if (w == NULL) return NULL;
	utt_set_wave(u, w);
	return u;
}

// ttsc_synth reads text with v, the settings set on the utterance so that
// they do not outlive it. A seed other than 0 reseeds rand() first, which
// clustergen's vocoder draws its noise from. NULL means flite failed.
static cst_utterance *ttsc_synth(cst_voice *v, const char *text, float stretch, float f0_mean, float f0_stddev, float f0_scale, int spamf0, unsigned seed) {
	cst_utterance *u = new_utterance();
	utt_set_input_text(u, text);
	utt_init(u, v);
	feat_set_float(u->features, "duration_stretch", stretch);
	feat_set_float(u->features, "int_f0_target_mean", f0_mean);
	feat_set_float(u->features, "int_f0_target_stddev", f0_stddev);
	if (spamf0 && f0_scale != 1) {
		feat_set_float(u->features, "ttsc_f0_scale", f0_scale);
		feat_set(u->features, "wave_synth_func", uttfunc_val(&ttsc_cg_synth_scaled));
	}
	if (seed != 0) srand(seed);
	if (utt_synth(u) == NULL || utt_wave(u) == NULL) {
		delete_utterance(u);
		return NULL;
	}
	return u;
}

typedef struct {
	const char *name, *whitespace, *prepunc, *punc;
	float start; // seconds, or -1 when no word of the token is spoken
} ttsc_token;

static const cst_item *ttsc_first_token(cst_utterance *u) {
	return relation_head(utt_relation(u, "Token"));
}

// ttsc_token_at describes token t; the strings belong to the utterance.
static ttsc_token ttsc_token_at(const cst_item *t) {
	cst_features *f = item_feats(t);
	ttsc_token tok = {
		get_param_string(f, "name", ""),
		get_param_string(f, "whitespace", ""),
		get_param_string(f, "prepunctuation", ""),
		get_param_string(f, "punc", ""),
		-1,
	};
	// Its words are its daughters; the first with segments starts where
	// the segment before its first one ends.
	for (const cst_item *w = item_daughter(t); w != NULL; w = item_next(w)) {
		const cst_item *seg = path_to_item(w, "R:SylStructure.daughter1.daughter1.R:Segment");
		if (seg == NULL) continue;
		const cst_item *prev = item_prev(seg);
		tok.start = prev == NULL ? 0 : item_feat_float(prev, "end");
		break;
	}
	return tok;
}
*/
import "C"

import (
	"context"
	"math"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/openttsc/ttsc"
)

// cgoBuild tells the tests that this build has libflite.
const cgoBuild = true

// mu serializes all use of libflite and of libc's rand(); see the package
// documentation.
var mu sync.Mutex

// seed is what rand() is reseeded with before each clustergen synthesis:
// the seed of a fresh process.
const seed = 1

// cvoices are the registered voices by name; set once, by initOnce.
var cvoices map[string]*C.cst_voice

var initOnce = sync.OnceValues(func() (map[string]*voiceInfo, error) {
	C.flite_init()
	cvoices = make(map[string]*C.cst_voice, len(Voices))
	infos := make(map[string]*voiceInfo, len(Voices))
	for i, name := range Voices {
		cv := C.ttsc_register(C.int(i))
		if cv == nil {
			return nil, ttsc.Errorf(ttsc.EUNAVAILABLE, "flite voice %s failed to register", name)
		}
		in := C.ttsc_info(cv)
		cvoices[name] = cv
		infos[name] = &voiceInfo{
			name:       name,
			rate:       int(in.rate),
			clustergen: in.clustergen != 0,
			spamf0:     in.spamf0 != 0,
			stretch:    float64(in.stretch),
			f0Mean:     float64(in.f0_mean),
			f0Stddev:   float64(in.f0_stddev),
		}
	}
	return infos, nil
})

// New initialises libflite and registers its voices (once per process) and
// returns the engine.
func New() (*Engine, error) {
	mu.Lock()
	defer mu.Unlock()
	infos, err := initOnce()
	if err != nil {
		return nil, err
	}
	return &Engine{voices: infos}, nil
}

func boolInt(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// Synthesize reads req.Text with the flite voice req.Voice, one of Voices.
// Text with nothing but whitespace gives a Speech without samples.
func (e *Engine) Synthesize(ctx context.Context, req ttsc.SynthesisRequest) (*ttsc.Speech, error) {
	return e.synthesize(ctx, req, true)
}

// synthesize is Synthesize; reseed false leaves rand() alone, for the
// tests that show why it is reseeded.
func (e *Engine) synthesize(ctx context.Context, req ttsc.SynthesisRequest, reseed bool) (*ttsc.Speech, error) {
	if err := ctx.Err(); err != nil {
		return nil, &ttsc.Error{Code: ttsc.ESYNTHESIS, Message: "synthesis was not started", Err: err}
	}
	v, err := e.voice(req.Voice)
	if err != nil {
		return nil, err
	}
	if !utf8.ValidString(req.Text) {
		return nil, ttsc.Errorf(ttsc.EINVALID, "text is not valid UTF-8")
	}
	if blank(req.Text) {
		return &ttsc.Speech{SampleRate: v.rate}, nil
	}
	// A NUL would end the C string early; a space keeps the offsets.
	text := strings.ReplaceAll(req.Text, "\x00", " ")
	ctext := C.CString(text)
	defer C.free(unsafe.Pointer(ctext))
	s := v.settings(req.Speed, req.Pitch)
	var cseed C.uint
	if reseed && v.clustergen {
		cseed = seed
	}

	mu.Lock()
	defer mu.Unlock()
	// Waiting for the lock may have taken a while.
	if err := ctx.Err(); err != nil {
		return nil, &ttsc.Error{Code: ttsc.ESYNTHESIS, Message: "synthesis was not started", Err: err}
	}
	u := C.ttsc_synth(cvoices[v.name], ctext, C.float(s.stretch), C.float(s.f0Mean), C.float(s.f0Stddev), C.float(s.f0Scale), boolInt(v.spamf0), cseed)
	if u == nil {
		return nil, ttsc.Errorf(ttsc.ESYNTHESIS, "flite failed to synthesize the text")
	}
	defer C.delete_utterance(u)

	w := C.utt_wave(u)
	n := int(w.num_samples)
	if w.num_channels > 1 {
		return nil, ttsc.Errorf(ttsc.ESYNTHESIS, "flite produced %d channels", int(w.num_channels))
	}
	sp := &ttsc.Speech{SampleRate: int(w.sample_rate), Samples: make([]int16, n)}
	if n > 0 {
		copy(sp.Samples, unsafe.Slice((*int16)(unsafe.Pointer(w.samples)), n))
	}
	var toks []token
	for t := C.ttsc_first_token(u); t != nil; t = C.item_next(t) {
		ct := C.ttsc_token_at(t)
		tok := token{
			name:       C.GoString(ct.name),
			whitespace: C.GoString(ct.whitespace),
			prepunc:    C.GoString(ct.prepunc),
			punc:       C.GoString(ct.punc),
			sample:     -1,
		}
		if ct.start >= 0 {
			tok.sample = int(math.Round(float64(ct.start) * float64(sp.SampleRate)))
		}
		toks = append(toks, tok)
	}
	sp.Words = wordEvents(text, toks, n)
	return sp, nil
}
