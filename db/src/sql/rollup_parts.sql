-- Rollup rows of some tasks covering a window's whole days and whole edge hours (see
-- rollups::Cover). $1 task ids, $2/$3 day range, $4/$5 and $6/$7 hour ranges.
SELECT task_id, executions, completed, failed, timeout, cancelled, skipped, running, retried,
       dur_n, dur_sum, dur_m2, dur_min, dur_max, dur_zero, sketch_keys, sketch_counts,
       core_hours, gb_hours
FROM task_rollups_daily
WHERE task_id = ANY($1) AND bucket >= $2 AND bucket < $3
UNION ALL
SELECT task_id, executions, completed, failed, timeout, cancelled, skipped, running, retried,
       dur_n, dur_sum, dur_m2, dur_min, dur_max, dur_zero, sketch_keys, sketch_counts,
       core_hours, gb_hours
FROM task_rollups_hourly
WHERE task_id = ANY($1)
  AND ((bucket >= $4 AND bucket < $5) OR (bucket >= $6 AND bucket < $7))
