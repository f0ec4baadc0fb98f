// Installs the built package into a scratch project, as a user would, and
// uses it from Node: registration keys are generated with Node's WebCrypto,
// the password keys derived again match, and errors arrive as { code, message }.
//
//   node sdk-wasm/tests/node-import.mjs     (after sdk-wasm/build.sh)

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..", "pkg");
const project = mkdtempSync(join(tmpdir(), "gauzian-sdk-node-"));
try {
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", pkg], { cwd: project, stdio: "pipe" });
    writeFileSync(
        join(project, "check.mjs"),
        `
import assert from "node:assert/strict";
import * as core from "@gauzian/sdk/core";

const prepared = await core.prepareRegistration("node@example.com", "correct horse battery staple");
assert.match(prepared.fingerprint, /^([0-9A-F]{4} ){7}[0-9A-F]{4}$/);
assert.equal(prepared.recoveryKey.replace(/[- ]/g, "").length, 56);
const request = core.registrationRequest(prepared.registration);
assert.equal(request.email, "node@example.com");
assert.equal(request.kdf.iterations, 310000);
for (const field of ["auth_key", "public_key", "wrapped_private_key", "wrapped_record_key"]) {
    assert.equal(typeof request[field], "string", field);
}
const keys = await core.deriveKeys("correct horse battery staple", request.kdf);
assert.equal(core.authKey(keys), request.auth_key, "the same password derives the same authentication key");

await assert.rejects(core.deriveKeys("pw", { algorithm: "pbkdf2-sha256", iterations: 1, salt: request.kdf.salt }), (error) => {
    assert.equal(error.code, "tampered");
    assert.match(error.message, /iteration/);
    return true;
});
assert.throws(() => core.registrationRequest(999999), (error) => error.code === "invalid_argument");
console.log("node import: ok");
`,
    );
    const output = execFileSync("node", ["check.mjs"], { cwd: project, encoding: "utf8" });
    assert.match(output, /node import: ok/);
    process.stdout.write(output);
} finally {
    rmSync(project, { recursive: true, force: true });
}
