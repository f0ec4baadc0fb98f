// Runs the SDK benchmark page in headless Chromium and records the figures
// in docs/benchmarks.md between the browser-bench markers.
//
//   node e2e/bench/run.mjs [CHUNKS] [REGISTRATIONS]
//
// Needs sdk-wasm/pkg (sdk-wasm/build.sh), Chromium at /usr/bin/chromium (or
// CHROMIUM=path) and `npm install` in e2e/.

import { readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serveStatic } from "../lib/static.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const chunks = Number(process.argv[2] ?? 40);
const registrations = Number(process.argv[3] ?? 5);

const server = await serveStatic({
    "/sdk/": join(root, "sdk-wasm", "pkg"),
    "/bench/": join(root, "e2e", "bench"),
});
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true });
let result;
try {
    const page = await browser.newPage();
    const done = new Promise((resolve, reject) => {
        page.on("console", (message) => {
            const text = message.text();
            if (text.startsWith("BENCH ")) resolve(JSON.parse(text.slice(6)));
            if (text.startsWith("BENCH-ERROR")) reject(new Error(text));
        });
        page.on("pageerror", reject);
    });
    await page.goto(`${server.url}/bench/page.html?chunks=${chunks}&registrations=${registrations}`);
    result = await done;
} finally {
    await browser.close();
    server.close();
}

const round = (value, digits = 1) => Number(value.toFixed(digits));
const sealRatio = result.sdkSealMiBs / result.webcryptoSealMiBs;
const registrationRatio = result.sdkRegistrationMs / result.webcryptoRegistrationMs;
const verdict = (met) => (met ? "met" : "short");
const machine = `${cpus().length} vCPU, ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM`;
const section = `<!-- browser-bench:start -->
## WebAssembly SDK against WebCrypto, in headless Chromium

Command: \`node e2e/bench/run.mjs ${chunks} ${registrations}\`, ${new Date().toISOString().slice(0, 10)}, ${machine},
${result.userAgent.match(/(HeadlessChrome|Chrome)\/[\d.]+/)?.[0] ?? "Chromium"}. Both sides run in the same page, alternating, so the
ratios come from one run.

| measure | SDK | WebCrypto alone | ratio | target | result |
| --- | --- | --- | --- | --- | --- |
| sealing ${chunks} chunks of 5 MiB | ${round(result.sdkSealMiBs)} MiB/s | ${round(result.webcryptoSealMiBs)} MiB/s | ${round(sealRatio, 2)}× | at least 0.5× | ${verdict(sealRatio >= 0.5)} |
| sealing plus the upload's SHA-256 digest | ${round(result.sdkSealAndDigestMiBs)} MiB/s | ${round(result.webcryptoSealMiBs)} MiB/s | ${round(result.sdkSealAndDigestMiBs / result.webcryptoSealMiBs, 2)}× | none | |
| registration, median of ${registrations} | ${Math.round(result.sdkRegistrationMs)} ms | ${Math.round(result.webcryptoRegistrationMs)} ms | ${round(registrationRatio, 2)}× the time | at most 1.5× | ${verdict(registrationRatio <= 1.5)} |

The SDK seals through WebCrypto's AES-GCM; the core picks the nonce, builds
the header and associated data and assembles the chunk. An upload also
hashes its plaintext for the digest sealed in the metadata: SHA-256 runs in
WebAssembly (WebCrypto has no incremental digest), and it bounds a browser
upload's throughput, as the second row shows.

Registration runs: SDK ${result.sdkRegistrationAll.join(", ")} ms; WebCrypto ${result.webcryptoRegistrationAll.join(", ")} ms.
RSA key generation time varies with the primes found, so single runs spread widely.
<!-- browser-bench:end -->
`;

const path = join(root, "docs", "benchmarks.md");
let text = await readFile(path, "utf8");
const pattern = /<!-- browser-bench:start -->[\s\S]*?<!-- browser-bench:end -->\n?/;
text = pattern.test(text) ? text.replace(pattern, section) : `${text.trimEnd()}\n\n${section}`;
await writeFile(path, text);
console.log(section);
