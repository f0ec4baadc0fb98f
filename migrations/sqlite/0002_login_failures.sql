-- Failed logins per email, for the lockout after repeated failures.
--
-- email_key is an HMAC of the normalized email under a server key, so that
-- unknown emails lock exactly like real ones without their addresses being
-- stored. failures counts the failures since first_failure_at; reaching the
-- limit sets locked_until (Unix milliseconds) and starts the count again.
CREATE TABLE login_failures (
    email_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    first_failure_at BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);
