-- Pure inserts add to the rollups instead of recomputing them.
--
-- Until now every statement that wrote executions recomputed each touched (task, hour) from all
-- of that hour's executions. Time-ordered batches touch the same hours again and again, so an
-- hour was re-read once per batch that reached it: ~72 µs of every ingested execution. New
-- executions only add to an hour: counts and sums add, M2 merges by Chan et al.'s formula
-- (M2 = M2a + M2b + δ² na nb / (na + nb), δ the difference of the means), min and max take the
-- extremes, and DDSketch buckets add key by key (the sketch is fully mergeable). The hourly
-- p95 bound and the completed-run median are then read off the merged sketches (within α = 1 %
-- of the exact order statistics, as the recomputation's percentile_cont median is exactly).
-- A day adds its hours' deltas; its p95 bound becomes the larger of the old bound and the new
-- bounds of the touched hours, which still bounds every hour of the day from above (an hour's
-- bound can fall as rows arrive, so this may be looser than the recomputation's, never wrong).
--
-- Updates (a replay, running → completed) and deletes still recompute, since a sketch cannot
-- subtract. An upsert fires both: its INSERT transition table holds only the rows it inserted.

-- After every statement that inserts executions (the INSERT part of an upsert included): lock
-- the tasks in task order, as tasklens_rollups_after_write does, then add the batch. Updates and
-- deletes keep tasklens_rollups_after_write (its INSERT branch is no longer reached).
CREATE FUNCTION tasklens_rollups_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
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
               max(memory_allocated_mb) AS memory_allocated_max
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
        -- Per hour: the merged sketches, the bucket of the p95 bound's rank, and those of
        -- the two order statistics the completed median interpolates (type 7).
        SELECT task_id, bucket,
               array_agg(k ORDER BY k) FILTER (WHERE c > 0) AS keys,
               array_agg(c ORDER BY k) FILTER (WHERE c > 0) AS counts,
               array_agg(k ORDER BY k) FILTER (WHERE cc > 0) AS ckeys,
               array_agg(cc ORDER BY k) FILTER (WHERE cc > 0) AS ccounts,
               min(k) FILTER (WHERE cum > ceil(0.95 * (dur_n - 1))) AS p95_k,
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
            cpu_share_sum, cpu_share_n, memory_peak_max, memory_allocated_max)
        SELECT task_id, bucket, executions, completed, failed, timeout, cancelled, skipped,
               running, retried, dur_n, dur_sum, dur_m2, dur_min, dur_max, dur_zero,
               sketch_keys, sketch_counts,
               CASE WHEN cn > 0 THEN lo_v + (h - floor(h)) * (hi_v - lo_v) END,
               core_hours, gb_hours, dur_p95_hi, completed_zero, completed_keys,
               completed_counts, cpu_share_sum, cpu_share_n, memory_peak_max,
               memory_allocated_max
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
            memory_allocated_max = EXCLUDED.memory_allocated_max
        RETURNING task_id, bucket, dur_p95_hi
    )
    INSERT INTO task_rollups_daily AS r (task_id, bucket, executions, completed, failed,
        timeout, cancelled, skipped, running, retried, dur_n, dur_sum, dur_min, dur_max,
        core_hours, gb_hours, dur_p95_hi)
    SELECT d.task_id, date_trunc('day', d.bucket, 'UTC'), sum(d.executions)::int,
           sum(d.completed)::int, sum(d.failed)::int, sum(d.timeout)::int,
           sum(d.cancelled)::int, sum(d.skipped)::int, sum(d.running)::int,
           sum(d.retried)::int, sum(d.dur_n)::int, sum(d.dur_sum), min(d.dur_min),
           max(d.dur_max), sum(d.core_hours), sum(d.gb_hours), max(h.dur_p95_hi)
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
        dur_p95_hi = GREATEST(r.dur_p95_hi, EXCLUDED.dur_p95_hi);
    RETURN NULL;
END
$$;

DROP TRIGGER task_rollups_insert ON task_execution_history;
CREATE TRIGGER task_rollups_insert AFTER INSERT ON task_execution_history
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tasklens_rollups_after_insert();
