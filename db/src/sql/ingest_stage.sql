-- Per-connection staging table for bulk ingest: COPY fills it, one INSERT ... SELECT moves
-- the rows into task_execution_history, and the commit empties it. `ord` is the record's index
-- in its batch (for errors), `correction` the record's own flag (see ingest_moved.sql),
-- `instance_key` the record's instanceId ('' without one).
CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
    task_id UUID, workflow_execution_id UUID, task_name TEXT, start_time TIMESTAMPTZ,
    end_time TIMESTAMPTZ, duration_ms BIGINT, status TEXT, attempt_number INTEGER,
    input_size_bytes BIGINT, output_size_bytes BIGINT, cpu_time_ms BIGINT,
    memory_peak_mb DOUBLE PRECISION,
    io_operations BIGINT, network_calls BIGINT, error_details JSONB, retry_reason TEXT,
    execution_key TEXT, read_bytes BIGINT, write_bytes BIGINT, bytes_transferred BIGINT,
    cpu_allocated_cores DOUBLE PRECISION, memory_allocated_mb DOUBLE PRECISION, host TEXT,
    input_hash TEXT, attributes JSONB, ord INTEGER, correction BOOLEAN, instance_key TEXT
) ON COMMIT DELETE ROWS
