package diskblob

import (
	"crypto/rand"
	"encoding/hex"
)

func randSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
