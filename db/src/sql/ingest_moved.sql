-- Stored executions that the staged records would move (the replay guard of db::ingest).
-- A staged record matches a stored execution by (task_id, execution_key). It moves it when
--   $1 (exact = true):  its start or end time differs from the stored one at all (the CLI's
--                       rule before an import: a replayed file must be the same file);
--   $1 (exact = false): its start, or its end when it has one, lies further from the stored
--                       one than the stored duration (the ingest API's rule: re-measured times
--                       pass, another run under reused keys does not).
-- Never: a record marked `correction`, or a stored execution without an end time (a running
-- execution that completes moves nothing). Both rules in one statement over the whole stage,
-- through the (task_id, execution_key) unique index; at most 100 rows, with the total.
SELECT s.ord, t.task_key, s.execution_key,
       h.start_time AS stored_start, h.end_time AS stored_end, s.start_time, s.end_time,
       CASE WHEN s.start_time IS DISTINCT FROM h.start_time AND (
                $1 OR abs(extract(epoch FROM s.start_time - h.start_time))
                      > extract(epoch FROM h.end_time - h.start_time))
            THEN 'startTime' ELSE 'endTime' END AS field,
       count(*) OVER () AS total
FROM ingest_stage s
JOIN task_execution_history h ON h.task_id = s.task_id AND h.execution_key = s.execution_key
JOIN tasks t ON t.id = s.task_id
WHERE NOT s.correction
  AND h.end_time IS NOT NULL
  AND CASE WHEN $1
        THEN s.start_time IS DISTINCT FROM h.start_time OR s.end_time IS DISTINCT FROM h.end_time
        ELSE abs(extract(epoch FROM s.start_time - h.start_time))
               > extract(epoch FROM h.end_time - h.start_time)
          OR (s.end_time IS NOT NULL
              AND abs(extract(epoch FROM s.end_time - h.end_time))
                  > extract(epoch FROM h.end_time - h.start_time))
      END
ORDER BY s.ord
LIMIT 100
