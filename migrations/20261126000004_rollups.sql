-- Per-task rollups so windowed questions never scan raw history: one row per task and UTC hour
-- (task_rollups_hourly) and per task and UTC day (task_rollups_daily), maintained by ingest in
-- the same transaction as the executions (`tasklens_refresh_rollups`), so they are never stale.
--
-- Each row holds counts by status, duration moments (count, sum, M2 = Σ(d - mean)², min, max:
-- merged exactly with Chan et al.'s parallel formula), the cost inputs, and a DDSketch of the
-- durations (Masson, Rim & Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
-- relative-error guarantees", VLDB 2019): duration d > 0 lands in bucket k = ceil(ln d / ln γ)
-- with γ = (1 + α)/(1 - α), α = 0.01, so every quantile read from merged buckets is within 1 %
-- of a true order statistic. Zero durations are counted apart. `analytics::sketch` maps keys
-- back to values with the same γ. Durations are those the statistics use: every execution with
-- a duration except skipped ones (see analytics::statistics).

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
    -- Median duration of the hour's completed runs: the trend's point for the hour.
    completed_median DOUBLE PRECISION,
    core_hours DOUBLE PRECISION NOT NULL,
    gb_hours DOUBLE PRECISION NOT NULL,
    -- The order statistic of rank ⌈0.95 (n − 1)⌉ read from the sketch: an upper bound of the
    -- p95 of any window containing this row is the largest of its rows' bounds (rankings
    -- prune with it before merging sketches).
    dur_p95_hi DOUBLE PRECISION,
    PRIMARY KEY (task_id, bucket)
);
CREATE INDEX idx_task_rollups_hourly_bucket ON task_rollups_hourly (bucket);

CREATE TABLE task_rollups_daily (LIKE task_rollups_hourly INCLUDING DEFAULTS);
ALTER TABLE task_rollups_daily DROP COLUMN completed_median;
ALTER TABLE task_rollups_daily ADD PRIMARY KEY (task_id, bucket);
ALTER TABLE task_rollups_daily ADD FOREIGN KEY (task_id) REFERENCES tasks(id) ON DELETE CASCADE;
-- Cross-task questions (rankings) read one window of days for every task.
CREATE INDEX idx_task_rollups_daily_bucket ON task_rollups_daily (bucket);

-- Value of the order statistic of rank ⌈q (n − 1)⌉ (0-based) of a sketch; NULL when empty.
CREATE FUNCTION tasklens_sketch_upper(zeros INTEGER, keys INTEGER[], counts INTEGER[], q FLOAT8)
RETURNS FLOAT8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH b AS (
        SELECT k, zeros + sum(c) OVER (ORDER BY o) AS cum
        FROM unnest(keys, counts) WITH ORDINALITY AS u(k, c, o)
    ), r AS (
        SELECT ceil(q * (zeros + COALESCE((SELECT sum(c) FROM unnest(counts) AS c), 0) - 1)) AS r
    )
    SELECT CASE
        WHEN zeros + COALESCE((SELECT sum(c) FROM unnest(counts) AS c), 0) = 0 THEN NULL
        WHEN (SELECT r FROM r) < zeros THEN 0::float8
        ELSE (SELECT 2 * power(1.01::float8 / 0.99::float8, k) / (1.01::float8 / 0.99::float8 + 1)
              FROM b WHERE cum > (SELECT r FROM r) ORDER BY cum LIMIT 1)
    END
$$;

-- Recomputes the hourly rows of the given (task, hour) pairs from the executions, then the
-- daily rows of their days from the hourly rows. Callers serialise per task (the trigger
-- takes a transaction-scoped advisory lock per task first) so two batches never interleave.
CREATE FUNCTION tasklens_refresh_rollups(p_tasks UUID[], p_hours TIMESTAMPTZ[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS rollup_touched (task_id UUID, bucket TIMESTAMPTZ);
    TRUNCATE rollup_touched;
    INSERT INTO rollup_touched
        SELECT DISTINCT t, date_trunc('hour', h, 'UTC') FROM unnest(p_tasks, p_hours) AS u(t, h);

    DELETE FROM task_rollups_hourly r USING rollup_touched t
    WHERE r.task_id = t.task_id AND r.bucket = t.bucket;

    INSERT INTO task_rollups_hourly
    WITH rows AS (
        SELECT t.task_id, t.bucket, e.status, e.attempt_number,
               CASE WHEN e.status <> 'skipped' THEN e.duration_ms::float8 END AS d,
               e.duration_ms / 3600000.0 * COALESCE(
                   e.cpu_allocated_cores, e.cpu_time_ms::float8 / NULLIF(e.duration_ms, 0), 1.0)
                   AS core_hours,
               e.duration_ms / 3600000.0 * COALESCE(
                   e.memory_allocated_mb, e.memory_peak_mb::float8, 0) / 1024.0 AS gb_hours
        FROM rollup_touched t
        JOIN task_execution_history e
          ON e.task_id = t.task_id AND e.start_time >= t.bucket
         AND e.start_time < t.bucket + interval '1 hour'
    ), bins AS (
        SELECT task_id, bucket, ceil(ln(d) / ln(1.01::float8 / 0.99::float8))::int AS k,
               count(*)::int AS c
        FROM rows WHERE d > 0 GROUP BY 1, 2, 3
    ), sketch AS (
        SELECT task_id, bucket, array_agg(k ORDER BY k) AS keys, array_agg(c ORDER BY k) AS counts
        FROM bins GROUP BY 1, 2
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
               COALESCE(sum(gb_hours), 0)::float8 AS gb_hours
        FROM rows GROUP BY 1, 2
    )
    SELECT a.task_id, a.bucket, a.executions, a.completed, a.failed, a.timeout, a.cancelled,
           a.skipped, a.running, a.retried, a.dur_n, a.dur_sum, a.dur_m2, a.dur_min, a.dur_max,
           a.dur_zero, COALESCE(s.keys, '{}'), COALESCE(s.counts, '{}'), a.completed_median,
           a.core_hours, a.gb_hours,
           tasklens_sketch_upper(a.dur_zero, COALESCE(s.keys, '{}'), COALESCE(s.counts, '{}'), 0.95)
    FROM agg a LEFT JOIN sketch s USING (task_id, bucket);

    -- Days of the touched hours, rebuilt from their hourly rows.
    DELETE FROM task_rollups_daily r
    USING (SELECT DISTINCT task_id, date_trunc('day', bucket, 'UTC') AS day FROM rollup_touched) t
    WHERE r.task_id = t.task_id AND r.bucket = t.day;

    INSERT INTO task_rollups_daily
    WITH days AS (
        SELECT DISTINCT task_id, date_trunc('day', bucket, 'UTC') AS day FROM rollup_touched
    ), hours AS (
        SELECT h.*, d.day,
               sum(h.dur_sum) OVER w / NULLIF(sum(h.dur_n) OVER w, 0) AS day_mean
        FROM days d
        JOIN task_rollups_hourly h
          ON h.task_id = d.task_id AND h.bucket >= d.day AND h.bucket < d.day + interval '1 day'
        WINDOW w AS (PARTITION BY h.task_id, d.day)
    ), bins AS (
        SELECT task_id, day, k, sum(c)::int AS c
        FROM hours, unnest(sketch_keys, sketch_counts) AS u(k, c) GROUP BY 1, 2, 3
    ), sketch AS (
        SELECT task_id, day, array_agg(k ORDER BY k) AS keys, array_agg(c ORDER BY k) AS counts
        FROM bins GROUP BY 1, 2
    ), agg AS (
        SELECT task_id, day,
               sum(executions)::int AS executions, sum(completed)::int AS completed,
               sum(failed)::int AS failed, sum(timeout)::int AS timeout,
               sum(cancelled)::int AS cancelled, sum(skipped)::int AS skipped,
               sum(running)::int AS running, sum(retried)::int AS retried,
               sum(dur_n)::int AS dur_n, sum(dur_sum) AS dur_sum,
               -- Chan et al.: M2 = Σ M2ᵢ + Σ nᵢ (meanᵢ - mean)²
               sum(dur_m2) + COALESCE(sum(dur_n * power(dur_sum / NULLIF(dur_n, 0) - day_mean, 2)), 0)
                   AS dur_m2,
               min(dur_min) AS dur_min, max(dur_max) AS dur_max, sum(dur_zero)::int AS dur_zero,
               sum(core_hours) AS core_hours, sum(gb_hours) AS gb_hours
        FROM hours GROUP BY 1, 2
    )
    SELECT a.task_id, a.day, a.executions, a.completed, a.failed, a.timeout, a.cancelled,
           a.skipped, a.running, a.retried, a.dur_n, a.dur_sum, a.dur_m2, a.dur_min, a.dur_max,
           a.dur_zero, COALESCE(s.keys, '{}'), COALESCE(s.counts, '{}'), a.core_hours, a.gb_hours,
           tasklens_sketch_upper(a.dur_zero, COALESCE(s.keys, '{}'), COALESCE(s.counts, '{}'), 0.95)
    FROM agg a LEFT JOIN sketch s USING (task_id, day);

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
