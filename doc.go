// Package ttsc holds the domain of the ttsc text-to-speech service: jobs,
// voices, credentials, errors, and the few interfaces through which the
// adapters under internal/ meet.
//
// A request flows like this. internal/httpapi authenticates it (SDK-HMAC-SHA256
// or a token), validates the body and asks a JobStore to create the job row
// and enqueue its work in one transaction. A River worker in internal/worker
// picks the work up, splits the text into segments, has an Engine synthesize
// each one, encodes the audio, puts it in a BlobStore and records the file on
// the job. Clients poll the job and download its files through URLs that sign
// themselves and expire.
//
// This package imports only the standard library; wiring of concrete
// adapters happens in cmd/ttsc.
package ttsc
