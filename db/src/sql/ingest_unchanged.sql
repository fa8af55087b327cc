-- Staged records equal to their stored execution in every column a write would set: a replay
-- of them changes nothing (db::ingest::preview reports them as unchanged, not updated).
SELECT count(*)
FROM ingest_stage s
JOIN task_execution_history h ON h.task_id = s.task_id AND h.execution_key = s.execution_key
WHERE (h.workflow_execution_id, h.task_name, h.start_time, h.end_time, h.duration_ms, h.status,
       h.attempt_number, h.input_size_bytes, h.output_size_bytes, h.cpu_time_ms, h.memory_peak_mb,
       h.io_operations, h.network_calls, h.error_details, h.retry_reason, h.read_bytes,
       h.write_bytes, h.bytes_transferred, h.cpu_allocated_cores, h.memory_allocated_mb, h.host,
       h.input_hash, h.attributes, h.instance_key)
      IS NOT DISTINCT FROM
      (s.workflow_execution_id, s.task_name, s.start_time, s.end_time, s.duration_ms, s.status,
       s.attempt_number, s.input_size_bytes, s.output_size_bytes, s.cpu_time_ms, s.memory_peak_mb,
       s.io_operations, s.network_calls, s.error_details, s.retry_reason, s.read_bytes,
       s.write_bytes, s.bytes_transferred, s.cpu_allocated_cores, s.memory_allocated_mb, s.host,
       s.input_hash, s.attributes, s.instance_key)
