-- Counting a project's unfinished jobs (the queued-jobs cap).
CREATE INDEX jobs_project_state ON jobs (project_id, state);
