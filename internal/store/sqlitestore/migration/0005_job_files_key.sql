-- Finding the other jobs that share a stored file (previews answered
-- from an identical earlier one), before retention deletes it.
CREATE INDEX job_files_key ON job_files (key);
