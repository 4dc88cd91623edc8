package auth

import (
	"testing"
	"time"
)

func TestCallbackSignature(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	key := CallbackKey([]byte("server key"), "p1")
	body := []byte(`{"job_id":"j"}`)
	header := SignCallback(key, now, body)
	tests := []struct {
		name    string
		key     string
		header  string
		body    string
		now     time.Time
		wantErr bool
	}{
		{"OK/as signed", key, header, string(body), now, false},
		{"OK/within tolerance", key, header, string(body), now.Add(4 * time.Minute), false},
		{"Error/other project's key", CallbackKey([]byte("server key"), "p2"), header, string(body), now, true},
		{"Error/other server's key", CallbackKey([]byte("other"), "p1"), header, string(body), now, true},
		{"Error/body changed", key, header, `{"job_id":"k"}`, now, true},
		{"Error/replayed later", key, header, string(body), now.Add(6 * time.Minute), true},
		{"Error/malformed header", key, "v1=abc", string(body), now, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyCallback(tt.key, tt.header, []byte(tt.body), tt.now, 5*time.Minute)
			if (err != nil) != tt.wantErr {
				t.Errorf("VerifyCallback = %v, want error %v", err, tt.wantErr)
			}
		})
	}
	if len(key) != 64 {
		t.Errorf("CallbackKey has %d characters, want 64", len(key))
	}
}
