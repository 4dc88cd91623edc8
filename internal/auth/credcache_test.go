package auth

import (
	"context"
	"testing"
	"time"

	"github.com/openttsc/ttsc"
)

type countingLookup struct {
	calls int
	creds map[string]*ttsc.Credential
}

func (l *countingLookup) Credential(_ context.Context, ak string) (*ttsc.Credential, error) {
	l.calls++
	c, ok := l.creds[ak]
	if !ok {
		return nil, ttsc.Errorf(ttsc.ENOTFOUND, "unknown")
	}
	return c, nil
}

func TestCachedCredentials(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	l := &countingLookup{creds: map[string]*ttsc.Credential{"AK": {AccessKey: "AK", SecretKey: "SK"}}}
	c := &CachedCredentials{Lookup: l, TTL: 5 * time.Second, Now: func() time.Time { return now }}
	ctx := context.Background()
	for range 3 {
		if got, err := c.Credential(ctx, "AK"); err != nil || got.SecretKey != "SK" {
			t.Fatalf("Credential = %+v, %v", got, err)
		}
	}
	if l.calls != 1 {
		t.Errorf("%d lookups for three requests within the TTL, want 1", l.calls)
	}
	delete(l.creds, "AK") // deleted meanwhile
	now = now.Add(6 * time.Second)
	if _, err := c.Credential(ctx, "AK"); ttsc.ErrorCode(err) != ttsc.ENOTFOUND {
		t.Errorf("after the TTL a deleted key: %v, want ENOTFOUND", err)
	}
	for range 2 {
		c.Credential(ctx, "NEW")
	}
	if l.calls != 4 {
		t.Errorf("unknown keys must not be remembered: %d lookups, want 4", l.calls)
	}
}
