-- Executions of some tasks in a window's partial edge hours (see rollups::Cover), with the
-- columns a rollup sums. $1 task ids, $2/$3 and $4/$5 the two raw ranges.
SELECT task_id, status, attempt_number, start_time, duration_ms, cpu_time_ms, memory_peak_mb,
       cpu_allocated_cores, memory_allocated_mb
FROM task_execution_history
WHERE task_id = ANY($1)
  AND ((start_time >= $2 AND start_time < $3) OR (start_time >= $4 AND start_time < $5))
