package s3blob

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/minio/minio-go/v7"

	"github.com/openttsc/ttsc"
)

// object reads one version of an S3 object. It holds the body of the GET
// that Open made, reads on from it while the caller reads in order, and
// after a Seek asks for the rest with a Range GET that must match the
// version's ETag. Seeking does no I/O, so http.ServeContent's
// Seek(0, End), Seek(0, Start) costs nothing.
type object struct {
	ctx  context.Context
	s    *Store
	key  string
	etag string
	size int64

	mu      sync.Mutex
	off     int64         // where the next Read starts
	body    io.ReadCloser // open stream, or nil
	bodyOff int64         // where body's next byte is
	closed  bool
}

func (o *object) Read(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return 0, errClosed
	}
	if o.off >= o.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if o.body != nil && o.bodyOff != o.off {
		o.body.Close()
		o.body = nil
	}
	if o.body == nil {
		if err := o.reopen(); err != nil {
			return 0, err
		}
	}
	n, err := o.body.Read(p)
	o.off += int64(n)
	o.bodyOff += int64(n)
	if err == io.EOF && o.off < o.size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		// The stream broke: the next Read starts a new one at o.off.
		o.body.Close()
		o.body = nil
		if n > 0 {
			err = nil
		} else {
			err = o.s.fail(err, o.key, "file storage stopped sending %s", o.key)
			ttsc.WrapOp(&err, "s3blob.Read")
		}
	}
	return n, err
}

// reopen starts a GET of the same version from o.off.
func (o *object) reopen() error {
	opts := minio.GetObjectOptions{}
	if err := opts.SetMatchETag(o.etag); err != nil {
		return err
	}
	if o.off > 0 {
		if err := opts.SetRange(o.off, 0); err != nil {
			return err
		}
	}
	body, _, _, err := o.s.core.GetObject(o.ctx, o.s.bucket, o.s.prefix+o.key, opts)
	if err != nil {
		if s3Code(err) == minio.PreconditionFailed {
			err = &ttsc.Error{Code: ttsc.ECONFLICT, Message: "file " + o.key + " was replaced while it was read", Err: err}
		} else {
			err = o.s.fail(err, o.key, "file storage cannot read %s", o.key)
		}
		ttsc.WrapOp(&err, "s3blob.Read")
		return err
	}
	o.body, o.bodyOff = body, o.off
	return nil
}

var errClosed = errors.New("s3blob: read of a closed blob")

func (o *object) Seek(offset int64, whence int) (int64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return 0, errClosed
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += o.off
	case io.SeekEnd:
		offset += o.size
	default:
		return 0, errors.New("s3blob: Seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("s3blob: Seek: negative position")
	}
	o.off = offset
	return offset, nil
}

func (o *object) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	if o.body != nil {
		o.body.Close()
		o.body = nil
	}
	return nil
}
