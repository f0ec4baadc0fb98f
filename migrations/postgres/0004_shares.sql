-- Shares of a node with another account. A share grants its role on the
-- node and its whole subtree once the recipient accepts it. wrapped_key is
-- the node key wrapped to the recipient's public key. Declining or revoking
-- deletes the row.
CREATE TABLE shares (
    id TEXT PRIMARY KEY,
    node_id TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    recipient_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'editor')),
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted')),
    wrapped_key BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (node_id, recipient_id)
);

CREATE INDEX shares_recipient_id ON shares (recipient_id, status);
CREATE INDEX shares_owner_id ON shares (owner_id);
