-- Stored optimisations (issue #14): the opportunity's kind, rank and evidence, and when each
-- lifecycle state was reached (proposed → accepted → implemented → validated | rolled_back).
ALTER TABLE task_optimizations
    ADD COLUMN kind TEXT NOT NULL DEFAULT '',
    ADD COLUMN rank INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN score DOUBLE PRECISION NOT NULL DEFAULT 0,
    ADD COLUMN summary TEXT NOT NULL DEFAULT '',
    ADD COLUMN evidence JSONB NOT NULL DEFAULT '{}'::JSONB,
    ADD COLUMN status_changed_at TIMESTAMPTZ,
    ADD COLUMN accepted_at TIMESTAMPTZ,
    ADD COLUMN validated_at TIMESTAMPTZ,
    ADD COLUMN rolled_back_at TIMESTAMPTZ,
    ADD CONSTRAINT task_optimizations_status CHECK (
        status IN ('proposed', 'accepted', 'implemented', 'validated', 'rolled_back'));

CREATE INDEX task_optimizations_by_task ON task_optimizations (task_id, rank, created_at);
