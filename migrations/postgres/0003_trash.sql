-- Trash. A node with trashed_at set (Unix milliseconds) is in the trash
-- together with its whole subtree; listings of its parent leave it out.
ALTER TABLE nodes ADD COLUMN trashed_at BIGINT;

CREATE INDEX nodes_owner_trashed ON nodes (owner_id, trashed_at);
