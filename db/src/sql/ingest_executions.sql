-- Moves a batch from the COPY-filled staging table into the history (one statement per batch).
-- The idempotency key is (task_id, execution_key): a replay updates the row in place.
INSERT INTO task_execution_history (
    task_id, workflow_execution_id, task_name, start_time, end_time, duration_ms, status,
    attempt_number, input_size_bytes, output_size_bytes, cpu_time_ms, memory_peak_mb,
    io_operations, network_calls, error_details, retry_reason, execution_key, read_bytes,
    write_bytes, bytes_transferred, cpu_allocated_cores, memory_allocated_mb, host, input_hash,
    attributes, instance_key)
SELECT task_id, workflow_execution_id, task_name, start_time, end_time, duration_ms, status,
       attempt_number, input_size_bytes, output_size_bytes, cpu_time_ms, memory_peak_mb,
       io_operations, network_calls, error_details, retry_reason, execution_key, read_bytes,
       write_bytes, bytes_transferred, cpu_allocated_cores, memory_allocated_mb, host, input_hash,
       attributes, instance_key
FROM ingest_stage
ON CONFLICT (task_id, execution_key) DO UPDATE SET
    workflow_execution_id = EXCLUDED.workflow_execution_id,
    task_name = EXCLUDED.task_name,
    start_time = EXCLUDED.start_time,
    end_time = EXCLUDED.end_time,
    duration_ms = EXCLUDED.duration_ms,
    status = EXCLUDED.status,
    attempt_number = EXCLUDED.attempt_number,
    input_size_bytes = EXCLUDED.input_size_bytes,
    output_size_bytes = EXCLUDED.output_size_bytes,
    cpu_time_ms = EXCLUDED.cpu_time_ms,
    memory_peak_mb = EXCLUDED.memory_peak_mb,
    io_operations = EXCLUDED.io_operations,
    network_calls = EXCLUDED.network_calls,
    error_details = EXCLUDED.error_details,
    retry_reason = EXCLUDED.retry_reason,
    read_bytes = EXCLUDED.read_bytes,
    write_bytes = EXCLUDED.write_bytes,
    bytes_transferred = EXCLUDED.bytes_transferred,
    cpu_allocated_cores = EXCLUDED.cpu_allocated_cores,
    memory_allocated_mb = EXCLUDED.memory_allocated_mb,
    host = EXCLUDED.host,
    input_hash = EXCLUDED.input_hash,
    attributes = EXCLUDED.attributes,
    instance_key = EXCLUDED.instance_key,
    updated_at = CURRENT_TIMESTAMP
RETURNING id, task_id, execution_key, (xmax = 0) AS inserted
