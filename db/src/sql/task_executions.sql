-- The latest executions of one task in a window, newest first, as the analytics read them.
-- $1 task id, $2 window start (NULL: since the beginning), $3 window end (exclusive), $4 limit.
SELECT e.execution_key,
       we.execution_key AS run_key,
       e.instance_key,
       e.status,
       e.attempt_number,
       e.start_time,
       e.end_time,
       e.duration_ms,
       e.cpu_time_ms,
       e.memory_peak_mb,
       e.cpu_allocated_cores,
       e.memory_allocated_mb,
       e.input_size_bytes,
       e.output_size_bytes,
       e.read_bytes,
       e.write_bytes,
       e.io_operations,
       e.network_calls,
       e.bytes_transferred,
       e.host,
       e.error_details,
       e.input_hash,
       e.attributes
FROM task_execution_history e
JOIN workflow_executions we ON we.id = e.workflow_execution_id
WHERE e.task_id = $1
  AND ($2::timestamptz IS NULL OR e.start_time >= $2)
  AND e.start_time < $3
-- By start only, so the (task_id, start_time DESC) index answers it with the limit.
ORDER BY e.start_time DESC
LIMIT $4
