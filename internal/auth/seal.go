package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// sealedPrefix marks a sealed value; values without it are read as they
// are (secrets stored before sealing existed).
const sealedPrefix = "sealed:v1:"

// Sealer encrypts secrets at rest (the secret keys of access key pairs)
// with AES-256-GCM under a key kept apart from the database, so a copy of
// the database alone reveals no secret.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer with a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("the secrets key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts plaintext; additional binds it to its place (the access
// key), so a sealed secret cannot be moved to another row.
func (s *Sealer) Seal(plaintext, additional string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, []byte(plaintext), []byte(additional))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts what Seal made with the same additional data; a value
// that is not sealed is returned as it is.
func (s *Sealer) Open(value, additional string) (string, error) {
	enc, ok := strings.CutPrefix(value, sealedPrefix)
	if !ok {
		return value, nil
	}
	b, err := base64.RawStdEncoding.DecodeString(enc)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("a sealed secret is damaged")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(additional))
	if err != nil {
		return "", errors.New("a sealed secret does not open with this secrets key: is it the key it was sealed with?")
	}
	return string(plain), nil
}

// LoadKey reads a hex key of at least minBytes from path, creating a
// random 32-byte one (mode 0600) when the file does not exist.
func LoadKey(path string, minBytes int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
			return nil, err
		}
		return k, nil
	}
	if err != nil {
		return nil, err
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) < minBytes {
		return nil, fmt.Errorf("key file %s must hold at least %d bytes in hex", path, minBytes)
	}
	return k, nil
}

// CheckPrivate refuses a key file that others than its owner may read.
func CheckPrivate(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("key file %s is readable by others (mode %v); chmod 600 it", path, st.Mode().Perm())
	}
	return nil
}
