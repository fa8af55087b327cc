-- task_performance_metrics doubles as a cache of computed results: one row per task and
-- window label (a preset such as '7d', or 'custom'), replaced on each computation.
ALTER TABLE task_performance_metrics ADD COLUMN window_label VARCHAR(16) NOT NULL DEFAULT 'custom';
CREATE UNIQUE INDEX idx_task_performance_task_window ON task_performance_metrics(task_id, window_label);
