package auth

import (
	"context"
	"sync"
	"time"

	"github.com/openttsc/ttsc"
)

// CachedCredentials remembers found credentials for TTL, so a client that
// polls does not cost a database query per request for its key. A
// deleted key keeps working for at most TTL on a process that has seen it;
// unknown keys are not remembered, so a new key works at once.
type CachedCredentials struct {
	Lookup CredentialLookup
	TTL    time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time

	mu sync.Mutex
	m  map[string]cachedCredential
}

type cachedCredential struct {
	c       ttsc.Credential
	expires time.Time
}

// maxCachedCredentials bounds the cache; past it, it starts over.
const maxCachedCredentials = 10000

// Credential returns the credential of accessKey from the cache or the
// lookup.
func (c *CachedCredentials) Credential(ctx context.Context, accessKey string) (*ttsc.Credential, error) {
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	c.mu.Lock()
	e, ok := c.m[accessKey]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		cred := e.c
		return &cred, nil
	}
	cred, err := c.Lookup.Credential(ctx, accessKey)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedCredentials {
		c.m = map[string]cachedCredential{}
	}
	c.m[accessKey] = cachedCredential{*cred, now.Add(c.TTL)}
	c.mu.Unlock()
	return cred, nil
}
