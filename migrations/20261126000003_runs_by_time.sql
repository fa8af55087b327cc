-- Analyses read a workflow's most recent runs in a window: (workflow, start time) order.
CREATE INDEX idx_workflow_executions_workflow_time ON workflow_executions(workflow_id, start_time DESC);
