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
});

after(async () => {
    await browser?.close();
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
});

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

test("CLI and browser exchange files", { timeout: 120_000 }, async () => {
    // The account is created by the CLI and opened in the browser.
    await gauzian("register", EMAIL, "--recovery-key-file", join(work, "recovery-key"));
    const whoami = JSON.parse(await gauzian("whoami", "--json"));
    assert.equal(whoami.email, EMAIL);

    const context = await newContext(browser);
    const page = await context.newPage();
    await login(page, server.url, EMAIL);

    // Browser to CLI: two chunks, the second one partial.
    const fromBrowser = await randomFile("from-browser.bin", CHUNK_SIZE + 777_777);
    await uploadThroughInput(page, fromBrowser.path, "from-browser.bin");
    const cliCopy = join(work, "from-browser-copy.bin");
    await gauzian("download", "/from-browser.bin", cliCopy);
    const cliBytes = await readFile(cliCopy);
    assert.equal(cliBytes.length, fromBrowser.bytes.length);
    assert.ok(cliBytes.equals(fromBrowser.bytes), "the CLI downloaded other bytes than the browser uploaded");

    // CLI to browser: also two chunks, in a folder the CLI creates.
    const fromCli = await randomFile("from-cli.bin", CHUNK_SIZE + 123_457);
    await gauzian("mkdir", "/from the CLI");
    await gauzian("upload", fromCli.path, "/from the CLI");
    await page.reload();
    await page.getByTestId("unlock-password").fill(PASSWORD);
    await page.getByTestId("unlock-submit").click();
    await nodeRow(page, "from the CLI").getByTestId("node-open").click();
    const row = nodeRow(page, "from-cli.bin");
    await row.waitFor();
    const download = await downloadBytes(page, row.getByTestId("node-download"));
    assert.equal(download.name, "from-cli.bin");
    assert.equal(download.bytes.length, fromCli.bytes.length);
    assert.ok(download.bytes.equals(fromCli.bytes), "the browser downloaded other bytes than the CLI uploaded");

    await context.close();
    await rm(fromBrowser.dir, { recursive: true, force: true });
    await rm(fromCli.dir, { recursive: true, force: true });
});
