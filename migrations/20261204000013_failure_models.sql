-- Failure models (issue 15): the latest model trained on each task's history (or pooled over
-- its workflow), with its measured quality. The fitted model itself lives in the server's
-- memory; this row says when it was trained, on what, how well it did on the held-out later
-- part of the history, and how much history it had seen (the retraining job compares that with
-- what has arrived since).
CREATE TABLE failure_models (
    task_id uuid PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
    trained_at timestamptz NOT NULL,
    -- 'task' or 'workflow' (pooled), or 'none' when there was too little history.
    scope text NOT NULL,
    -- Start of the newest execution the model saw (NULL: none).
    newest_start timestamptz,
    train_samples integer NOT NULL,
    test_samples integer NOT NULL,
    lambda double precision,
    accuracy double precision,
    roc_auc double precision,
    brier double precision,
    expected_calibration_error double precision,
    -- The GET /tasks/{task_id}/failure-model answer as served.
    report jsonb NOT NULL
);
