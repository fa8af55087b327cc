-- Tasklens initial schema: the spec's tables (§1.2) plus the tables they reference
-- (workflows, workflow_executions, tasks). Differences from the spec, and why:
--   * gen_random_uuid() (built into Postgres 13+) instead of uuid-ossp's uuid_generate_v4().
--   * Callers identify things by their own stable keys (`*_key` columns, unique); UUIDs stay internal.
--   * task_execution_history carries the ingest v1 fields the spec's columns lack (allocation,
--     bytes, host, input hash, attributes) and an idempotency key unique per task, so the table
--     can later be distributed by task_id (Citus needs unique keys to include the shard column).
--   * io_operations and network_calls widen to BIGINT (counters overflow INTEGER).
--   * task_dependencies gains workflow_id: a dependency belongs to one workflow's DAG.

CREATE TABLE workflows (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_key VARCHAR(255) NOT NULL UNIQUE,
    workflow_name VARCHAR(255),
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE tasks (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_key VARCHAR(255) NOT NULL UNIQUE,
    workflow_id UUID NOT NULL REFERENCES workflows(id),
    task_name VARCHAR(255) NOT NULL,
    task_type VARCHAR(50) NOT NULL DEFAULT 'compute'
        CHECK (task_type IN ('compute', 'io', 'network', 'decision', 'human', 'wait')),
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_tasks_workflow ON tasks(workflow_id);

CREATE TABLE workflow_executions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    workflow_id UUID NOT NULL REFERENCES workflows(id),
    execution_key VARCHAR(255) NOT NULL,
    start_time TIMESTAMPTZ,
    end_time TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (workflow_id, execution_key)
);

-- Task performance tables (spec §1.2)
CREATE TABLE task_performance_metrics (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id UUID NOT NULL,
    task_name VARCHAR(255) NOT NULL,
    task_type VARCHAR(50) NOT NULL,
    execution_stats JSONB NOT NULL,
    resource_usage JSONB NOT NULL,
    failure_analysis JSONB DEFAULT '{}'::JSONB,
    dependencies JSONB DEFAULT '{}'::JSONB,
    concurrency_metrics JSONB DEFAULT '{}'::JSONB,
    caching_metrics JSONB DEFAULT '{}'::JSONB,
    cost_analysis JSONB DEFAULT '{}'::JSONB,
    metadata JSONB DEFAULT '{}'::JSONB,
    calculated_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE task_execution_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id UUID NOT NULL,
    workflow_execution_id UUID NOT NULL,
    task_name VARCHAR(255) NOT NULL,
    start_time TIMESTAMPTZ NOT NULL,
    end_time TIMESTAMPTZ,
    duration_ms BIGINT,
    status VARCHAR(50) NOT NULL
        CHECK (status IN ('completed', 'failed', 'timeout', 'cancelled', 'skipped', 'running')),
    attempt_number INTEGER DEFAULT 1,
    input_size_bytes BIGINT,
    output_size_bytes BIGINT,
    cpu_time_ms BIGINT,
    memory_peak_mb INTEGER,
    io_operations BIGINT,
    network_calls BIGINT,
    error_details JSONB,
    retry_reason TEXT,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    -- ingest v1 fields beyond the spec's columns
    execution_key VARCHAR(255) NOT NULL,
    read_bytes BIGINT,
    write_bytes BIGINT,
    bytes_transferred BIGINT,
    cpu_allocated_cores DOUBLE PRECISION,
    memory_allocated_mb DOUBLE PRECISION,
    host VARCHAR(255),
    input_hash TEXT,
    attributes JSONB NOT NULL DEFAULT '{}'::JSONB,
    updated_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (task_id, execution_key),
    FOREIGN KEY (workflow_execution_id) REFERENCES workflow_executions(id)
);

CREATE TABLE task_failures (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id UUID NOT NULL,
    task_execution_id UUID NOT NULL,
    failure_time TIMESTAMPTZ NOT NULL,
    error_type VARCHAR(255) NOT NULL,
    error_code VARCHAR(50),
    error_message TEXT,
    stack_trace TEXT,
    retry_attempted BOOLEAN DEFAULT FALSE,
    retry_successful BOOLEAN,
    recovery_time_ms BIGINT,
    impact_scope JSONB DEFAULT '{}'::JSONB,
    root_cause JSONB,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (task_execution_id) REFERENCES task_execution_history(id) ON DELETE CASCADE
);

CREATE TABLE task_dependencies (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id UUID NOT NULL,
    dependent_task_id UUID NOT NULL,
    dependency_type VARCHAR(50) NOT NULL
        CHECK (dependency_type IN ('data', 'control', 'resource')),
    average_wait_time_ms BIGINT,
    max_wait_time_ms BIGINT,
    dependency_failures INTEGER DEFAULT 0,
    optional BOOLEAN DEFAULT FALSE,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    workflow_id UUID NOT NULL,
    UNIQUE (workflow_id, task_id, dependent_task_id),
    CHECK (task_id <> dependent_task_id)
);

CREATE TABLE task_patterns (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    pattern_name VARCHAR(255) NOT NULL,
    pattern_type VARCHAR(50) NOT NULL,
    pattern_signature TEXT NOT NULL UNIQUE,
    frequency INTEGER DEFAULT 0,
    task_ids UUID[] DEFAULT '{}',
    characteristics JSONB NOT NULL,
    impact JSONB DEFAULT '{}'::JSONB,
    recommendations TEXT[],
    first_detected TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    last_seen TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE task_optimizations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id UUID NOT NULL,
    optimization_type VARCHAR(50) NOT NULL,
    current_performance JSONB NOT NULL,
    proposed_changes JSONB NOT NULL,
    expected_improvement JSONB NOT NULL,
    implementation_complexity VARCHAR(20),
    risks JSONB DEFAULT '[]'::JSONB,
    validation_plan JSONB,
    status VARCHAR(50) DEFAULT 'proposed',
    implemented_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE task_resource_profiles (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id UUID NOT NULL,
    profile_name VARCHAR(255),
    cpu_requirements JSONB NOT NULL,
    memory_requirements JSONB NOT NULL,
    io_requirements JSONB,
    network_requirements JSONB,
    optimal_concurrency INTEGER,
    scaling_characteristics JSONB,
    cost_profile JSONB,
    created_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP
);

-- Indexes for performance (spec §1.2)
CREATE INDEX idx_task_performance_task ON task_performance_metrics(task_id);
CREATE INDEX idx_task_execution_history_task ON task_execution_history(task_id);
CREATE INDEX idx_task_execution_history_workflow ON task_execution_history(workflow_execution_id);
CREATE INDEX idx_task_execution_history_time ON task_execution_history(start_time DESC);
CREATE INDEX idx_task_failures_task ON task_failures(task_id);
CREATE INDEX idx_task_failures_type ON task_failures(error_type);
CREATE INDEX idx_task_dependencies_task ON task_dependencies(task_id);
CREATE INDEX idx_task_patterns_type ON task_patterns(pattern_type);
-- Beyond the spec: windowed per-task reads scan (task, time) ranges.
CREATE INDEX idx_task_execution_history_task_time ON task_execution_history(task_id, start_time DESC);
CREATE INDEX idx_task_failures_execution ON task_failures(task_execution_id);
CREATE INDEX idx_task_dependencies_dependent ON task_dependencies(dependent_task_id);

-- Materialized view for task performance summary (spec §1.2)
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
-- REFRESH ... CONCURRENTLY needs a unique index covering every row.
CREATE UNIQUE INDEX idx_task_performance_summary_unique
    ON task_performance_summary(task_id, task_name, time_bucket);
