-- Word timings of a preview's audio file: a JSON array of
-- {text, begin_char, end_char, begin_ms, end_ms}, kept with the file's
-- record (not as another blob to write); NULL when there are none.
ALTER TABLE job_files ADD COLUMN words TEXT;
