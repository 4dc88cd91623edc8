package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/big"
)

// TokenPrefix starts every token, so a leaked one is easy to recognise.
const TokenPrefix = "ttsc_"

// NewToken returns a new bearer token and the hash under which it is
// stored. The value is shown to its owner once; only the hash is kept.
func NewToken() (value, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	value = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return value, HashToken(value), nil
}

// HashToken returns the hex SHA-256 of a token value. Tokens have 256 bits
// of entropy, so a plain hash cannot be reversed by guessing.
func HashToken(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// NewAccessKey returns a 20-character upper-case alphanumeric access key,
// the shape of Huawei Cloud's.
func NewAccessKey() (string, error) {
	return randomString(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
}

// NewSecretKey returns a 40-character alphanumeric secret key.
func NewSecretKey() (string, error) {
	return randomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
}

// NewProjectID returns a new project ID: 32 lowercase hex characters.
func NewProjectID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

func randomString(n int, alphabet string) (string, error) {
	out := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range out {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		out[i] = alphabet[k.Int64()]
	}
	return string(out), nil
}
