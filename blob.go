package ttsc

import (
	"context"
	"io"
	"strings"
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

// MaxBlobKeyLen bounds blob keys.
const MaxBlobKeyLen = 512

// maxBlobKeySegment bounds one segment of a key, leaving room under the
// file name limit of common file systems (255 bytes) for a temporary
// suffix.
const maxBlobKeySegment = 200

// ValidBlobKey reports whether key is a blob key: segments of [a-z0-9._-]
// separated by single slashes, none of them "." or "..", at most
// MaxBlobKeyLen bytes, each segment at most 200. It returns an EINVALID
// error if not. Every BlobStore applies these rules, so a key is valid in
// one store exactly when it is in another.
func ValidBlobKey(key string) error {
	if key == "" || len(key) > MaxBlobKeyLen {
		return Errorf(EINVALID, "blob key must be 1 to %d bytes", MaxBlobKeyLen)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return Errorf(EINVALID, "blob key %q has an empty, \".\" or \"..\" segment", key)
		}
		if len(seg) > maxBlobKeySegment {
			return Errorf(EINVALID, "blob key %q has a segment over %d bytes", key, maxBlobKeySegment)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
				return Errorf(EINVALID, "blob key %q may only hold a-z, 0-9, '.', '_', '-' and '/'", key)
			}
		}
	}
	return nil
}
