-- Per-task rollups so windowed questions never scan raw history: one row per task and UTC hour
-- (task_rollups_hourly) and per task and UTC day (task_rollups_daily), maintained by statement-level
-- triggers on task_execution_history in the same transaction as the change, whatever writes it
-- (ingest, importers, COPY, fixtures), so they are never stale.
--
-- An hourly row holds counts by status, duration moments (count, sum, M2 = Σ(d - mean)², min, max:
-- merged exactly with Chan et al.'s parallel formula), the cost inputs, the median of completed
-- runs (the trend's point), what the dashboard's time buckets show (CPU share = CPU time ÷ wall
-- time ÷ allocated cores, summed with its count; the largest memory peak and allocation), and two
-- DDSketches (Masson, Rim & Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
-- relative-error guarantees", VLDB 2019): of the durations the statistics use (every execution
-- with one except skipped ones, see analytics::statistics) and of completed runs. Duration d > 0
-- lands in bucket k = ceil(ln d / ln γ) with γ = (1 + α)/(1 - α), α = 0.01, so every quantile
-- read from merged buckets is within 1 % of a true order statistic; zero durations are counted
-- apart. `analytics::sketch` maps keys back to values with the same γ.
--
-- A day keeps only what cross-task rankings sum (per-task windows merge hourly rows; rebuilding
-- day sketches cost ~190 ms of every 10,000-row batch), plus dur_p95_hi: the sketch's order
-- statistic of rank ⌈0.95 (n − 1)⌉, an upper bound of the p95 of any window containing the row
-- (for a day, the largest of its hours'), with which rankings prune before merging sketches.

CREATE TABLE task_rollups_hourly (
    task_id UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    bucket TIMESTAMPTZ NOT NULL,
    executions INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    timeout INTEGER NOT NULL,
    cancelled INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    running INTEGER NOT NULL,
    retried INTEGER NOT NULL,
    dur_n INTEGER NOT NULL,
    dur_sum DOUBLE PRECISION NOT NULL,
    dur_m2 DOUBLE PRECISION NOT NULL,
    dur_min DOUBLE PRECISION,
    dur_max DOUBLE PRECISION,
    dur_zero INTEGER NOT NULL,
    sketch_keys INTEGER[] NOT NULL,
    sketch_counts INTEGER[] NOT NULL,
    completed_median DOUBLE PRECISION,
    core_hours DOUBLE PRECISION NOT NULL,
    gb_hours DOUBLE PRECISION NOT NULL,
    dur_p95_hi DOUBLE PRECISION,
    completed_zero INTEGER NOT NULL,
    completed_keys INTEGER[] NOT NULL,
    completed_counts INTEGER[] NOT NULL,
    cpu_share_sum DOUBLE PRECISION NOT NULL,
    cpu_share_n INTEGER NOT NULL,
    memory_peak_max DOUBLE PRECISION,
    memory_allocated_max DOUBLE PRECISION,
    PRIMARY KEY (task_id, bucket)
);
CREATE INDEX idx_task_rollups_hourly_bucket ON task_rollups_hourly (bucket);

CREATE TABLE task_rollups_daily (
    task_id UUID NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    bucket TIMESTAMPTZ NOT NULL,
    executions INTEGER NOT NULL,
    completed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    timeout INTEGER NOT NULL,
    cancelled INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    running INTEGER NOT NULL,
    retried INTEGER NOT NULL,
    dur_n INTEGER NOT NULL,
    dur_sum DOUBLE PRECISION NOT NULL,
    dur_min DOUBLE PRECISION,
    dur_max DOUBLE PRECISION,
    core_hours DOUBLE PRECISION NOT NULL,
    gb_hours DOUBLE PRECISION NOT NULL,
    dur_p95_hi DOUBLE PRECISION,
    PRIMARY KEY (task_id, bucket)
);
-- Cross-task questions (rankings) read one window of days for every task.
CREATE INDEX idx_task_rollups_daily_bucket ON task_rollups_daily (bucket);

-- The dashboard's outliers: a task's completed runs beyond cut-offs read off its rollups, found
-- by two range scans instead of a pass over every execution of the window.
CREATE INDEX idx_task_execution_history_completed_duration
    ON task_execution_history (task_id, duration_ms)
    WHERE status = 'completed' AND duration_ms > 0;

-- Recomputes the hourly rows of the given (task, hour) pairs from the executions (read by index
-- per touched hour), then the daily rows of their days from the hourly rows. Callers serialise
-- per task (the trigger takes a transaction-scoped advisory lock per task first) so two batches
-- never interleave.
CREATE FUNCTION tasklens_refresh_rollups(p_tasks UUID[], p_hours TIMESTAMPTZ[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS rollup_touched (task_id UUID, bucket TIMESTAMPTZ);
    TRUNCATE rollup_touched;
    INSERT INTO rollup_touched
        SELECT DISTINCT t, date_trunc('hour', h, 'UTC') FROM unnest(p_tasks, p_hours) AS u(t, h);

    DELETE FROM task_rollups_hourly r USING rollup_touched t
    WHERE r.task_id = t.task_id AND r.bucket = t.bucket;

    INSERT INTO task_rollups_hourly (task_id, bucket, executions, completed, failed, timeout,
        cancelled, skipped, running, retried, dur_n, dur_sum, dur_m2, dur_min, dur_max, dur_zero,
        sketch_keys, sketch_counts, completed_median, core_hours, gb_hours, dur_p95_hi,
        completed_zero, completed_keys, completed_counts, cpu_share_sum, cpu_share_n,
        memory_peak_max, memory_allocated_max)
    WITH rows AS (
        SELECT t.task_id, t.bucket, e.status, e.attempt_number,
               CASE WHEN e.status <> 'skipped' THEN e.duration_ms::float8 END AS d,
               e.cpu_time_ms::float8 / NULLIF(e.duration_ms, 0)
                   / CASE WHEN e.cpu_allocated_cores > 0 THEN e.cpu_allocated_cores END AS cpu_share,
               e.memory_peak_mb::float8 AS memory_peak_mb, e.memory_allocated_mb,
               e.duration_ms / 3600000.0 * COALESCE(
                   e.cpu_allocated_cores, e.cpu_time_ms::float8 / NULLIF(e.duration_ms, 0), 1.0)
                   AS core_hours,
               e.duration_ms / 3600000.0 * COALESCE(
                   e.memory_allocated_mb, e.memory_peak_mb::float8, 0) / 1024.0 AS gb_hours
        FROM rollup_touched t
        CROSS JOIN LATERAL (
            SELECT * FROM task_execution_history x
            WHERE x.task_id = t.task_id AND x.start_time >= t.bucket
              AND x.start_time < t.bucket + interval '1 hour'
        ) e
    ), bins AS (
        SELECT task_id, bucket, ceil(ln(d) / ln(1.01::float8 / 0.99::float8))::int AS k,
               count(*)::int AS c,
               count(*) FILTER (WHERE status = 'completed')::int AS cc
        FROM rows WHERE d > 0 GROUP BY 1, 2, 3
    ), completed_sketch AS (
        SELECT task_id, bucket, array_agg(k ORDER BY k) AS keys, array_agg(cc ORDER BY k) AS counts
        FROM bins WHERE cc > 0 GROUP BY 1, 2
    ), sketch AS (
        SELECT task_id, bucket, array_agg(k ORDER BY k) AS keys, array_agg(c ORDER BY k) AS counts
        FROM bins GROUP BY 1, 2
    ), cum AS (
        SELECT task_id, bucket, k,
               sum(c) OVER (PARTITION BY task_id, bucket ORDER BY k) AS cum
        FROM bins
    ), agg AS (
        SELECT task_id, bucket,
               count(*)::int AS executions,
               count(*) FILTER (WHERE status = 'completed')::int AS completed,
               count(*) FILTER (WHERE status = 'failed')::int AS failed,
               count(*) FILTER (WHERE status = 'timeout')::int AS timeout,
               count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
               count(*) FILTER (WHERE status = 'skipped')::int AS skipped,
               count(*) FILTER (WHERE status = 'running')::int AS running,
               count(*) FILTER (WHERE attempt_number > 1)::int AS retried,
               count(d)::int AS dur_n,
               COALESCE(sum(d), 0) AS dur_sum,
               COALESCE(var_pop(d) * count(d), 0) AS dur_m2,
               min(d) AS dur_min,
               max(d) AS dur_max,
               count(*) FILTER (WHERE d = 0)::int AS dur_zero,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY d)
                   FILTER (WHERE status = 'completed') AS completed_median,
               COALESCE(sum(core_hours), 0)::float8 AS core_hours,
               COALESCE(sum(gb_hours), 0)::float8 AS gb_hours,
               count(*) FILTER (WHERE status = 'completed' AND d = 0)::int AS completed_zero,
               COALESCE(sum(cpu_share), 0)::float8 AS cpu_share_sum,
               count(cpu_share)::int AS cpu_share_n,
               max(memory_peak_mb) AS memory_peak_max,
               max(memory_allocated_mb) AS memory_allocated_max
        FROM rows GROUP BY 1, 2
    ), bound AS (
        SELECT c.task_id, c.bucket, min(c.k) AS k
        FROM cum c JOIN agg a USING (task_id, bucket)
        WHERE a.dur_zero + c.cum > ceil(0.95 * (a.dur_n - 1))
        GROUP BY 1, 2
    )
    SELECT a.task_id, a.bucket, a.executions, a.completed, a.failed, a.timeout, a.cancelled,
           a.skipped, a.running, a.retried, a.dur_n, a.dur_sum, a.dur_m2, a.dur_min, a.dur_max,
           a.dur_zero, COALESCE(s.keys, '{}'), COALESCE(s.counts, '{}'), a.completed_median,
           a.core_hours, a.gb_hours,
           CASE WHEN a.dur_n = 0 THEN NULL
                WHEN ceil(0.95 * (a.dur_n - 1)) < a.dur_zero THEN 0::float8
                ELSE 2 * power(1.01::float8 / 0.99::float8, u.k) / (1.01::float8 / 0.99::float8 + 1)
           END,
           a.completed_zero, COALESCE(cs.keys, '{}'), COALESCE(cs.counts, '{}'), a.cpu_share_sum,
           a.cpu_share_n, a.memory_peak_max, a.memory_allocated_max
    FROM agg a
    LEFT JOIN sketch s USING (task_id, bucket)
    LEFT JOIN completed_sketch cs USING (task_id, bucket)
    LEFT JOIN bound u USING (task_id, bucket);

    -- Days of the touched hours: sums of their hourly rows.
    DELETE FROM task_rollups_daily r
    USING (SELECT DISTINCT task_id, date_trunc('day', bucket, 'UTC') AS day FROM rollup_touched) t
    WHERE r.task_id = t.task_id AND r.bucket = t.day;

    INSERT INTO task_rollups_daily (task_id, bucket, executions, completed, failed, timeout,
        cancelled, skipped, running, retried, dur_n, dur_sum, dur_min, dur_max, core_hours,
        gb_hours, dur_p95_hi)
    SELECT d.task_id, d.day, h.*
    FROM (SELECT DISTINCT task_id, date_trunc('day', bucket, 'UTC') AS day FROM rollup_touched) d
    CROSS JOIN LATERAL (
        SELECT sum(executions)::int, sum(completed)::int, sum(failed)::int, sum(timeout)::int,
               sum(cancelled)::int, sum(skipped)::int, sum(running)::int, sum(retried)::int,
               sum(dur_n)::int, sum(dur_sum), min(dur_min), max(dur_max), sum(core_hours),
               sum(gb_hours), max(dur_p95_hi)
        FROM task_rollups_hourly x
        WHERE x.task_id = d.task_id AND x.bucket >= d.day AND x.bucket < d.day + interval '1 day'
        HAVING count(*) > 0
    ) h;

    TRUNCATE rollup_touched;
END
$$;

-- After every statement that writes executions: the touched (task, hour) pairs, old and new.
-- The advisory locks (taken in task order, so two writers cannot deadlock on them) make a
-- concurrent batch on the same task wait until this one commits; its recomputation then sees
-- both batches' rows (READ COMMITTED takes a new snapshot per statement).
CREATE FUNCTION tasklens_rollups_after_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ts UUID[];
    hs TIMESTAMPTZ[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(task_id), array_agg(h) INTO ts, hs
        FROM (SELECT DISTINCT task_id, date_trunc('hour', start_time, 'UTC') AS h FROM new_rows) x;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(task_id), array_agg(h) INTO ts, hs
        FROM (SELECT task_id, date_trunc('hour', start_time, 'UTC') AS h FROM new_rows
              UNION
              SELECT task_id, date_trunc('hour', start_time, 'UTC') FROM old_rows) x;
    ELSE
        SELECT array_agg(task_id), array_agg(h) INTO ts, hs
        FROM (SELECT DISTINCT task_id, date_trunc('hour', start_time, 'UTC') AS h FROM old_rows) x;
    END IF;
    IF ts IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(t::text, 1426))
    FROM (SELECT DISTINCT t FROM unnest(ts) AS t ORDER BY t) s;
    PERFORM tasklens_refresh_rollups(ts, hs);
    RETURN NULL;
END
$$;

CREATE TRIGGER task_rollups_insert AFTER INSERT ON task_execution_history
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tasklens_rollups_after_write();
CREATE TRIGGER task_rollups_update AFTER UPDATE ON task_execution_history
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tasklens_rollups_after_write();
CREATE TRIGGER task_rollups_delete AFTER DELETE ON task_execution_history
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tasklens_rollups_after_write();

-- Existing history gets its rollups now.
SELECT tasklens_refresh_rollups(array_agg(task_id), array_agg(hour))
FROM (SELECT DISTINCT task_id, date_trunc('hour', start_time, 'UTC') AS hour
      FROM task_execution_history) t;
