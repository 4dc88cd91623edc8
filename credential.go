package ttsc

import (
	"context"
	"time"
)

// Credential is an access key pair of a project, used to sign requests
// with SDK-HMAC-SHA256.
type Credential struct {
	AccessKey string
	// SecretKey is empty when credentials are listed.
	SecretKey string
	ProjectID string
	CreatedAt time.Time
}

// Token is a bearer token for the X-Auth-Token header. Only its hash is
// stored.
type Token struct {
	// Hash is the hex SHA-256 of the token value.
	Hash      string
	ProjectID string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CredentialStore keeps access keys and tokens.
type CredentialStore interface {
	// CreateCredential stores c. Returns ECONFLICT if the access key exists.
	CreateCredential(ctx context.Context, c *Credential) error
	// Credential returns the credential with its secret. Returns ENOTFOUND
	// for an unknown access key.
	Credential(ctx context.Context, accessKey string) (*Credential, error)
	// ListCredentials returns the credentials of a project, or of all
	// projects when projectID is empty, without secrets, oldest first.
	ListCredentials(ctx context.Context, projectID string) ([]*Credential, error)
	// DeleteCredential removes an access key. Returns ENOTFOUND if there is
	// none.
	DeleteCredential(ctx context.Context, accessKey string) error
	// CreateToken stores t.
	CreateToken(ctx context.Context, t *Token) error
	// Token returns the token with the given hash. Returns ENOTFOUND if
	// there is none or it has expired at now.
	Token(ctx context.Context, hash string, now time.Time) (*Token, error)
	// CreateOnceCode stores a single-use code, by its hash, like a token.
	CreateOnceCode(ctx context.Context, t *Token) error
	// ConsumeOnceCode removes the code with the given hash and returns it.
	// Returns ENOTFOUND if there is none, it was used, or it has expired
	// at now; of two concurrent calls only one succeeds.
	ConsumeOnceCode(ctx context.Context, hash string, now time.Time) (*Token, error)
}
