package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/openttsc/ttsc"
)

// maxAttempts is how often River runs a job before it gives up on it.
const maxAttempts = 3

// riverPriority maps a job priority, 0 (most urgent) to 10, onto River's
// four levels, 1 (first) to 4. Previews use 0 and so always go first.
func riverPriority(p int) int {
	switch {
	case p <= 0:
		return 1
	case p <= 3:
		return 2
	case p <= 6:
		return 3
	}
	return 4
}

// CreateJob stores j and enqueues its synthesis in one transaction.
func (db *DB) CreateJob(ctx context.Context, j *ttsc.Job) (err error) {
	ctx, end := db.begin(ctx, "CreateJob", &err)
	defer end()
	now := db.cfg.Now().UTC()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	row := *j
	row.State, row.Code, row.Message, row.Segments = ttsc.JobWaiting, "", "", 0
	if err := db.insertJob(ctx, tx, &row, ms(now), 0); err != nil {
		return err
	}
	// A streamed job is synthesized on its connection: it is recorded,
	// not queued.
	if j.Type != ttsc.JobWebSocket {
		if _, err := db.river.InsertTx(ctx, tx.Tx, ttsc.SynthesisArgs{JobID: j.ID, ProjectID: j.ProjectID},
			&river.InsertOpts{Priority: riverPriority(j.Priority), MaxAttempts: maxAttempts}); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	db.cfg.Inserted()
	j.State, j.CreatedAt, j.UpdatedAt = ttsc.JobWaiting, now.Truncate(time.Millisecond), now.Truncate(time.Millisecond)
	return nil
}

// insertJob inserts j's row, created (and updated) at now and ended at
// ended (0: not ended).
func (db *DB) insertJob(ctx context.Context, tx *tx, j *ttsc.Job, now, ended int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO jobs
		(id, project_id, type, state, voice_id, text, tts_text, speed, pitch, volume, channels, format, priority, options,
		code, message, segments, created_at, updated_at, ended_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		j.ID, j.ProjectID, string(j.Type), string(j.State), j.VoiceID, j.Text, j.TTSText,
		j.Prosody.Speed, j.Prosody.Pitch, j.Prosody.Volume, j.Prosody.Channels, string(j.Format), j.Priority, j.Options,
		j.Code, j.Message, j.Segments, now, now, ended); err != nil {
		return db.conflict(err, "job %s exists", j.ID)
	}
	return nil
}

const jobColumns = `id, project_id, type, state, voice_id, text, tts_text, speed, pitch, volume, channels, format,
	priority, options, code, message, segments, created_at, updated_at, ended_at`

type scanner interface{ Scan(dest ...any) error }

func scanJob(s scanner) (*ttsc.Job, error) {
	var j ttsc.Job
	var typ, state, format string
	var created, updated, ended int64
	if err := s.Scan(&j.ID, &j.ProjectID, &typ, &state, &j.VoiceID, &j.Text, &j.TTSText,
		&j.Prosody.Speed, &j.Prosody.Pitch, &j.Prosody.Volume, &j.Prosody.Channels, &format,
		&j.Priority, &j.Options, &j.Code, &j.Message, &j.Segments, &created, &updated, &ended); err != nil {
		return nil, err
	}
	j.Type, j.State, j.Format = ttsc.JobType(typ), ttsc.JobState(state), ttsc.AudioFormat(format)
	j.CreatedAt, j.UpdatedAt, j.EndedAt = fromMS(created), fromMS(updated), fromMS(ended)
	return &j, nil
}

// Job returns a job of the project with its files. It reads without a
// transaction, through prepared statements (status polls are the
// hottest query): files only ever grow before a job ends, so reading the
// job first and its files second never shows an ended job without its
// files.
func (db *DB) Job(ctx context.Context, projectID, id string) (j *ttsc.Job, err error) {
	ctx, end := db.begin(ctx, "Job", &err)
	defer end()
	return db.job(ctx, db.read, projectID, id)
}

func (db *DB) job(ctx context.Context, q querier, projectID, id string) (*ttsc.Job, error) {
	j, err := scanJob(q.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ? AND project_id = ?`, id, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ttsc.Errorf(ttsc.ENOTFOUND, "job %s not found", id)
	}
	if err != nil {
		return nil, err
	}
	if j.Files, err = files(ctx, q, id); err != nil {
		return nil, err
	}
	return j, nil
}

func files(ctx context.Context, q querier, jobID string) ([]ttsc.File, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, idx, key, blob_offset, content_type, size, duration_ms, words, created_at
		FROM job_files WHERE job_id = ? ORDER BY kind, idx`, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ttsc.File
	for rows.Next() {
		var f ttsc.File
		var kind string
		var words sql.NullString
		var created int64
		if err := rows.Scan(&kind, &f.Index, &f.Key, &f.Offset, &f.ContentType, &f.Size, &f.DurationMs, &words, &created); err != nil {
			return nil, err
		}
		f.Kind, f.CreatedAt = ttsc.FileKind(kind), fromMS(created)
		if f.Words, err = decodeWords(words); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// ListJobs returns the matching jobs with their files, newest first (ties
// by ID), and the total count of matches. The filter always selects one
// project: an empty ProjectID matches no job. CreatedSince and
// CreatedUntil are both inclusive; a Limit of 0 means no limit.
func (db *DB) ListJobs(ctx context.Context, f ttsc.JobFilter) (jobs []*ttsc.Job, total int, err error) {
	ctx, end := db.begin(ctx, "ListJobs", &err)
	defer end()
	where := []string{"project_id = ?"}
	args := []any{f.ProjectID}
	if f.ID != "" {
		where, args = append(where, "id = ?"), append(args, f.ID)
	}
	if f.Type != "" {
		where, args = append(where, "type = ?"), append(args, string(f.Type))
	}
	if !f.CreatedSince.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, ms(f.CreatedSince))
	}
	if !f.CreatedUntil.IsZero() {
		where, args = append(where, "created_at <= ?"), append(args, ms(f.CreatedUntil))
	}
	cond := strings.Join(where, " AND ")
	// One read transaction: the count, the page and the files are of one
	// snapshot.
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE `+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = noLimit
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE `+cond+
		` ORDER BY created_at DESC, id LIMIT ? OFFSET ?`, append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, 0, err
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if err := listFiles(ctx, tx, jobs); err != nil {
		return nil, 0, err
	}
	return jobs, total, nil
}

// listFiles loads the files of jobs, a few hundred jobs per query.
func listFiles(ctx context.Context, q querier, jobs []*ttsc.Job) error {
	const chunk = 500 // well under SQLite's limit on query parameters
	for len(jobs) > 0 {
		n := min(len(jobs), chunk)
		if err := listFilesOf(ctx, q, jobs[:n]); err != nil {
			return err
		}
		jobs = jobs[n:]
	}
	return nil
}

func listFilesOf(ctx context.Context, q querier, jobs []*ttsc.Job) error {
	byID := make(map[string]*ttsc.Job, len(jobs))
	args := make([]any, len(jobs))
	for i, j := range jobs {
		byID[j.ID], args[i] = j, j.ID
	}
	rows, err := q.QueryContext(ctx, `SELECT job_id, kind, idx, key, blob_offset, content_type, size, duration_ms, words, created_at
		FROM job_files WHERE job_id IN (?`+strings.Repeat(", ?", len(jobs)-1)+`) ORDER BY job_id, kind, idx`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var f ttsc.File
		var jobID, kind string
		var words sql.NullString
		var created int64
		if err := rows.Scan(&jobID, &kind, &f.Index, &f.Key, &f.Offset, &f.ContentType, &f.Size, &f.DurationMs, &words, &created); err != nil {
			return err
		}
		f.Kind, f.CreatedAt = ttsc.FileKind(kind), fromMS(created)
		if f.Words, err = decodeWords(words); err != nil {
			return err
		}
		j := byID[jobID]
		j.Files = append(j.Files, f)
	}
	return rows.Err()
}

// encodeWords is the job_files.words value of a file's word timings:
// a JSON array, or NULL when there are none.
func encodeWords(words []ttsc.WordTiming) (any, error) {
	if len(words) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(words)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// decodeWords reads the job_files.words column.
func decodeWords(v sql.NullString) ([]ttsc.WordTiming, error) {
	if !v.Valid || v.String == "" {
		return nil, nil
	}
	var words []ttsc.WordTiming
	if err := json.Unmarshal([]byte(v.String), &words); err != nil {
		return nil, fmt.Errorf("the word timings of a file are unreadable: %w", err)
	}
	if len(words) == 0 {
		return nil, nil
	}
	return words, nil
}

// StartJob moves a waiting job to PROCESSING with its segment count. A
// job already PROCESSING (a retry) is returned as it is, except that a
// segment count still 0 is recorded; an ended job is returned unchanged.
func (db *DB) StartJob(ctx context.Context, id string, segments int) (j *ttsc.Job, err error) {
	ctx, end := db.begin(ctx, "StartJob", &err)
	defer end()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var project string
	if err := tx.QueryRowContext(ctx, `SELECT project_id FROM jobs WHERE id = ?`, id).Scan(&project); errors.Is(err, sql.ErrNoRows) {
		return nil, ttsc.Errorf(ttsc.ENOTFOUND, "job %s not found", id)
	} else if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE jobs SET state = ?, segments = ?, updated_at = ?
		WHERE id = ? AND (state = ? OR state = ? AND segments = 0)`,
		string(ttsc.JobProcessing), segments, ms(db.cfg.Now()), id, string(ttsc.JobWaiting), string(ttsc.JobProcessing)); err != nil {
		return nil, err
	}
	if j, err = db.job(ctx, tx, project, id); err != nil {
		return nil, err
	}
	return j, tx.Commit()
}

// AddFile records a file; a second record of the same kind and index is
// ignored.
func (db *DB) AddFile(ctx context.Context, jobID string, f ttsc.File) (err error) {
	ctx, end := db.begin(ctx, "AddFile", &err)
	defer end()
	words, err := encodeWords(f.Words)
	if err != nil {
		return err
	}
	res, err := db.write.ExecContext(ctx, `INSERT INTO job_files (job_id, kind, idx, key, blob_offset, content_type, size, duration_ms, words, created_at)
		SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT),
			CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT)
		WHERE EXISTS (SELECT 1 FROM jobs WHERE id = ?)
		ON CONFLICT (job_id, kind, idx) DO NOTHING`,
		jobID, string(f.Kind), f.Index, f.Key, f.Offset, f.ContentType, f.Size, f.DurationMs, words, ms(cmp.Or(f.CreatedAt, db.cfg.Now())), jobID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var exists int
		if err := db.write.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE id = ?`, jobID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return ttsc.Errorf(ttsc.ENOTFOUND, "job %s not found", jobID)
		}
	}
	return nil
}

// EndJob moves a job that has not ended to state and, if the job asked
// for a callback, enqueues its delivery in the same transaction.
func (db *DB) EndJob(ctx context.Context, id string, state ttsc.JobState, code, message string) error {
	_, err := db.EndJobAt(ctx, id, state, code, message, db.cfg.Now())
	return err
}

// EndJobAt is EndJob with the time the job ends, to the millisecond, so
// that a cache of jobs can keep the job as the store records it. It
// reports whether it ended the job: false when it had ended before.
func (db *DB) EndJobAt(ctx context.Context, id string, state ttsc.JobState, code, message string, at time.Time) (ended bool, err error) {
	ctx, end := db.begin(ctx, "EndJob", &err)
	defer end()
	if !state.Ended() {
		return false, ttsc.Errorf(ttsc.EINVALID, "EndJob needs a final state, got %s", state)
	}
	return db.endJob(ctx, id, state, code, message, at, false)
}

// endJob is EndJob in one transaction; orphaned adds the condition that
// no live queue job would still run the job. It reports whether it
// ended the job.
func (db *DB) endJob(ctx context.Context, id string, state ttsc.JobState, code, message string, at time.Time, orphaned bool) (bool, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var project string
	var options []byte
	if err := tx.QueryRowContext(ctx, `SELECT project_id, options FROM jobs WHERE id = ?`, id).Scan(&project, &options); errors.Is(err, sql.ErrNoRows) {
		return false, ttsc.Errorf(ttsc.ENOTFOUND, "job %s not found", id)
	} else if err != nil {
		return false, err
	}
	now := ms(at)
	q := `UPDATE jobs SET state = ?, code = ?, message = ?, ended_at = ?, updated_at = ?
		WHERE id = ? AND state NOT IN (?, ?)`
	if orphaned {
		q += ` AND id NOT IN (` + liveSynthesis + `)`
	}
	res, err := tx.ExecContext(ctx, q, string(state), code, message, now, now, id, string(ttsc.JobSucceeded), string(ttsc.JobFailed))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // ended before, or still queued
	}
	var opts ttsc.JobOptions
	if len(options) > 0 && json.Unmarshal(options, &opts) == nil && opts.CallbackURL != "" {
		// The callback worker sets its own retry policy.
		if _, err := db.river.InsertTx(ctx, tx.Tx, ttsc.CallbackArgs{JobID: id, ProjectID: project}, nil); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	db.cfg.Inserted()
	return true, nil
}

// unfinished is the condition of a job that waits or runs, written with
// literals exactly as the partial index jobs_unfinished is, so that both
// databases use the index.
var unfinished = fmt.Sprintf(`state IN ('%s', '%s')`, ttsc.JobWaiting, ttsc.JobProcessing)

// liveSynthesis selects the job IDs of the synthesis queue jobs that
// will still run: waiting, running or due for a retry. It reads only the
// queue's live jobs through River's fetch index, which leads with the
// state. Appending the empty string to kind keeps SQLite from preferring
// the index on kind, which holds every job finished in the last day too
// (20 times slower with 200,000 of them).
var liveSynthesis = fmt.Sprintf(`SELECT args ->> 'job_id' FROM river_job
	WHERE kind || '' = '%s' AND state IN ('%s', '%s', '%s', '%s', '%s') AND args ->> 'job_id' IS NOT NULL`,
	ttsc.SynthesisArgs{}.Kind(), rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateScheduled)

// FailOrphans ends FAILED up to limit unfinished jobs that no live queue
// job will run, oldest first. The candidates are read without a lock;
// each is then ended in a transaction of its own, and only if it is
// still unfinished and still without a live queue job.
func (db *DB) FailOrphans(ctx context.Context, code, message string, limit int) (ids []string, err error) {
	ctx, end := db.begin(ctx, "FailOrphans", &err)
	defer end()
	candidates, err := db.jobIDs(ctx, `SELECT id FROM jobs WHERE `+unfinished+` AND type <> ?
		AND id NOT IN (`+liveSynthesis+`) ORDER BY created_at LIMIT ?`, string(ttsc.JobWebSocket), limit)
	if err != nil {
		return nil, err
	}
	return db.failEach(ctx, candidates, code, message, true)
}

// FailStaleStreams ends FAILED up to limit unfinished streamed jobs
// created before before, oldest first. The candidates are read without
// a lock through the index jobs_unfinished; each is then ended in a
// transaction of its own, and only if it is still unfinished.
func (db *DB) FailStaleStreams(ctx context.Context, before time.Time, code, message string, limit int) (ids []string, err error) {
	ctx, end := db.begin(ctx, "FailStaleStreams", &err)
	defer end()
	candidates, err := db.jobIDs(ctx, `SELECT id FROM jobs WHERE `+unfinished+` AND created_at < ? AND type = ?
		ORDER BY created_at LIMIT ?`, ms(before), string(ttsc.JobWebSocket), limit)
	if err != nil {
		return nil, err
	}
	return db.failEach(ctx, candidates, code, message, false)
}

// failEach ends FAILED each of the candidates that is still unfinished
// (and, when orphaned, still without a live queue job), each in a
// transaction of its own, and returns the IDs of those it ended.
func (db *DB) failEach(ctx context.Context, candidates []string, code, message string, orphaned bool) (ids []string, err error) {
	for _, id := range candidates {
		ended, err := db.endJob(ctx, id, ttsc.JobFailed, code, message, db.cfg.Now(), orphaned)
		switch {
		case ttsc.ErrorCode(err) == ttsc.ENOTFOUND:
			// Deleted meanwhile (retention).
		case err != nil:
			return ids, err
		case ended:
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// jobIDs returns the job IDs query selects from the read pool.
func (db *DB) jobIDs(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ExpiredJobs returns up to limit jobs created before before, oldest
// first, with their files.
func (db *DB) ExpiredJobs(ctx context.Context, before time.Time, limit int) (jobs []*ttsc.Job, err error) {
	ctx, end := db.begin(ctx, "ExpiredJobs", &err)
	defer end()
	rows, err := db.read.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE created_at < ?
		ORDER BY created_at, id LIMIT ?`, ms(before), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return jobs, listFiles(ctx, db.read, jobs)
}

// DeleteJob deletes a job; its file records go with it (ON DELETE
// CASCADE).
func (db *DB) DeleteJob(ctx context.Context, id string) (err error) {
	ctx, end := db.begin(ctx, "DeleteJob", &err)
	defer end()
	_, err = db.write.ExecContext(ctx, `DELETE FROM jobs WHERE id = ?`, id)
	return err
}

// RecordJob stores an ended job with its files in one transaction,
// without queueing work.
func (db *DB) RecordJob(ctx context.Context, j *ttsc.Job) (err error) {
	ctx, end := db.begin(ctx, "RecordJob", &err)
	defer end()
	if !j.State.Ended() {
		return ttsc.Errorf(ttsc.EINVALID, "RecordJob needs an ended job, got %s", j.State)
	}
	now := db.cfg.Now().UTC()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := db.insertJob(ctx, tx, j, ms(now), ms(now)); err != nil {
		return err
	}
	for _, f := range j.Files {
		words, err := encodeWords(f.Words)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_files (job_id, kind, idx, key, blob_offset, content_type, size, duration_ms, words, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			j.ID, string(f.Kind), f.Index, f.Key, f.Offset, f.ContentType, f.Size, f.DurationMs, words, ms(now)); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	t := now.Truncate(time.Millisecond)
	j.CreatedAt, j.UpdatedAt, j.EndedAt = t, t, t
	for i := range j.Files {
		j.Files[i].CreatedAt = t
	}
	return nil
}

// KeyShared reports whether another job than jobID has a file under key.
func (db *DB) KeyShared(ctx context.Context, key, jobID string) (shared bool, err error) {
	ctx, end := db.begin(ctx, "KeyShared", &err)
	defer end()
	var n int
	err = db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM job_files WHERE key = ? AND job_id <> ?`, key, jobID).Scan(&n)
	return n > 0, err
}

// QueueDepth counts the queue's jobs by kind, then by state.
func (db *DB) QueueDepth(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT kind, state, COUNT(*) FROM river_job GROUP BY kind, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var kind, state string
		var n int
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return nil, err
		}
		if out[kind] == nil {
			out[kind] = map[string]int{}
		}
		out[kind][state] = n
	}
	return out, rows.Err()
}

// Unfinished counts the project's jobs that are waiting or running.
func (db *DB) Unfinished(ctx context.Context, projectID string) (n int, err error) {
	ctx, end := db.begin(ctx, "Unfinished", &err)
	defer end()
	err = db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE project_id = ? AND state IN (?, ?)`,
		projectID, string(ttsc.JobWaiting), string(ttsc.JobProcessing)).Scan(&n)
	return n, err
}
