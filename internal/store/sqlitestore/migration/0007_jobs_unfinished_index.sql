-- Finding unfinished jobs of every project (the sweep of jobs whose
-- queued work will never run). Partial: it holds only the jobs that
-- wait or run, so it stays small.
CREATE INDEX jobs_unfinished ON jobs (created_at) WHERE state IN ('WAITING', 'PROCESSING');
