//! Criterion benchmarks of the core's costly operations: sealing and opening a
//! 5 MiB chunk, PBKDF2 at the default iteration count, RSA-4096 key
//! generation, and RSA-OAEP wrapping of the record key.
//!
//! Run with `cargo bench -p gauzian-crypto --features hazmat`. Without the
//! `hazmat` feature, only the public API is measured. With it, the raw
//! primitives of both backends (native aws-lc-rs and portable RustCrypto) are
//! measured too. Sample counts are kept low so that the whole run takes a few
//! minutes on 2 cores. `scripts/bench-crypto.sh` compares the same operations
//! with OpenSSL.

// A benchmark that cannot set up its input has nothing to measure, so
// panicking on a setup error is the right outcome.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use gauzian_crypto::chunk::{self, CHUNK_HEADER_LEN, CHUNK_SIZE, ChunkPosition};
use gauzian_crypto::kdf::{self, DEFAULT_ITERATIONS, KdfParams};
use gauzian_crypto::keypair;
use gauzian_crypto::keys::{NodeKey, RecordKey};
use gauzian_crypto::{NodeId, Password, PrivateKey, VersionId};

const FILE_ID: NodeId = NodeId::from_bytes([1; 16]);
const VERSION_ID: VersionId = VersionId::from_bytes([2; 16]);

fn full_chunk_position() -> ChunkPosition {
    ChunkPosition {
        file_id: FILE_ID,
        version_id: VERSION_ID,
        index: 0,
        is_final: false,
    }
}

/// Builds a buffer laid out as `seal_chunk_in_place` expects: header space,
/// then one full chunk of plaintext, with room for the tag so that sealing
/// never reallocates.
fn chunk_buffer() -> Vec<u8> {
    let mut buffer = Vec::with_capacity(chunk::MAX_SEALED_CHUNK_LEN);
    buffer.resize(CHUNK_HEADER_LEN, 0);
    buffer.extend((0..CHUNK_SIZE).map(|index| index as u8));
    buffer
}

fn bench_chunk(c: &mut Criterion) {
    let mut rng = rand::rng();
    let file_key = NodeKey::generate(&mut rng);
    let content_key = file_key.derive_content_key(&FILE_ID, &VERSION_ID);
    let position = full_chunk_position();

    let mut group = c.benchmark_group("chunk_5MiB");
    group.throughput(Throughput::Bytes(CHUNK_SIZE as u64));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));

    // Sealing in place turns the buffer into a sealed chunk. Truncating it
    // back to header plus plaintext length is free, and the bytes it keeps
    // (the previous ciphertext) are as good a plaintext as any.
    let mut buffer = chunk_buffer();
    group.bench_function("seal_in_place", |b| {
        b.iter(|| {
            buffer.truncate(CHUNK_HEADER_LEN + CHUNK_SIZE);
            chunk::seal_chunk_in_place(&content_key, &position, &mut buffer, &mut rng).unwrap();
            black_box(&buffer);
        })
    });

    // Opening consumes the sealed chunk, so each iteration gets a fresh copy
    // made outside the timed section.
    let mut sealed = chunk_buffer();
    chunk::seal_chunk_in_place(&content_key, &position, &mut sealed, &mut rng).unwrap();
    group.bench_function("open_in_place", |b| {
        b.iter_batched_ref(
            || sealed.clone(),
            |buffer| {
                chunk::open_chunk_in_place(&content_key, &FILE_ID, &VERSION_ID, 0, buffer).unwrap()
            },
            BatchSize::LargeInput,
        )
    });

    #[cfg(feature = "hazmat")]
    bench_chunk_backends(&mut group);
    group.finish();
}

/// Raw AES-256-GCM of each backend on one chunk. These functions copy their
/// input into a new vector and grow it by the tag, so they include a 5 MiB
/// copy that the in-place public API avoids.
#[cfg(feature = "hazmat")]
fn bench_chunk_backends(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
) {
    use gauzian_crypto::hazmat::{self, Backend};

    let key = [7u8; 32];
    let nonce = [9u8; 12];
    let aad = b"gauzian benchmark";
    let plaintext: Vec<u8> = (0..CHUNK_SIZE).map(|index| index as u8).collect();

    for &backend in Backend::all() {
        group.bench_function(format!("hazmat_seal_{}", backend.name()), |b| {
            b.iter(|| {
                hazmat::aes_256_gcm_encrypt(backend, &key, &nonce, aad, black_box(&plaintext))
                    .unwrap()
            })
        });

        let sealed = hazmat::aes_256_gcm_encrypt(backend, &key, &nonce, aad, &plaintext).unwrap();
        group.bench_function(format!("hazmat_open_{}", backend.name()), |b| {
            b.iter(|| {
                hazmat::aes_256_gcm_decrypt(backend, &key, &nonce, aad, black_box(&sealed)).unwrap()
            })
        });
    }
}

fn bench_pbkdf2(c: &mut Criterion) {
    let mut group = c.benchmark_group("pbkdf2_sha256_310k");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));

    let password = Password::from("correct horse battery staple");
    let params = KdfParams::new(DEFAULT_ITERATIONS, &[5; kdf::SALT_LEN]).unwrap();
    group.bench_function("derive_master_key", |b| {
        b.iter(|| kdf::derive_master_key(black_box(&password), &params).unwrap())
    });

    #[cfg(feature = "hazmat")]
    for &backend in gauzian_crypto::hazmat::Backend::all() {
        group.bench_function(format!("hazmat_{}", backend.name()), |b| {
            b.iter(|| {
                gauzian_crypto::hazmat::pbkdf2_hmac_sha256(
                    backend,
                    black_box(password.expose_secret().as_bytes()),
                    &[5; kdf::SALT_LEN],
                    DEFAULT_ITERATIONS,
                    32,
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

fn bench_rsa_keygen(c: &mut Criterion) {
    // Each key takes about half a second and the time varies widely from key
    // to key, so ten flat samples are all a few-minute run can afford. On a
    // busy machine they took 17 s, hence the measurement time.
    let mut group = c.benchmark_group("rsa4096");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("generate", |b| b.iter(|| PrivateKey::generate().unwrap()));
    group.finish();
}

fn bench_oaep(c: &mut Criterion) {
    let mut rng = rand::rng();
    let private_key = PrivateKey::generate().unwrap();
    let record_key = RecordKey::generate(&mut rng);
    let wrapped =
        keypair::wrap_record_key(private_key.public_key(), &record_key, &mut rng).unwrap();

    let mut group = c.benchmark_group("rsa4096_oaep_32B");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("wrap_record_key", |b| {
        b.iter(|| {
            keypair::wrap_record_key(private_key.public_key(), black_box(&record_key), &mut rng)
                .unwrap()
        })
    });
    group.bench_function("unwrap_record_key", |b| {
        b.iter(|| keypair::unwrap_record_key(&private_key, black_box(&wrapped)).unwrap())
    });

    // The hazmat decryption parses the PKCS#8 key on every call, so these
    // figures include key import; the portable one is what wasm32 runs.
    #[cfg(feature = "hazmat")]
    {
        use gauzian_crypto::hazmat::{self, Backend};

        let pkcs8 = private_key.to_pkcs8_der();
        let spki = private_key.public_key().to_spki_der();
        let ciphertext = hazmat::rsa_oaep_sha256_encrypt(spki, &[3; 32], b"", &mut rng).unwrap();
        for &backend in Backend::all() {
            group.bench_function(
                format!("hazmat_import_and_decrypt_{}", backend.name()),
                |b| {
                    b.iter(|| {
                        hazmat::rsa_oaep_sha256_decrypt(
                            backend,
                            &pkcs8,
                            black_box(&ciphertext),
                            b"",
                        )
                        .unwrap()
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_chunk,
    bench_pbkdf2,
    bench_rsa_keygen,
    bench_oaep
);
criterion_main!(benches);
