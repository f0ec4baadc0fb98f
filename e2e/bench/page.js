// Measures, in one page and one run: sealing 5 MiB chunks with the SDK's
// core (which delegates AES-GCM to WebCrypto) against WebCrypto's AES-GCM
// alone, the same with the file digest an upload also computes (SHA-256 in
// WebAssembly), and the SDK's registration
// (RSA-4096 key generation, PBKDF2 and every wrap) against WebCrypto doing
// only the key generation and PBKDF2. Each side alternates with the other so
// that machine noise hits both.

import init, * as core from "/sdk/web/gauzian_sdk_wasm.js";

const CHUNK = 5 * 1024 * 1024;
const params = new URLSearchParams(location.search);
const chunks = Number(params.get("chunks") ?? 40);
const registrations = Number(params.get("registrations") ?? 5);

const now = () => performance.now();
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function randomBuffer() {
    const buffer = new Uint8Array(CHUNK);
    for (let offset = 0; offset < CHUNK; offset += 65536) {
        crypto.getRandomValues(buffer.subarray(offset, offset + 65536));
    }
    return buffer;
}

async function webcryptoRegistration() {
    const started = now();
    await crypto.subtle.generateKey(
        { name: "RSA-OAEP", modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
        true,
        ["encrypt", "decrypt"],
    );
    const base = await crypto.subtle.importKey("raw", new TextEncoder().encode("correct horse battery staple"), "PBKDF2", false, ["deriveBits"]);
    await crypto.subtle.deriveBits(
        { name: "PBKDF2", hash: "SHA-256", salt: crypto.getRandomValues(new Uint8Array(16)), iterations: 310000 },
        base,
        256,
    );
    return now() - started;
}

async function sdkRegistration() {
    const started = now();
    const prepared = await core.prepareRegistration("bench@example.com", "correct horse battery staple");
    const elapsed = now() - started;
    return { elapsed, prepared };
}

async function openFolder(prepared) {
    const request = core.registrationRequest(prepared.registration);
    const keys = core.registrationKeys(prepared.registration);
    const account = await core.openAccount(keys, {
        user_id: "00000000-0000-4000-8000-000000000001",
        email: request.email,
        kdf: request.kdf,
        public_key: request.public_key,
        wrapped_private_key: request.wrapped_private_key,
        wrapped_record_key: request.wrapped_record_key,
        root_folder_id: request.root_folder.id,
    });
    return core.openRoot(account, {
        id: request.root_folder.id,
        parent_id: null,
        kind: "folder",
        wrapped_key: request.root_folder.wrapped_key,
        encrypted_metadata: request.root_folder.encrypted_metadata,
        created_at: 0,
        updated_at: 0,
        file: null,
    });
}

async function run() {
    await init();
    const buffers = [randomBuffer(), randomBuffer(), randomBuffer(), randomBuffer()];

    const webcryptoRegistrationMs = [];
    const sdkRegistrationMs = [];
    let prepared;
    for (let round = 0; round < registrations; round += 1) {
        webcryptoRegistrationMs.push(await webcryptoRegistration());
        const result = await sdkRegistration();
        sdkRegistrationMs.push(result.elapsed);
        prepared = result.prepared;
    }

    const root = await openFolder(prepared);
    const key = await crypto.subtle.importKey("raw", crypto.getRandomValues(new Uint8Array(32)), "AES-GCM", false, ["encrypt"]);
    const start = await core.startUpload(root.handle, "bench.bin", chunks * CHUNK, null);
    let webcryptoMs = 0;
    let sdkMs = 0;
    let digestMs = 0;
    for (let index = 0; index < chunks; index += 1) {
        const buffer = buffers[index % buffers.length];
        let started = now();
        await crypto.subtle.encrypt(
            { name: "AES-GCM", iv: crypto.getRandomValues(new Uint8Array(12)), additionalData: new Uint8Array(64) },
            key,
            buffer,
        );
        webcryptoMs += now() - started;
        started = now();
        await core.sealChunk(start.upload, buffer);
        sdkMs += now() - started;
        started = now();
        core.digestChunk(start.upload, buffer);
        digestMs += now() - started;
    }
    core.finishUpload(start.upload);
    const mib = (chunks * CHUNK) / (1024 * 1024);
    return {
        userAgent: navigator.userAgent,
        chunks,
        webcryptoSealMiBs: mib / (webcryptoMs / 1000),
        sdkSealMiBs: mib / (sdkMs / 1000),
        sdkSealAndDigestMiBs: mib / ((sdkMs + digestMs) / 1000),
        registrations,
        webcryptoRegistrationMs: median(webcryptoRegistrationMs),
        sdkRegistrationMs: median(sdkRegistrationMs),
        webcryptoRegistrationAll: webcryptoRegistrationMs.map(Math.round),
        sdkRegistrationAll: sdkRegistrationMs.map(Math.round),
    };
}

run().then(
    (result) => console.log(`BENCH ${JSON.stringify(result)}`),
    (error) => console.log(`BENCH-ERROR ${error?.code ?? ""} ${error?.message ?? error}`),
);
