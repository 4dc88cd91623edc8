-- Where a file starts in its blob: the audio files of a preview on disk
-- are appended to one blob of their job, each named by its offset and
-- size. Every file stored before is a whole blob, at offset 0.
ALTER TABLE job_files ADD COLUMN blob_offset INTEGER NOT NULL DEFAULT 0;
