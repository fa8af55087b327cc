-- Hourly rollup rows of some tasks covering a window's whole hours (see rollups::Cover).
-- $1 task ids, $2/$3 the whole hours.
SELECT task_id, bucket, executions, completed, failed, timeout, cancelled, skipped, running, retried,
       dur_n, dur_sum, dur_m2, dur_min, dur_max, dur_zero, sketch_keys, sketch_counts,
       core_hours, gb_hours, completed_zero, completed_keys, completed_counts, cpu_share_sum,
       cpu_share_n, memory_peak_max, memory_allocated_max, completed_n, completed_sum,
       completed_m2, completed_min, completed_max
FROM task_rollups_hourly
WHERE task_id = ANY($1) AND bucket >= $2 AND bucket < $3
ORDER BY task_id, bucket
