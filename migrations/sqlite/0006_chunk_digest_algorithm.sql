-- Chunk digests are BLAKE3 from now on: the server hashes every chunk it
-- receives and reads, and BLAKE3 runs about four times faster than SHA-256
-- here. Chunks stored before keep their SHA-256, named by the algorithm
-- column, and are still checked with it.
ALTER TABLE chunks RENAME COLUMN sha256 TO digest;
ALTER TABLE chunks ADD COLUMN digest_algorithm TEXT NOT NULL DEFAULT 'sha256';
