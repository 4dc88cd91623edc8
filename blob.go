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

// OpenFile opens the file f of a job: its blob, or the part of it that f
// names when f shares its blob with others (see Appender). Returns
// ENOTFOUND if the blob is missing or shorter than f.
func OpenFile(ctx context.Context, s BlobStore, f File) (*Blob, error) {
	b, err := s.Open(ctx, f.Key)
	if err != nil {
		return nil, err
	}
	if f.Offset == 0 && f.Size == b.Size {
		return b, nil
	}
	ra, ok := b.ReadSeekCloser.(io.ReaderAt)
	if !ok || f.Offset < 0 || f.Size < 0 || f.Offset+f.Size > b.Size {
		b.Close()
		return nil, Errorf(ENOTFOUND, "file %s at %d is not in its blob", f.Key, f.Offset)
	}
	return &Blob{ReadSeekCloser: part{io.NewSectionReader(ra, f.Offset, f.Size), b}, Size: f.Size, ModTime: b.ModTime}, nil
}

// part is a section of a blob that closes the blob.
type part struct {
	*io.SectionReader
	io.Closer
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

// Appender is implemented by blob stores that can add to the end of a
// blob: the local disk. The audio files of a preview are then appended to
// one blob of their job, each a whole WAV or MP3 file of its own that a
// File names by its Offset and Size, so a preview of many sentences costs
// the file system one new file instead of one per sentence. A store
// without it (S3) keeps a blob per file. A store that is a Presigner must
// not be an Appender: its URLs serve whole blobs.
type Appender interface {
	// Append adds the parts, one after another, at the end of the blob
	// key, creating it, and returns the offset the first starts at once
	// they are stored as durably as a Put. Appends to one key, from any
	// process, are written one after another. A failed append may leave
	// bytes after the end of what earlier appends returned, which no
	// File names.
	Append(ctx context.Context, key string, parts ...[]byte) (offset int64, err error)
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
