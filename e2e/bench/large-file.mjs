// Uploads and downloads one large file through the web app in headless
// Chromium, checks the download is byte-identical, and records the time and
// the browser's peak memory in docs/benchmarks.md between the
// browser-large-file markers. Memory is the sum of the resident set sizes of
// every Chromium process, sampled every 200 ms.
//
//   node e2e/bench/large-file.mjs [SIZE_MIB]      (default 2048)
//
// Needs web/dist (web/build.sh), the server binary (cargo build --bins) and
// Chromium, as the browser tests do. The browser runs with a profile on disk:
// a test's usual private context keeps site storage in memory with a quota
// too small for the download.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { repoRoot, startServer } from "../lib/server.mjs";
import { nodeRow, registerInBrowser } from "../lib/app.mjs";

const sizeMib = Number(process.argv[2] ?? 2048);
const TRANSFER_TIMEOUT_MS = 20 * 60 * 1000;

function chromiumRssKib() {
    try {
        const output = execFileSync("ps", ["-C", "chromium", "-o", "rss="], { encoding: "utf8" });
        return output.split("\n").reduce((sum, line) => sum + (Number(line.trim()) || 0), 0);
    } catch {
        return 0;
    }
}

// Runs `step` while sampling Chromium's memory; returns its duration and peak.
async function measured(step) {
    let peak = chromiumRssKib();
    const timer = setInterval(() => {
        peak = Math.max(peak, chromiumRssKib());
    }, 200);
    const started = performance.now();
    try {
        await step();
    } finally {
        clearInterval(timer);
    }
    return { seconds: (performance.now() - started) / 1000, peakMib: Math.round(peak / 1024) };
}

async function sha256Of(path) {
    const hash = createHash("sha256");
    for await (const block of createReadStream(path)) hash.update(block);
    return hash.digest("hex");
}

const dir = await mkdtemp(join(tmpdir(), "gauzian-large-"));
const input = join(dir, "large.bin");
execFileSync("dd", ["if=/dev/urandom", `of=${input}`, "bs=1M", `count=${sizeMib}`, "status=none"]);
const server = await startServer();
const browser = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
});
let upload;
let download;
let identical;
try {
    const page = await browser.newPage();
    await registerInBrowser(page, server.url, "large@example.com");
    const idleMib = Math.round(chromiumRssKib() / 1024);

    upload = await measured(async () => {
        await page.getByTestId("upload-input").setInputFiles(input);
        const item = page.locator('[data-testid="transfer-item"][data-name="large.bin"]');
        await item.and(page.locator(".done, .failed")).waitFor({ timeout: TRANSFER_TIMEOUT_MS });
        if (!(await item.evaluate((element) => element.classList.contains("done")))) {
            throw new Error(`the upload failed: ${await item.textContent()}`);
        }
    });
    let saved;
    download = await measured(async () => {
        const event = page.waitForEvent("download", { timeout: TRANSFER_TIMEOUT_MS });
        await nodeRow(page, "large.bin").getByTestId("node-download").click();
        const file = await event;
        if (await file.failure()) throw new Error(`the download failed: ${await file.failure()}`);
        saved = await file.path();
    });
    identical = (await sha256Of(saved)) === (await sha256Of(input));
    if (!identical) {
        const cmp = execFileSync("sh", ["-c", `cmp '${input}' '${saved}' 2>&1; stat -c '%s %n' '${input}' '${saved}'`], { encoding: "utf8" });
        console.error(cmp);
    }
    upload.idleMib = idleMib;
} finally {
    await browser.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
}
if (!identical) {
    console.error("the downloaded file differs from the uploaded one");
    process.exit(1);
}

const rate = (seconds) => (sizeMib / seconds).toFixed(1);
const section = `<!-- browser-large-file:start -->
## A large file through the web app

Command: \`node e2e/bench/large-file.mjs ${sizeMib}\`, ${new Date().toISOString().slice(0, 10)}, headless Chromium
and a debug-profile server on loopback on the same machine. One ${sizeMib} MiB file of
random bytes is uploaded through the file input and downloaded through the
download button; the download is byte-identical.

| step | time | throughput | peak memory of all Chromium processes |
| --- | --- | --- | --- |
| idle, logged in | | | ${upload.idleMib} MiB |
| upload | ${upload.seconds.toFixed(1)} s | ${rate(upload.seconds)} MiB/s | ${upload.peakMib} MiB |
| download | ${download.seconds.toFixed(1)} s | ${rate(download.seconds)} MiB/s | ${download.peakMib} MiB |
<!-- browser-large-file:end -->
`;
const path = join(repoRoot, "docs", "benchmarks.md");
let text = await readFile(path, "utf8");
const pattern = /<!-- browser-large-file:start -->[\s\S]*?<!-- browser-large-file:end -->\n?/;
text = pattern.test(text) ? text.replace(pattern, section) : `${text.trimEnd()}\n\n${section}`;
await writeFile(path, text);
console.log(section);
