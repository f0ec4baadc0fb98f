-- Session tokens issued before this time (Unix seconds, compared with the
-- token's iat) are rejected. A password change or reset sets it, which ends
-- every existing session of the account.
ALTER TABLE users ADD COLUMN sessions_valid_after BIGINT NOT NULL DEFAULT 0;
