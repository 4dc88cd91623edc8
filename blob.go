package ttsc

import (
	"context"
	"io"
	"time"
)

// Blob is an open stored file.
type Blob struct {
	io.ReadSeekCloser
	Size    int64
	ModTime time.Time
}

// BlobStore keeps job files under keys such as
// "{project}/{job}/audio-0000.wav". Keys use only [a-z0-9._/-] and never
// contain "..".
type BlobStore interface {
	// Put stores data under key, replacing what was there. A reader never
	// sees a partly written blob.
	Put(ctx context.Context, key string, data []byte, contentType string) error
	// Open returns the blob. Returns ENOTFOUND if there is none.
	Open(ctx context.Context, key string) (*Blob, error)
	// Delete removes the blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, key string) error
}

// Presigner is implemented by blob stores that can hand out download URLs
// of their own (S3). Where a store cannot, the HTTP API signs URLs to
// itself and streams the blob.
type Presigner interface {
	// PresignGet returns a URL that serves key without other
	// authentication until ttl has passed.
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, error)
}
