-- Accounts, the drive tree, file versions, their chunks and revoked tokens.
--
-- Ids are client- or server-generated UUIDs stored as hyphenated text and
-- times are Unix milliseconds, so the same queries run on SQLite and
-- PostgreSQL. Every BYTEA column is ciphertext or a public key: the server cannot
-- read any of them.

-- One row per account. auth_hash and recovery_auth_hash are Argon2id PHC
-- strings of the authentication keys that clients derive from the password
-- and from the recovery key.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    kdf_algorithm TEXT NOT NULL,
    kdf_iterations BIGINT NOT NULL,
    kdf_salt BYTEA NOT NULL,
    auth_hash TEXT NOT NULL,
    recovery_auth_hash TEXT NOT NULL,
    public_key BYTEA NOT NULL,
    wrapped_private_key BYTEA NOT NULL,
    recovery_wrapped_private_key BYTEA NOT NULL,
    wrapped_record_key BYTEA NOT NULL,
    root_folder_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Folders and files. owner_id is the owner of the whole tree, also for nodes
-- that an editor of a share created. A file points at its current finalized
-- version.
CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id TEXT REFERENCES nodes (id),
    kind TEXT NOT NULL CHECK (kind IN ('folder', 'file')),
    wrapped_key BYTEA NOT NULL,
    encrypted_metadata BYTEA NOT NULL,
    current_version_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Children are paged in id order.
CREATE INDEX nodes_parent_id ON nodes (parent_id, id);
CREATE INDEX nodes_owner_id ON nodes (owner_id);

-- File versions, pending while their chunks arrive and final afterwards. A
-- pending version keeps the node fields (parent, wrapped key, metadata) that
-- finalize turns into the file node. chunk_sizes is a JSON array of the
-- declared ciphertext size of each chunk.
CREATE TABLE file_versions (
    id TEXT PRIMARY KEY,
    file_id TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    uploader_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id TEXT NOT NULL,
    wrapped_key BYTEA NOT NULL,
    encrypted_metadata BYTEA NOT NULL,
    chunk_sizes TEXT NOT NULL,
    chunk_count BIGINT NOT NULL,
    ciphertext_size BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'final')),
    created_at BIGINT NOT NULL,
    finalized_at BIGINT
);

CREATE INDEX file_versions_file_id ON file_versions (file_id);
CREATE INDEX file_versions_owner_id ON file_versions (owner_id, state);

-- Stored chunks. sha256 is the digest of the stored bytes, checked on every
-- read; the chunk file's name contains it too.
CREATE TABLE chunks (
    version_id TEXT NOT NULL REFERENCES file_versions (id) ON DELETE CASCADE,
    chunk_index BIGINT NOT NULL,
    size BIGINT NOT NULL,
    sha256 BYTEA NOT NULL,
    PRIMARY KEY (version_id, chunk_index)
);

-- Session tokens revoked by logout, by JWT id, until they would have
-- expired anyway. Rows past expires_at can be deleted.
CREATE TABLE revoked_tokens (
    token_id TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
