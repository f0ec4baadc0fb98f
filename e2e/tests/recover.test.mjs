// Password reset with the recovery key shown at registration: the files
// stay readable under the new password, and the old password stops working.

import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, test } from "node:test";
import { launchBrowser, newContext, startServer } from "../lib/server.mjs";
import { PASSWORD, catalogue, downloadBytes, login, nodeRow, randomFile, registerInBrowser, uploadThroughInput } from "../lib/app.mjs";

const EMAIL = "grace@example.com";
const NEW_PASSWORD = "a completely new passphrase";
const FILE_NAME = "tax-return.pdf";

let server;
let browser;
let file;

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    file = await randomFile(FILE_NAME, 40_000);
}, { timeout: 60_000 });

after(async () => {
    await browser?.close();
    await server?.stop();
    if (file) await rm(file.dir, { recursive: true, force: true });
}, { timeout: 30_000 });

test("recovery key resets the password", { timeout: 60_000 }, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const { recoveryKey } = await registerInBrowser(page, server.url, EMAIL);
    await uploadThroughInput(page, file.path, FILE_NAME);
    await page.getByTestId("logout-button").click();
    await page.waitForURL(/#\/login$/);

    // The key is typed as a user might: lower case, spaces in place of dashes.
    await page.getByTestId("recover-link").click();
    await page.getByTestId("recover-email").fill(EMAIL);
    await page.getByTestId("recover-key").fill(recoveryKey.toLowerCase().replaceAll("-", " "));
    await page.getByTestId("recover-password").fill(NEW_PASSWORD);
    await page.getByTestId("recover-password-confirm").fill(NEW_PASSWORD);
    await page.getByTestId("recover-submit").click();
    await page.waitForURL(/#\/login$/, { timeout: 30_000 });
    const english = await catalogue(page, "en");
    assert.equal(await page.getByTestId("status-message").textContent(), english["auth.recovered"]);

    // The old password is rejected.
    await page.getByTestId("login-email").fill(EMAIL);
    await page.getByTestId("login-password").fill(PASSWORD);
    await page.getByTestId("login-submit").click();
    await page.waitForFunction(() => document.querySelector('[data-testid="error-message"]').textContent !== "");
    assert.equal(await page.getByTestId("error-message").textContent(), english["error.invalid_credentials"]);

    // The new one opens the same keys: the file decrypts to the same bytes.
    await login(page, server.url, EMAIL, NEW_PASSWORD);
    const download = await downloadBytes(page, nodeRow(page, FILE_NAME).getByTestId("node-download"));
    assert.ok(download.bytes.equals(file.bytes), "the file read after the reset differs from the one uploaded");
    await context.close();
});
