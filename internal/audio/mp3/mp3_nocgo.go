//go:build !cgo || nolame

package mp3

import "github.com/openttsc/ttsc"

func encode([]int16, int, int, int) ([]byte, error) {
	return nil, &ttsc.Error{Code: ttsc.EUNAVAILABLE,
		Message: "MP3 output requires cgo and libmp3lame; rebuild with CGO_ENABLED=1 and libmp3lame-dev installed"}
}
