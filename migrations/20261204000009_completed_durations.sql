-- Completed runs' duration moments in the hourly rollups (issue #13, point 5).
--
-- The headline duration statistics now describe completed runs only (analytics::statistics:
-- a failed attempt's duration is its time to failure, so an OOM-heavy task averaged 194 s where
-- its completed runs average 61 s). An hourly row already holds the completed runs' DDSketch
-- (completed_zero/keys/counts) for their percentiles; it gains their exact moments, as dur_*
-- holds them for every duration: count, sum, M2 = Σ(d - mean)² (merged with Chan et al.'s
-- parallel formula, as dur_m2), min and max. The other attempts that ran (failed, timed out,
-- cancelled) are the difference of the two groups: counts, sums and sketch buckets subtract.
--
-- completed_p95_hi is to the completed runs' sketch what dur_p95_hi is to all durations: the
-- order statistic of rank ⌈0.95 (n − 1)⌉ read off the hour's sketch, an upper bound of the p95
-- of completed runs of any window containing the row (for a day, the largest of its hours'),
-- so that the `duration` ranking (p95 of completed runs, as the headline) can prune.
--
-- Both trigger functions are replaced whole (the bodies of 20261126000004_rollups.sql and
-- 20261127000005_rollup_deltas.sql with these columns added), then every hour is recomputed
-- from task_execution_history, which fills the new columns and the days.

ALTER TABLE task_rollups_hourly
    ADD COLUMN completed_n INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN completed_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
    ADD COLUMN completed_m2 DOUBLE PRECISION NOT NULL DEFAULT 0,
    ADD COLUMN completed_min DOUBLE PRECISION,
    ADD COLUMN completed_max DOUBLE PRECISION,
    ADD COLUMN completed_p95_hi DOUBLE PRECISION;
ALTER TABLE task_rollups_daily ADD COLUMN completed_p95_hi DOUBLE PRECISION;

CREATE OR REPLACE FUNCTION tasklens_refresh_rollups(p_tasks UUID[], p_hours TIMESTAMPTZ[])
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
        memory_peak_max, memory_allocated_max, completed_n, completed_sum, completed_m2,
        completed_min, completed_max, completed_p95_hi)
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
               sum(c) OVER (PARTITION BY task_id, bucket ORDER BY k) AS cum,
               sum(cc) OVER (PARTITION BY task_id, bucket ORDER BY k) AS ccum
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
               max(memory_allocated_mb) AS memory_allocated_max,
               count(d) FILTER (WHERE status = 'completed')::int AS completed_n,
               COALESCE(sum(d) FILTER (WHERE status = 'completed'), 0) AS completed_sum,
               COALESCE(var_pop(d) FILTER (WHERE status = 'completed')
                        * count(d) FILTER (WHERE status = 'completed'), 0) AS completed_m2,
               min(d) FILTER (WHERE status = 'completed') AS completed_min,
               max(d) FILTER (WHERE status = 'completed') AS completed_max
        FROM rows GROUP BY 1, 2
    ), bound AS (
        SELECT c.task_id, c.bucket,
               min(c.k) FILTER (WHERE a.dur_zero + c.cum > ceil(0.95 * (a.dur_n - 1))) AS k,
               min(c.k) FILTER (WHERE a.completed_zero + c.ccum
                                      > ceil(0.95 * (a.completed_n - 1))) AS ck
        FROM cum c JOIN agg a USING (task_id, bucket)
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
           a.cpu_share_n, a.memory_peak_max, a.memory_allocated_max,
           a.completed_n, a.completed_sum, a.completed_m2, a.completed_min, a.completed_max,
           CASE WHEN a.completed_n = 0 THEN NULL
                WHEN ceil(0.95 * (a.completed_n - 1)) < a.completed_zero THEN 0::float8
                ELSE 2 * power(1.01::float8 / 0.99::float8, u.ck) / (1.01::float8 / 0.99::float8 + 1)
           END
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
        gb_hours, dur_p95_hi, completed_p95_hi)
    SELECT d.task_id, d.day, h.*
    FROM (SELECT DISTINCT task_id, date_trunc('day', bucket, 'UTC') AS day FROM rollup_touched) d
    CROSS JOIN LATERAL (
        SELECT sum(executions)::int, sum(completed)::int, sum(failed)::int, sum(timeout)::int,
               sum(cancelled)::int, sum(skipped)::int, sum(running)::int, sum(retried)::int,
               sum(dur_n)::int, sum(dur_sum), min(dur_min), max(dur_max), sum(core_hours),
               sum(gb_hours), max(dur_p95_hi), max(completed_p95_hi)
        FROM task_rollups_hourly x
        WHERE x.task_id = d.task_id AND x.bucket >= d.day AND x.bucket < d.day + interval '1 day'
        HAVING count(*) > 0
    ) h;

    TRUNCATE rollup_touched;
END
$$;

CREATE OR REPLACE FUNCTION tasklens_rollups_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Lock the tasks and add the batch.
    PERFORM pg_advisory_xact_lock(hashtextextended(t::text, 1426))
    FROM (SELECT DISTINCT task_id AS t FROM new_rows ORDER BY 1) s;

    WITH rows AS (
        SELECT e.task_id, date_trunc('hour', e.start_time, 'UTC') AS bucket, e.status,
               e.attempt_number,
               CASE WHEN e.status <> 'skipped' THEN e.duration_ms::float8 END AS d,
               e.cpu_time_ms::float8 / NULLIF(e.duration_ms, 0)
                   / CASE WHEN e.cpu_allocated_cores > 0 THEN e.cpu_allocated_cores END
                   AS cpu_share,
               e.memory_peak_mb::float8 AS memory_peak_mb, e.memory_allocated_mb,
               e.duration_ms / 3600000.0 * COALESCE(
                   e.cpu_allocated_cores, e.cpu_time_ms::float8 / NULLIF(e.duration_ms, 0), 1.0)
                   AS core_hours,
               e.duration_ms / 3600000.0 * COALESCE(
                   e.memory_allocated_mb, e.memory_peak_mb::float8, 0) / 1024.0 AS gb_hours
        FROM new_rows e
    ), new_bins AS (
        SELECT task_id, bucket, ceil(ln(d) / ln(1.01::float8 / 0.99::float8))::int AS k,
               count(*)::int AS c,
               count(*) FILTER (WHERE status = 'completed')::int AS cc
        FROM rows WHERE d > 0 GROUP BY 1, 2, 3
    ), delta AS (
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
               COALESCE(sum(core_hours), 0)::float8 AS core_hours,
               COALESCE(sum(gb_hours), 0)::float8 AS gb_hours,
               count(*) FILTER (WHERE status = 'completed' AND d = 0)::int AS completed_zero,
               COALESCE(sum(cpu_share), 0)::float8 AS cpu_share_sum,
               count(cpu_share)::int AS cpu_share_n,
               max(memory_peak_mb) AS memory_peak_max,
               max(memory_allocated_mb) AS memory_allocated_max,
               count(d) FILTER (WHERE status = 'completed')::int AS completed_n,
               COALESCE(sum(d) FILTER (WHERE status = 'completed'), 0) AS completed_sum,
               COALESCE(var_pop(d) FILTER (WHERE status = 'completed')
                        * count(d) FILTER (WHERE status = 'completed'), 0) AS completed_m2,
               min(d) FILTER (WHERE status = 'completed') AS completed_min,
               max(d) FILTER (WHERE status = 'completed') AS completed_max
        FROM rows GROUP BY 1, 2
    ), merged AS (
        SELECT d.task_id, d.bucket,
               d.executions + COALESCE(h.executions, 0) AS executions,
               d.completed + COALESCE(h.completed, 0) AS completed,
               d.failed + COALESCE(h.failed, 0) AS failed,
               d.timeout + COALESCE(h.timeout, 0) AS timeout,
               d.cancelled + COALESCE(h.cancelled, 0) AS cancelled,
               d.skipped + COALESCE(h.skipped, 0) AS skipped,
               d.running + COALESCE(h.running, 0) AS running,
               d.retried + COALESCE(h.retried, 0) AS retried,
               d.dur_n + COALESCE(h.dur_n, 0) AS dur_n,
               d.dur_sum + COALESCE(h.dur_sum, 0) AS dur_sum,
               d.dur_m2 + COALESCE(h.dur_m2, 0)
                   + CASE WHEN h.dur_n > 0 AND d.dur_n > 0
                          THEN power(d.dur_sum / d.dur_n - h.dur_sum / h.dur_n, 2)
                               * h.dur_n * d.dur_n / (h.dur_n + d.dur_n)
                          ELSE 0 END AS dur_m2,
               LEAST(d.dur_min, h.dur_min) AS dur_min,
               GREATEST(d.dur_max, h.dur_max) AS dur_max,
               d.dur_zero + COALESCE(h.dur_zero, 0) AS dur_zero,
               d.core_hours + COALESCE(h.core_hours, 0) AS core_hours,
               d.gb_hours + COALESCE(h.gb_hours, 0) AS gb_hours,
               d.completed_zero + COALESCE(h.completed_zero, 0) AS completed_zero,
               d.cpu_share_sum + COALESCE(h.cpu_share_sum, 0) AS cpu_share_sum,
               d.cpu_share_n + COALESCE(h.cpu_share_n, 0) AS cpu_share_n,
               GREATEST(d.memory_peak_max, h.memory_peak_max) AS memory_peak_max,
               GREATEST(d.memory_allocated_max, h.memory_allocated_max)
                   AS memory_allocated_max,
               d.completed_n + COALESCE(h.completed_n, 0) AS completed_n,
               d.completed_sum + COALESCE(h.completed_sum, 0) AS completed_sum,
               d.completed_m2 + COALESCE(h.completed_m2, 0)
                   + CASE WHEN h.completed_n > 0 AND d.completed_n > 0
                          THEN power(d.completed_sum / d.completed_n
                                     - h.completed_sum / h.completed_n, 2)
                               * h.completed_n * d.completed_n / (h.completed_n + d.completed_n)
                          ELSE 0 END AS completed_m2,
               LEAST(d.completed_min, h.completed_min) AS completed_min,
               GREATEST(d.completed_max, h.completed_max) AS completed_max,
               h.sketch_keys AS old_keys, h.sketch_counts AS old_counts,
               h.completed_keys AS old_ckeys, h.completed_counts AS old_ccounts
        FROM delta d
        LEFT JOIN task_rollups_hourly h USING (task_id, bucket)
    ), bins AS (
        -- The buckets of both sketches, old and new, added key by key.
        SELECT task_id, bucket, k, sum(c)::int AS c, sum(cc)::int AS cc
        FROM (SELECT task_id, bucket, k, c, cc FROM new_bins
              UNION ALL
              SELECT m.task_id, m.bucket, u.k, u.c, 0
              FROM merged m, unnest(m.old_keys, m.old_counts) u(k, c)
              UNION ALL
              SELECT m.task_id, m.bucket, u.k, 0, u.cc
              FROM merged m, unnest(m.old_ckeys, m.old_ccounts) u(k, cc)) b
        GROUP BY 1, 2, 3
    ), cum AS (
        -- Ranks: zero durations sort first, then the buckets by key.
        SELECT b.task_id, b.bucket, b.k, b.c, b.cc, m.dur_n,
               m.dur_zero + sum(b.c) OVER w AS cum,
               m.completed_zero + sum(b.cc) OVER w AS ccum,
               m.completed_zero + sum(b.cc) OVER (PARTITION BY b.task_id, b.bucket) AS cn
        FROM bins b JOIN merged m USING (task_id, bucket)
        WINDOW w AS (PARTITION BY b.task_id, b.bucket ORDER BY b.k)
    ), sketch AS (
        -- Per hour: the merged sketches, the buckets of the two p95 bounds' ranks, and those
        -- of the two order statistics the completed median interpolates (type 7).
        SELECT task_id, bucket,
               array_agg(k ORDER BY k) FILTER (WHERE c > 0) AS keys,
               array_agg(c ORDER BY k) FILTER (WHERE c > 0) AS counts,
               array_agg(k ORDER BY k) FILTER (WHERE cc > 0) AS ckeys,
               array_agg(cc ORDER BY k) FILTER (WHERE cc > 0) AS ccounts,
               min(k) FILTER (WHERE cum > ceil(0.95 * (dur_n - 1))) AS p95_k,
               min(k) FILTER (WHERE ccum > ceil(0.95 * (cn - 1))) AS cp95_k,
               min(k) FILTER (WHERE ccum > floor(0.5 * (cn - 1))) AS lo_k,
               min(k) FILTER (WHERE ccum > ceil(0.5 * (cn - 1))) AS hi_k,
               max(cn) AS cn
        FROM cum GROUP BY 1, 2
    ), final AS (
        SELECT m.*, COALESCE(s.keys, '{}') AS sketch_keys,
               COALESCE(s.counts, '{}') AS sketch_counts,
               COALESCE(s.ckeys, '{}') AS completed_keys,
               COALESCE(s.ccounts, '{}') AS completed_counts,
               CASE WHEN m.dur_n = 0 THEN NULL
                    WHEN ceil(0.95 * (m.dur_n - 1)) < m.dur_zero THEN 0::float8
                    ELSE 2 * power(1.01::float8 / 0.99::float8, s.p95_k)
                         / (1.01::float8 / 0.99::float8 + 1) END AS dur_p95_hi,
               CASE WHEN m.completed_n = 0 THEN NULL
                    WHEN ceil(0.95 * (m.completed_n - 1)) < m.completed_zero THEN 0::float8
                    ELSE 2 * power(1.01::float8 / 0.99::float8, s.cp95_k)
                         / (1.01::float8 / 0.99::float8 + 1) END AS completed_p95_hi,
               COALESCE(s.cn, m.completed_zero) AS cn, s.lo_k, s.hi_k
        FROM merged m LEFT JOIN sketch s USING (task_id, bucket)
    ), valued AS (
        SELECT f.*, 0.5 * (f.cn - 1) AS h,
               CASE WHEN floor(0.5 * (f.cn - 1)) < f.completed_zero THEN 0::float8
                    ELSE 2 * power(1.01::float8 / 0.99::float8, f.lo_k)
                         / (1.01::float8 / 0.99::float8 + 1) END AS lo_v,
               CASE WHEN ceil(0.5 * (f.cn - 1)) < f.completed_zero THEN 0::float8
                    ELSE 2 * power(1.01::float8 / 0.99::float8, f.hi_k)
                         / (1.01::float8 / 0.99::float8 + 1) END AS hi_v
        FROM final f
    ), hourly AS (
        INSERT INTO task_rollups_hourly AS h (task_id, bucket, executions, completed, failed,
            timeout, cancelled, skipped, running, retried, dur_n, dur_sum, dur_m2, dur_min,
            dur_max, dur_zero, sketch_keys, sketch_counts, completed_median, core_hours,
            gb_hours, dur_p95_hi, completed_zero, completed_keys, completed_counts,
            cpu_share_sum, cpu_share_n, memory_peak_max, memory_allocated_max, completed_n,
            completed_sum, completed_m2, completed_min, completed_max, completed_p95_hi)
        SELECT task_id, bucket, executions, completed, failed, timeout, cancelled, skipped,
               running, retried, dur_n, dur_sum, dur_m2, dur_min, dur_max, dur_zero,
               sketch_keys, sketch_counts,
               CASE WHEN cn > 0 THEN lo_v + (h - floor(h)) * (hi_v - lo_v) END,
               core_hours, gb_hours, dur_p95_hi, completed_zero, completed_keys,
               completed_counts, cpu_share_sum, cpu_share_n, memory_peak_max,
               memory_allocated_max, completed_n, completed_sum, completed_m2, completed_min,
               completed_max, completed_p95_hi
        FROM valued
        ON CONFLICT (task_id, bucket) DO UPDATE SET
            executions = EXCLUDED.executions, completed = EXCLUDED.completed,
            failed = EXCLUDED.failed, timeout = EXCLUDED.timeout,
            cancelled = EXCLUDED.cancelled, skipped = EXCLUDED.skipped,
            running = EXCLUDED.running, retried = EXCLUDED.retried,
            dur_n = EXCLUDED.dur_n, dur_sum = EXCLUDED.dur_sum, dur_m2 = EXCLUDED.dur_m2,
            dur_min = EXCLUDED.dur_min, dur_max = EXCLUDED.dur_max,
            dur_zero = EXCLUDED.dur_zero, sketch_keys = EXCLUDED.sketch_keys,
            sketch_counts = EXCLUDED.sketch_counts,
            completed_median = EXCLUDED.completed_median,
            core_hours = EXCLUDED.core_hours, gb_hours = EXCLUDED.gb_hours,
            dur_p95_hi = EXCLUDED.dur_p95_hi, completed_zero = EXCLUDED.completed_zero,
            completed_keys = EXCLUDED.completed_keys,
            completed_counts = EXCLUDED.completed_counts,
            cpu_share_sum = EXCLUDED.cpu_share_sum, cpu_share_n = EXCLUDED.cpu_share_n,
            memory_peak_max = EXCLUDED.memory_peak_max,
            memory_allocated_max = EXCLUDED.memory_allocated_max,
            completed_n = EXCLUDED.completed_n, completed_sum = EXCLUDED.completed_sum,
            completed_m2 = EXCLUDED.completed_m2, completed_min = EXCLUDED.completed_min,
            completed_max = EXCLUDED.completed_max,
            completed_p95_hi = EXCLUDED.completed_p95_hi
        RETURNING task_id, bucket, dur_p95_hi, completed_p95_hi
    )
    INSERT INTO task_rollups_daily AS r (task_id, bucket, executions, completed, failed,
        timeout, cancelled, skipped, running, retried, dur_n, dur_sum, dur_min, dur_max,
        core_hours, gb_hours, dur_p95_hi, completed_p95_hi)
    SELECT d.task_id, date_trunc('day', d.bucket, 'UTC'), sum(d.executions)::int,
           sum(d.completed)::int, sum(d.failed)::int, sum(d.timeout)::int,
           sum(d.cancelled)::int, sum(d.skipped)::int, sum(d.running)::int,
           sum(d.retried)::int, sum(d.dur_n)::int, sum(d.dur_sum), min(d.dur_min),
           max(d.dur_max), sum(d.core_hours), sum(d.gb_hours), max(h.dur_p95_hi),
           max(h.completed_p95_hi)
    FROM delta d JOIN hourly h USING (task_id, bucket)
    GROUP BY 1, 2
    ON CONFLICT (task_id, bucket) DO UPDATE SET
        executions = r.executions + EXCLUDED.executions,
        completed = r.completed + EXCLUDED.completed,
        failed = r.failed + EXCLUDED.failed,
        timeout = r.timeout + EXCLUDED.timeout,
        cancelled = r.cancelled + EXCLUDED.cancelled,
        skipped = r.skipped + EXCLUDED.skipped,
        running = r.running + EXCLUDED.running,
        retried = r.retried + EXCLUDED.retried,
        dur_n = r.dur_n + EXCLUDED.dur_n,
        dur_sum = r.dur_sum + EXCLUDED.dur_sum,
        dur_min = LEAST(r.dur_min, EXCLUDED.dur_min),
        dur_max = GREATEST(r.dur_max, EXCLUDED.dur_max),
        core_hours = r.core_hours + EXCLUDED.core_hours,
        gb_hours = r.gb_hours + EXCLUDED.gb_hours,
        dur_p95_hi = GREATEST(r.dur_p95_hi, EXCLUDED.dur_p95_hi),
        completed_p95_hi = GREATEST(r.completed_p95_hi, EXCLUDED.completed_p95_hi);
    RETURN NULL;
END
$$;

-- Existing history: every hour (and so every day) recomputed with the new columns.
SELECT tasklens_refresh_rollups(array_agg(task_id), array_agg(hour))
FROM (SELECT DISTINCT task_id, date_trunc('hour', start_time, 'UTC') AS hour
      FROM task_execution_history) t;

ALTER TABLE task_rollups_hourly
    ALTER COLUMN completed_n DROP DEFAULT,
    ALTER COLUMN completed_sum DROP DEFAULT,
    ALTER COLUMN completed_m2 DROP DEFAULT;
