package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealer(t *testing.T) {
	key := make([]byte, 32)
	key[0] = 7
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal("the secret key", "AK1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "secret") {
		t.Fatalf("sealed value shows the secret: %s", sealed)
	}
	for _, test := range []struct {
		name, value, ad, want string
		wantErr               bool
	}{
		{"OKOpens", sealed, "AK1", "the secret key", false},
		{"OKPlainPassesThrough", "legacy-plain", "AK1", "legacy-plain", false},
		{"ErrOtherRow", sealed, "AK2", "", true},
		{"ErrDamaged", sealed[:len(sealed)-3] + "AAA", "AK1", "", true},
	} {
		t.Run(test.name, func(t *testing.T) {
			got, err := s.Open(test.value, test.ad)
			if (err != nil) != test.wantErr || got != test.want {
				t.Errorf("Open = %q, %v; want %q, error %v", got, err, test.want, test.wantErr)
			}
		})
	}
	other, _ := NewSealer(make([]byte, 32))
	if _, err := other.Open(sealed, "AK1"); err == nil {
		t.Error("another key opened the secret")
	}
}

func TestLoadKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.key")
	k1, err := LoadKey(path, 32)
	if err != nil || len(k1) != 32 {
		t.Fatalf("LoadKey created %d bytes, %v", len(k1), err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("created with mode %v, want 0600", st.Mode().Perm())
	}
	k2, err := LoadKey(path, 32)
	if err != nil || string(k1) != string(k2) {
		t.Errorf("second load: %v", err)
	}
	if err := CheckPrivate(path); err != nil {
		t.Errorf("CheckPrivate of a 0600 file: %v", err)
	}
	os.Chmod(path, 0o644)
	if err := CheckPrivate(path); err == nil {
		t.Error("a world-readable key file was accepted")
	}
	if _, err := LoadKey(path, 64); err == nil {
		t.Error("a 32-byte key passed for 64")
	}
}
