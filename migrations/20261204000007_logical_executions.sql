-- Logical executions (issue #13, point 3): a task that runs several instances per workflow
-- execution (a Nextflow process over samples, an Airflow mapped task's map index) names each
-- in the ingest record's `instanceId`; the attempts of one instance share it. A logical
-- execution is (workflow_execution_id, task_id, instance_key); '' for a task that runs once per
-- workflow execution, so every row stored before this migration keeps its meaning.
ALTER TABLE task_execution_history ADD COLUMN instance_key TEXT NOT NULL DEFAULT '';

-- Recovery time: the next completed execution of the same (task, instance) from a failure's
-- end on (db/src/sql/failure_counts.sql). Without the instance in the index, a failure that
-- never recovered would scan every later success of the task's other instances.
CREATE INDEX idx_task_execution_history_instance_completed
    ON task_execution_history (task_id, instance_key, start_time)
    WHERE status = 'completed';

-- Retry flags of task_failures: the later attempts of one logical execution, found by its run
-- (db::ingest, on every batch).
CREATE INDEX idx_task_execution_history_logical
    ON task_execution_history (workflow_execution_id, task_id, instance_key);

-- Memory peaks with sub-MiB precision (issue #13, point 5): INTEGER rounded a 0.4 MiB peak to
-- 0. The summary view reads the column, and Postgres cannot change the type of a column a view
-- depends on: drop it and create it again as in 20261126000001_initial_schema.sql. (The rollup
-- functions cast the column to float8 and are bound at run time: unaffected.)
DROP MATERIALIZED VIEW task_performance_summary;
ALTER TABLE task_execution_history ALTER COLUMN memory_peak_mb TYPE DOUBLE PRECISION;
CREATE MATERIALIZED VIEW task_performance_summary AS
SELECT
    task_id,
    task_name,
    COUNT(*) as total_executions,
    COUNT(*) FILTER (WHERE status = 'completed') as successful_executions,
    COUNT(*) FILTER (WHERE status = 'failed') as failed_executions,
    AVG(duration_ms) as avg_duration_ms,
    PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY duration_ms) as median_duration,
    PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY duration_ms) as p95_duration,
    AVG(cpu_time_ms) as avg_cpu_time,
    AVG(memory_peak_mb) as avg_memory_mb,
    DATE_TRUNC('hour', start_time) as time_bucket
FROM task_execution_history
GROUP BY task_id, task_name, DATE_TRUNC('hour', start_time);
CREATE INDEX idx_task_performance_summary ON task_performance_summary(task_id, time_bucket);
CREATE UNIQUE INDEX idx_task_performance_summary_unique
    ON task_performance_summary(task_id, task_name, time_bucket);

-- task_failures.retry_attempted / retry_successful were never set. A failure row's execution
-- was retried when a later attempt (higher attempt number, not skipped: it ran) of the same
-- logical execution exists, and the retry succeeded when one of those completed (NULL when not retried). The
-- ingest keeps them current as later attempts arrive (db/src/sql/ingest_retry_flags.sql); here
-- the rows stored so far, whose instance is '' (logical execution = run and task).
UPDATE task_failures f
SET retry_attempted = l.later > 0,
    retry_successful = CASE WHEN l.later > 0 THEN l.completed > 0 END
FROM task_execution_history h
CROSS JOIN LATERAL (
    SELECT count(*) AS later, count(*) FILTER (WHERE n.status = 'completed') AS completed
    FROM task_execution_history n
    WHERE n.workflow_execution_id = h.workflow_execution_id
      AND n.task_id = h.task_id
      AND n.instance_key = h.instance_key
      AND coalesce(n.attempt_number, 1) > coalesce(h.attempt_number, 1)
      AND n.status <> 'skipped'
) l
WHERE f.task_execution_id = h.id;
