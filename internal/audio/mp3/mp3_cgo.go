//go:build cgo && !nolame

package mp3

/*
#cgo LDFLAGS: -lmp3lame
#include <stdlib.h>
#include <lame/lame.h>

// ttsc_encode encodes n frames of interleaved 16-bit PCM into out, which
// holds cap bytes, and returns the bytes written or a negative error. Each
// call has its own encoder, so calls may run concurrently.
static int ttsc_encode(short *pcm, int n, int rate, int channels, int kbps, unsigned char *out, int cap) {
	lame_global_flags *gf = lame_init();
	if (gf == NULL) return -100;
	lame_set_in_samplerate(gf, rate);
	lame_set_out_samplerate(gf, rate);
	lame_set_num_channels(gf, channels);
	lame_set_mode(gf, channels == 1 ? MONO : JOINT_STEREO);
	lame_set_VBR(gf, vbr_off);
	lame_set_brate(gf, kbps);
	lame_set_quality(gf, 7);
	lame_set_bWriteVbrTag(gf, 0);
	if (lame_init_params(gf) < 0) { lame_close(gf); return -101; }
	int w;
	if (channels == 1) {
		w = lame_encode_buffer(gf, pcm, pcm, n, out, cap);
	} else {
		w = lame_encode_buffer_interleaved(gf, pcm, n, out, cap);
	}
	if (w < 0) { lame_close(gf); return w; }
	int f = lame_encode_flush(gf, out + w, cap - w);
	lame_close(gf);
	if (f < 0) return f;
	return w + f;
}
*/
import "C"

import (
	"bytes"
	"unsafe"

	"github.com/openttsc/ttsc"
)

func encode(samples []int16, rate, channels, kbps int) ([]byte, error) {
	frames := len(samples) / channels
	// LAME's worst case: 1.25 × samples + 7200 bytes, plus the flush.
	out := make([]byte, frames*5/4+7200+7200)
	var pcm *C.short
	if len(samples) > 0 {
		pcm = (*C.short)(unsafe.Pointer(&samples[0]))
	} else {
		pcm = (*C.short)(C.calloc(2, 2))
		defer C.free(unsafe.Pointer(pcm))
	}
	n := C.ttsc_encode(pcm, C.int(frames), C.int(rate), C.int(channels), C.int(kbps),
		(*C.uchar)(unsafe.Pointer(&out[0])), C.int(len(out)))
	if n < 0 {
		return nil, ttsc.Errorf(ttsc.EINTERNAL, "MP3 encoder: LAME failed with code %d", int(n))
	}
	// Copy, so the worst-case buffer is not kept alive by the result.
	return bytes.Clone(out[:n]), nil
}
