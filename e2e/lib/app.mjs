// Steps through the web app's pages for the end-to-end tests. Controls are
// found by the data-testid attributes listed in web/app/main.js.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Password of every test account; the app requires at least 10 characters. */
export const PASSWORD = "correct horse battery staple";

/** Upload and download chunk size of the SDK and the CLI. */
export const CHUNK_SIZE = 5 * 1024 * 1024;

/** Time allowed for a page step that waits on PBKDF2, RSA or a transfer. */
const SLOW_STEP_MS = 30_000;

/** A recovery key as the app shows it: 14 groups of 4 characters. */
const RECOVERY_KEY_PATTERN = /^[0-9A-Z]{4}(-[0-9A-Z]{4}){13}$/;

/**
 * Takes a screenshot of the page's viewport and saves it as NAME.png in
 * E2E_SCREENSHOT_DIR when that is set (the README's images come from
 * `E2E_SCREENSHOT_DIR=docs/screenshots`). Without it the image is taken and
 * dropped, so that a plain test run leaves no file behind.
 */
export async function screenshot(page, name) {
    // Wait for fonts so that the image does not catch a half-drawn page.
    await page.evaluate(() => document.fonts.ready);
    const image = await page.screenshot();
    assert.ok(image.length > 0, `the screenshot ${name} is empty`);
    const dir = process.env.E2E_SCREENSHOT_DIR;
    if (dir) {
        await mkdir(resolve(dir), { recursive: true });
        await writeFile(join(resolve(dir), `${name}.png`), image);
    }
}

/** Writes `size` random bytes to a new file named `name` in a temporary directory; returns its path and bytes. */
export async function randomFile(name, size) {
    const dir = await mkdtemp(join(tmpdir(), "gauzian-e2e-files-"));
    const path = join(dir, name);
    const bytes = randomBytes(size);
    await writeFile(path, bytes);
    return { path, bytes, dir };
}

/** Returns the app's message catalogue for `language`, loaded from the server as the app loads it. */
export function catalogue(page, language) {
    return page.evaluate(async (code) => (await import(`/i18n/${code}.js`)).default, language);
}

/**
 * Registers `email` through the register page. Checks that the recovery key
 * is shown and that the account is created only after the confirmation box
 * is ticked. Calls `onRecoveryShown()` while the key is on screen. Returns
 * `{ recoveryKey, fingerprint }` and leaves the page on the drive.
 */
export async function registerInBrowser(page, url, email, { onRecoveryShown } = {}) {
    await page.goto(`${url}/#/register`);
    await page.getByTestId("register-email").fill(email);
    await page.getByTestId("register-password").fill(PASSWORD);
    await page.getByTestId("register-password-confirm").fill(PASSWORD);
    await page.getByTestId("register-prepare").click();

    const keyText = page.getByTestId("recovery-key");
    await keyText.waitFor({ timeout: SLOW_STEP_MS });
    const recoveryKey = (await keyText.textContent()).trim();
    const fingerprint = (await page.getByTestId("recovery-fingerprint").textContent()).trim();
    assert.match(recoveryKey, RECOVERY_KEY_PATTERN);
    assert.match(fingerprint, /^[0-9A-F]{4}( [0-9A-F]{4})+$/);

    // The account must not be created before the user confirms saving the key.
    const submit = page.getByTestId("register-submit");
    assert.equal(await submit.isDisabled(), true, "register-submit is enabled before the recovery box is ticked");
    if (onRecoveryShown) {
        await onRecoveryShown();
    }
    await page.getByTestId("recovery-saved").check();
    assert.equal(await submit.isEnabled(), true, "register-submit stays disabled after the recovery box is ticked");
    await submit.click();

    await page.waitForURL(/#\/drive$/, { timeout: SLOW_STEP_MS });
    await page.getByTestId("nav-drive").waitFor();
    return { recoveryKey, fingerprint };
}

/** Logs in through the login page and waits for the drive. */
export async function login(page, url, email, password = PASSWORD) {
    await page.goto(`${url}/#/login`);
    await page.getByTestId("login-email").fill(email);
    await page.getByTestId("login-password").fill(password);
    await page.getByTestId("login-submit").click();
    await page.waitForURL(/#\/drive$/, { timeout: SLOW_STEP_MS });
    await page.getByTestId("nav-drive").waitFor();
}

/** Returns the listing row of the node named `name` in the folder on screen. */
export function nodeRow(page, name) {
    return page.locator(`[data-testid="node-row"][data-name="${name}"]`);
}

/**
 * Uploads the file at `path` through the upload input of the folder on
 * screen, waits until its transfer row reports done, and checks that the
 * listing shows it. Fails with the row's status text if the upload failed.
 */
export async function uploadThroughInput(page, path, name) {
    await page.getByTestId("upload-input").setInputFiles(path);
    const item = page.locator(`[data-testid="transfer-item"][data-name="${name}"]`).last();
    await item.and(page.locator(".done, .failed")).waitFor({ timeout: SLOW_STEP_MS });
    const status = await item.getByTestId("transfer-status").textContent();
    assert.equal(await item.evaluate((element) => element.classList.contains("done")), true, `upload of ${name} failed: ${status}`);
    await nodeRow(page, name).waitFor();
}

/** Clicks `button`, which starts a browser download, and returns the downloaded bytes. */
export async function downloadBytes(page, button) {
    const downloadEvent = page.waitForEvent("download", { timeout: SLOW_STEP_MS });
    await button.click();
    const download = await downloadEvent;
    const failure = await download.failure();
    assert.equal(failure, null, `the download of ${download.suggestedFilename()} failed`);
    return { bytes: await readFile(await download.path()), name: download.suggestedFilename() };
}

/** Creates a folder named `name` in the folder on screen, through the new-folder dialog. */
export async function createFolder(page, name) {
    await page.getByTestId("new-folder-button").click();
    const dialog = page.getByTestId("new-folder-dialog");
    await dialog.getByTestId("dialog-name-input").fill(name);
    await dialog.getByTestId("dialog-submit").click();
    await dialog.waitFor({ state: "detached" });
    await nodeRow(page, name).waitFor();
}
