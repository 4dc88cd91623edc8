// Package s3blob keeps job files in a bucket of an S3-compatible object
// store (AWS S3, MinIO, versitygw, Ceph RGW, ...): the blob store of a
// ttsc that runs on more than one machine.
package s3blob

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/openttsc/ttsc"
)

// Config says where the blobs live.
type Config struct {
	// Endpoint is the host or host:port of the S3 API, such as
	// "s3.amazonaws.com" or "127.0.0.1:7070". No scheme, no path.
	Endpoint string
	// Secure selects https.
	Secure bool
	// Region is the bucket's region. Empty lets the client ask the server
	// once per bucket.
	Region string
	// Bucket holds the blobs.
	Bucket string
	// AccessKey and SecretKey sign requests. When both are empty the
	// credentials come from the environment, first found wins:
	// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN),
	// MINIO_ROOT_USER/MINIO_ROOT_PASSWORD (or MINIO_ACCESS_KEY/MINIO_SECRET_KEY),
	// ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE),
	// ~/.mc/config.json, then an IAM role (EC2, ECS, EKS web identity).
	AccessKey, SecretKey string
	// Prefix, if set, is put before every key inside the bucket, so that
	// "ttsc/prod" keeps key "p/j/a.wav" as object "ttsc/prod/p/j/a.wav".
	Prefix string
	// CreateBucket makes New create a missing bucket instead of failing.
	// Meant for tests and development.
	CreateBucket bool
}

// Store is a ttsc.BlobStore and ttsc.Presigner on an S3 bucket.
type Store struct {
	client *minio.Client
	core   minio.Core
	bucket string
	prefix string // "" or ends in "/"
}

var (
	_ ttsc.BlobStore = (*Store)(nil)
	_ ttsc.Presigner = (*Store)(nil)
)

// ParseURL reads a blob store URL of the form
//
//	s3://BUCKET[/PREFIX][?endpoint=HOST[:PORT]&region=REGION&secure=BOOL&create_bucket=BOOL]
//
// The query parameters, all optional:
//
//   - endpoint: host or host:port of the S3 API; default s3.amazonaws.com.
//   - region: the bucket's region, such as us-east-1; default empty (the
//     client asks the server).
//   - secure: true (the default) for https, false for plain http.
//   - create_bucket: true to create the bucket when it is missing
//     (development only); default false.
//
// Credentials never go in the URL: they come from the environment (see
// Config.AccessKey). An error names the part of the URL that is wrong.
func ParseURL(s string) (Config, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL is not a URL: %v", errors.Unwrap(err))
	}
	if u.Scheme != "s3" {
		return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL scheme %q is not s3 (want s3://bucket/prefix)", u.Scheme)
	}
	if u.Opaque != "" {
		return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL must start with s3:// (want s3://bucket/prefix)")
	}
	if u.User != nil {
		return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL must not hold credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead")
	}
	if u.Fragment != "" {
		return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL must not have a fragment (#%s)", u.Fragment)
	}
	cfg := Config{Bucket: u.Host, Endpoint: "s3.amazonaws.com", Secure: true}
	if cfg.Bucket == "" {
		return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL has no bucket (want s3://bucket/prefix)")
	}
	if err := s3utils.CheckValidBucketNameStrict(cfg.Bucket); err != nil {
		return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL bucket %q is not a valid bucket name: %v", cfg.Bucket, err)
	}
	prefix, err := cleanPrefix(u.Path)
	if err != nil {
		return Config{}, err
	}
	cfg.Prefix = strings.TrimSuffix(prefix, "/")
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL query %q is malformed", u.RawQuery)
	}
	for name, vals := range q {
		if len(vals) != 1 {
			return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL parameter %q is given %d times", name, len(vals))
		}
		v := vals[0]
		switch name {
		case "endpoint":
			if err := checkEndpoint(v); err != nil {
				return Config{}, err
			}
			cfg.Endpoint = v
		case "region":
			if v == "" || strings.ContainsAny(v, "/ ") {
				return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL parameter region=%q is not a region name", v)
			}
			cfg.Region = v
		case "secure", "create_bucket":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL parameter %s=%q is not true or false", name, v)
			}
			if name == "secure" {
				cfg.Secure = b
			} else {
				cfg.CreateBucket = b
			}
		default:
			return Config{}, ttsc.Errorf(ttsc.EINVALID, "blob store URL parameter %q is unknown (known: endpoint, region, secure, create_bucket)", name)
		}
	}
	return cfg, nil
}

// checkEndpoint reports whether e is host or host:port.
func checkEndpoint(e string) error {
	bad := func(why string) error {
		return ttsc.Errorf(ttsc.EINVALID, "blob store endpoint %q %s (want host or host:port)", e, why)
	}
	if e == "" {
		return bad("is empty")
	}
	if strings.Contains(e, "://") {
		return bad("must not have a scheme; use secure=false for http")
	}
	if strings.ContainsAny(e, "/?#@ ") {
		return bad("must not have a path, user or spaces")
	}
	host := e
	if h, port, err := net.SplitHostPort(e); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return bad("has a bad port")
		}
		host = h
	} else if strings.Count(e, ":") == 1 || strings.HasPrefix(e, "[") {
		return bad("is malformed")
	}
	if host == "" {
		return bad("has no host")
	}
	return nil
}

// cleanPrefix turns "/a/b/" or "a/b" into "a/b/", and "" or "/" into "".
func cleanPrefix(p string) (string, error) {
	p = strings.Trim(p, "/")
	if p == "" {
		return "", nil
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", ttsc.Errorf(ttsc.EINVALID, "blob store prefix %q has an empty, \".\" or \"..\" segment", p)
		}
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "", ttsc.Errorf(ttsc.EINVALID, "blob store prefix %q holds a control character or backslash", p)
		}
	}
	return p + "/", nil
}

// New connects to the store and checks that the bucket exists, creating
// it if cfg.CreateBucket is set. A missing bucket is an EUNAVAILABLE
// error naming it, as is a store that cannot be reached.
func New(ctx context.Context, cfg Config) (s *Store, err error) {
	defer ttsc.WrapOp(&err, "s3blob.New")
	if err := checkEndpoint(cfg.Endpoint); err != nil {
		return nil, err
	}
	if err := s3utils.CheckValidBucketName(cfg.Bucket); err != nil {
		return nil, ttsc.Errorf(ttsc.EINVALID, "blob store bucket %q is not a valid bucket name: %v", cfg.Bucket, err)
	}
	prefix, err := cleanPrefix(cfg.Prefix)
	if err != nil {
		return nil, err
	}
	var creds *credentials.Credentials
	switch {
	case cfg.AccessKey != "" && cfg.SecretKey != "":
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")
	case cfg.AccessKey != "" || cfg.SecretKey != "":
		return nil, ttsc.Errorf(ttsc.EINVALID, "blob store needs both an access key and a secret key, or neither")
	default:
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.EnvMinio{},
			&credentials.FileAWSCredentials{},
			&credentials.FileMinioClient{},
			&credentials.IAM{Client: &http.Client{Transport: http.DefaultTransport}},
		})
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  creds,
		Secure: cfg.Secure,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, ttsc.Errorf(ttsc.EINVALID, "blob store endpoint %q: %v", cfg.Endpoint, err)
	}
	s = &Store{client: client, core: minio.Core{Client: client}, bucket: cfg.Bucket, prefix: prefix}

	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, s.fail(err, "", "bucket %s at %s cannot be checked", cfg.Bucket, cfg.Endpoint)
	}
	if !ok && cfg.CreateBucket {
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		if err == nil || s3Code(err) == minio.BucketAlreadyOwnedByYou {
			return s, nil
		}
		return nil, s.fail(err, "", "bucket %s at %s cannot be created", cfg.Bucket, cfg.Endpoint)
	}
	if !ok {
		return nil, ttsc.Errorf(ttsc.EUNAVAILABLE, "bucket %s does not exist at %s; create it first", cfg.Bucket, cfg.Endpoint)
	}
	return s, nil
}

// s3Code returns the S3 error code of err, or "".
func s3Code(err error) string {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp.Code
	}
	return ""
}

// fail turns an error of the S3 client into a ttsc error. Missing keys
// (when key is not "") are ENOTFOUND; a store that cannot be reached,
// refuses the credentials, has lost the bucket or fails on its side is
// EUNAVAILABLE, with msg (a format of args) as the message. Anything else
// is left for WrapOp to make EINTERNAL.
func (s *Store) fail(err error, key, msg string, args ...any) error {
	unavailable := func(e error) error {
		te := ttsc.Errorf(ttsc.EUNAVAILABLE, msg, args...)
		te.Err = e
		return te
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return unavailable(err)
	}
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) || resp.StatusCode == 0 {
		// Not an answer of the server: a network failure.
		return unavailable(err)
	}
	switch {
	case key != "" && (resp.Code == minio.NoSuchKey || resp.StatusCode == http.StatusNotFound && resp.Code != minio.NoSuchBucket):
		return &ttsc.Error{Code: ttsc.ENOTFOUND, Message: "file " + key + " not found", Err: err}
	case resp.Code == minio.NoSuchBucket:
		te := ttsc.Errorf(ttsc.EUNAVAILABLE, "bucket %s does not exist", s.bucket)
		te.Err = err
		return te
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden:
		msg += ": access denied (check the access key, secret key and bucket policy)"
		return unavailable(err)
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return unavailable(err)
	}
	return err
}

// Put stores data under key with one PUT (or, over 16 MiB, a multipart
// upload that appears whole when complete).
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) (err error) {
	defer ttsc.WrapOp(&err, "s3blob.Put")
	if err := ttsc.ValidBlobKey(key); err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, s.bucket, s.prefix+key, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: contentType})
	if err != nil {
		return s.fail(err, "", "file storage cannot store %s", key)
	}
	return nil
}

// Open returns the blob, or ENOTFOUND, also for a key that breaks the
// rules of ValidBlobKey (no blob has one). It starts the download at
// once, so that Size and ModTime describe the bytes read. The blob reads
// through ctx: it must stay live until the blob is closed. After a Seek
// the blob asks for the rest of the same version (If-Match on its ETag);
// if the object was replaced meanwhile that read fails with ECONFLICT.
func (s *Store) Open(ctx context.Context, key string) (b *ttsc.Blob, err error) {
	defer ttsc.WrapOp(&err, "s3blob.Open")
	if err := ttsc.ValidBlobKey(key); err != nil {
		// Readers get keys from outside (download URLs): one that
		// cannot name a blob finds none, as a missing one.
		return nil, &ttsc.Error{Code: ttsc.ENOTFOUND, Message: "file not found", Err: err}
	}
	body, info, _, err := s.core.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.fail(err, key, "file storage cannot read %s", key)
	}
	o := &object{ctx: ctx, s: s, key: key, etag: info.ETag, size: info.Size, body: body}
	return &ttsc.Blob{ReadSeekCloser: o, Size: info.Size, ModTime: info.LastModified}, nil
}

// Delete removes the blob; a missing blob is not an error.
func (s *Store) Delete(ctx context.Context, key string) (err error) {
	defer ttsc.WrapOp(&err, "s3blob.Delete")
	if err := ttsc.ValidBlobKey(key); err != nil {
		return err
	}
	err = s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{})
	if err != nil && s3Code(err) != minio.NoSuchKey {
		return s.fail(err, "", "file storage cannot delete %s", key)
	}
	return nil
}

// MaxPresignTTL is the longest validity S3 allows a presigned URL.
const MaxPresignTTL = 7 * 24 * time.Hour

// PresignGet returns a URL that downloads key without other credentials
// until ttl (rounded up to whole seconds, 1 s to 7 days) has passed. It
// checks that the blob exists (ENOTFOUND if not) and pins the response's
// Content-Type to the one stored with it.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration) (u string, err error) {
	defer ttsc.WrapOp(&err, "s3blob.PresignGet")
	if err := ttsc.ValidBlobKey(key); err != nil {
		return "", err
	}
	if ttl <= 0 || ttl > MaxPresignTTL {
		return "", ttsc.Errorf(ttsc.EINVALID, "presigned URL lifetime %v is not between 1s and %v", ttl, MaxPresignTTL)
	}
	ttl = (ttl + time.Second - 1).Truncate(time.Second)
	info, err := s.client.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{})
	if err != nil {
		return "", s.fail(err, key, "file storage cannot look up %s", key)
	}
	params := url.Values{}
	if info.ContentType != "" {
		params.Set("response-content-type", info.ContentType)
	}
	pu, err := s.client.PresignedGetObject(ctx, s.bucket, s.prefix+key, ttl, params)
	if err != nil {
		return "", s.fail(err, "", "file storage cannot sign a URL for %s", key)
	}
	return pu.String(), nil
}
