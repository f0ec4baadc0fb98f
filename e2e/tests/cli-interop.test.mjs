// One account used from the browser and from the command-line client: a
// file uploaded in the browser downloads byte-identical with the CLI, and
// the reverse. Both run the formats of gauzian-crypto, natively and in
// WebAssembly, so this proves that the two builds agree.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { binaryPath, launchBrowser, newContext, startServer } from "../lib/server.mjs";
import { CHUNK_SIZE, PASSWORD, downloadBytes, login, nodeRow, randomFile, uploadThroughInput } from "../lib/app.mjs";

const run = promisify(execFile);

const EMAIL = "frank@example.com";
/** Time allowed for one CLI command. */
const CLI_TIMEOUT_MS = 60_000;

let server;
let browser;
let work;

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    work = await mkdtemp(join(tmpdir(), "gauzian-e2e-cli-"));
    await writeFile(join(work, "password"), `${PASSWORD}\n`, { mode: 0o600 });
}, { timeout: 60_000 });

after(async () => {
    await browser?.close();
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
}, { timeout: 30_000 });

/** Runs `gauzian ARGS` against the test server with its own configuration directory; returns stdout. */
async function gauzian(...args) {
    try {
        const { stdout } = await run(binaryPath("gauzian"), ["--password-file", join(work, "password"), ...args], {
            env: { ...process.env, GAUZIAN_SERVER: server.url, GAUZIAN_CONFIG_DIR: join(work, "config") },
            timeout: CLI_TIMEOUT_MS,
            maxBuffer: 1024 * 1024,
        });
        return stdout;
    } catch (error) {
        throw new Error(`gauzian ${args.join(" ")} failed (exit ${error.code}): ${error.stderr}`);
    }
}

/**
 * File sizes around the 5 MiB chunk boundary: an empty file, exactly one
 * chunk, and two chunks with a partial last one. One name has accents, to
 * check that both clients encrypt and decrypt the same UTF-8 name.
 */
const CASES = [
    { label: "empty", size: 0 },
    { label: "one-chunk", size: CHUNK_SIZE },
    { label: "deux-blocs-été", size: CHUNK_SIZE + 777_777 },
];

test("CLI and browser exchange files", { timeout: 120_000 }, async () => {
    // The account is created by the CLI and opened in the browser.
    await gauzian("register", EMAIL, "--recovery-key-file", join(work, "recovery-key"));
    const whoami = JSON.parse(await gauzian("whoami", "--json"));
    assert.equal(whoami.email, EMAIL);

    const context = await newContext(browser);
    const page = await context.newPage();
    await login(page, server.url, EMAIL);

    // Browser to CLI.
    for (const { label, size } of CASES) {
        const name = `browser-${label}.bin`;
        const original = await randomFile(name, size);
        await uploadThroughInput(page, original.path, name);
        const cliCopy = join(work, `copy-of-${name}`);
        await gauzian("download", `/${name}`, cliCopy);
        const cliBytes = await readFile(cliCopy);
        assert.equal(cliBytes.length, size, `size of ${name} downloaded by the CLI`);
        assert.ok(cliBytes.equals(original.bytes), `the CLI downloaded other bytes than the browser uploaded for ${name}`);
        await rm(original.dir, { recursive: true, force: true });
    }

    // CLI to browser, in a folder the CLI creates.
    const fromCli = [];
    await gauzian("mkdir", "/from the CLI");
    for (const { label, size } of CASES) {
        const file = await randomFile(`cli-${label}.bin`, size);
        fromCli.push({ name: `cli-${label}.bin`, ...file });
        await gauzian("upload", file.path, "/from the CLI");
    }
    await page.reload();
    await page.getByTestId("unlock-password").fill(PASSWORD);
    await page.getByTestId("unlock-submit").click();
    await nodeRow(page, "from the CLI").getByTestId("node-open").click();
    for (const { name, bytes, dir } of fromCli) {
        const row = nodeRow(page, name);
        await row.waitFor();
        const download = await downloadBytes(page, row.getByTestId("node-download"));
        assert.equal(download.name, name);
        assert.equal(download.bytes.length, bytes.length, `size of ${name} downloaded by the browser`);
        assert.ok(download.bytes.equals(bytes), `the browser downloaded other bytes than the CLI uploaded for ${name}`);
        await rm(dir, { recursive: true, force: true });
    }

    await context.close();
});
