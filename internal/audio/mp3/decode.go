package mp3

import (
	"bytes"
	"io"

	gomp3 "github.com/hajimehoshi/go-mp3"

	"github.com/openttsc/ttsc"
	"github.com/openttsc/ttsc/internal/audio"
)

// Decode decodes an MP3 file to 16-bit PCM, for checking what clients
// will hear. The decoder always yields two channels.
func Decode(b []byte) (*audio.PCM, error) {
	d, err := gomp3.NewDecoder(bytes.NewReader(b))
	if err != nil {
		return nil, &ttsc.Error{Code: ttsc.EINVALID, Message: "not an MP3 file", Err: err}
	}
	raw, err := io.ReadAll(d)
	if err != nil {
		return nil, &ttsc.Error{Code: ttsc.EINVALID, Message: "MP3 file is damaged", Err: err}
	}
	s := make([]int16, len(raw)/2)
	for i := range s {
		s[i] = int16(uint16(raw[2*i]) | uint16(raw[2*i+1])<<8)
	}
	return &audio.PCM{Rate: d.SampleRate(), Channels: 2, Samples: s}, nil
}
