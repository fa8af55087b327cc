-- The dashboard's outliers above DASHBOARD_RECORDS executions: a task's completed runs slower
-- or faster than the cut-offs read off its rollups, found by two range scans instead of a
-- pass over every execution of the window (455 ms → a few ms for a 90,000-execution task).
CREATE INDEX idx_task_execution_history_completed_duration
    ON task_execution_history (task_id, duration_ms)
    WHERE status = 'completed' AND duration_ms > 0;
