// Starts a real gauzian-server on loopback for the end-to-end tests, with a
// fresh data directory and the built web app, and launches headless Chromium.
//
// Environment:
//   GAUZIAN_BIN_DIR  directory of the gauzian-server and gauzian binaries
//                    (default: target/debug, as `cargo build --workspace --bins` leaves them)
//   GAUZIAN_WEB_DIR  built web app (default: web/dist, as web/build.sh leaves it)
//   CHROMIUM         Chromium executable (default: /usr/bin/chromium)
//   GAUZIAN_E2E_DISTRIBUTED=1
//                    runs each server on a fresh PostgreSQL database, the S3
//                    bucket and Redis that the GAUZIAN_TEST_* variables of the
//                    Rust suites name (scripts/test.sh sets them)

import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const binDir = resolve(process.env.GAUZIAN_BIN_DIR ?? join(repoRoot, "target", "debug"));
const webDir = resolve(process.env.GAUZIAN_WEB_DIR ?? join(repoRoot, "web", "dist"));

/** Time allowed for the server to print its address, and to exit after SIGTERM. */
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/** Server log lines kept for failure reports. */
const LOG_LINES_KEPT = 200;

/** Reads a variable the distributed run needs, or throws naming it. */
function testVar(name) {
    const value = process.env[name];
    if (!value) {
        throw new Error(`${name} must be set when GAUZIAN_E2E_DISTRIBUTED is set`);
    }
    return value;
}

/** Runs one SQL statement on the PostgreSQL admin database with psql. */
function psql(statement) {
    const result = spawnSync("psql", [testVar("GAUZIAN_TEST_POSTGRES_URL"), "-q", "-v", "ON_ERROR_STOP=1", "-c", statement], { encoding: "utf8" });
    if (result.status !== 0) {
        throw new Error(`psql failed on "${statement}": ${result.stderr || result.error}`);
    }
}

/**
 * Creates a fresh database and Redis key prefix, and returns the server's
 * environment for them and the test bucket, with the database name.
 */
function distributedBackends() {
    const suffix = randomBytes(16).toString("hex");
    const database = `gauzian_e2e_${suffix}`;
    psql(`CREATE DATABASE ${database}`);
    const adminUrl = testVar("GAUZIAN_TEST_POSTGRES_URL");
    const env = {
        DATABASE_URL: `${adminUrl.slice(0, adminUrl.lastIndexOf("/"))}/${database}`,
        REDIS_URL: testVar("GAUZIAN_TEST_REDIS_URL"),
        REDIS_KEY_PREFIX: `gauzian-e2e-${suffix}`,
    };
    for (const name of ["ENDPOINT", "BUCKET", "REGION", "ACCESS_KEY", "SECRET_KEY"]) {
        env[`S3_${name}`] = testVar(`GAUZIAN_TEST_S3_${name}`);
    }
    return { database, env };
}

/** Returns the path of a workspace binary, or throws with the command that builds it. */
export function binaryPath(name) {
    const path = join(binDir, name);
    if (!existsSync(path)) {
        throw new Error(`${path} is missing: run \`cargo build --workspace --bins\`, or set GAUZIAN_BIN_DIR to the directory that has it`);
    }
    return path;
}

/**
 * Starts gauzian-server on 127.0.0.1 with `--port 0` and a new temporary data
 * directory. Resolves to `{ url, dataDir, logs(), stop() }`; `stop()` ends the
 * process (SIGTERM, then SIGKILL after 5 s) and deletes the data directory.
 *
 * The session cookie keeps its default `Secure` attribute: Chromium treats
 * http://127.0.0.1 as a secure context and stores Secure cookies from it
 * (checked with Chromium 156), so plain loopback HTTP needs no
 * `--cookie-secure false`.
 */
export async function startServer(extraArgs = []) {
    const server = binaryPath("gauzian-server");
    if (!existsSync(join(webDir, "index.html")) || !existsSync(join(webDir, "sdk", "client.js"))) {
        throw new Error(`${webDir} has no built web app with the SDK: run web/build.sh, or set GAUZIAN_WEB_DIR`);
    }
    const dataDir = await mkdtemp(join(tmpdir(), "gauzian-e2e-"));
    const args = ["--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, "--web-dir", webDir, ...extraArgs];

    // setpriv --pdeathsig makes the kernel kill the server if this test
    // process dies without running its cleanup (a crash or SIGKILL).
    const command = existsSync("/usr/bin/setpriv") ? "/usr/bin/setpriv" : server;
    const commandArgs = command === server ? args : ["--pdeathsig", "SIGKILL", server, ...args];
    const distributed = process.env.GAUZIAN_E2E_DISTRIBUTED ? distributedBackends() : null;
    const child = spawn(command, commandArgs, {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...distributed?.env, LOG_FORMAT: "human", RUST_LOG: process.env.RUST_LOG ?? "info" },
    });
    const killOnExit = () => child.kill("SIGKILL");
    process.on("exit", killOnExit);

    const lines = [];
    const exited = new Promise((resolveExit) => child.once("exit", (code, signal) => resolveExit({ code, signal })));
    const listening = new Promise((resolveUrl, reject) => {
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`gauzian-server printed no address within ${START_TIMEOUT_MS} ms:\n${lines.join("\n")}`));
        }, START_TIMEOUT_MS);
        const onData = (data) => {
            for (const line of data.toString().split("\n")) {
                if (!line) continue;
                lines.push(line);
                if (lines.length > LOG_LINES_KEPT) lines.shift();
                const match = line.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
                if (match) {
                    clearTimeout(timer);
                    resolveUrl(match[1]);
                }
            }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        exited.then(({ code, signal }) => {
            clearTimeout(timer);
            reject(new Error(`gauzian-server exited (code ${code}, signal ${signal}) before listening:\n${lines.join("\n")}`));
        });
    });
    let url;
    try {
        url = await listening;
    } catch (error) {
        if (distributed) {
            psql(`DROP DATABASE IF EXISTS ${distributed.database} WITH (FORCE)`);
        }
        throw error;
    }

    return {
        url,
        dataDir,
        logs: () => lines.join("\n"),
        async stop() {
            process.off("exit", killOnExit);
            if (child.exitCode === null && child.signalCode === null) {
                child.kill("SIGTERM");
                const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
                await exited;
                clearTimeout(timer);
            }
            await rm(dataDir, { recursive: true, force: true });
            if (distributed) {
                psql(`DROP DATABASE IF EXISTS ${distributed.database} WITH (FORCE)`);
            }
        },
    };
}

/** Launches headless Chromium; the caller closes it. */
export function launchBrowser() {
    return chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true });
}

/**
 * Opens a browser context at the size the README's screenshots use, in
 * `locale` (which sets navigator.languages, and so the app's default language).
 */
export function newContext(browser, locale = "en-US") {
    return browser.newContext({ locale, viewport: { width: 1280, height: 800 }, acceptDownloads: true });
}
