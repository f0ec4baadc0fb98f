// Login with a wrong password: a translated error, and no drive.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, newContext, startServer } from "../lib/server.mjs";
import { PASSWORD, catalogue, login, registerInBrowser, screenshot } from "../lib/app.mjs";

const EMAIL = "carol@example.com";

let server;
let browser;

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const context = await newContext(browser);
    const page = await context.newPage();
    await registerInBrowser(page, server.url, EMAIL);
    await context.close();
}, { timeout: 60_000 });

after(async () => {
    await browser?.close();
    await server?.stop();
}, { timeout: 30_000 });

/** Submits the login form with `password` and returns the error region's text once it shows one. */
async function failLogin(page, password) {
    await page.goto(`${server.url}/#/login`);
    await page.getByTestId("login-email").fill(EMAIL);
    await page.getByTestId("login-password").fill(password);
    await page.getByTestId("login-submit").click();
    const error = page.getByTestId("error-message");
    await page.waitForFunction(() => document.querySelector('[data-testid="error-message"]').textContent !== "");
    return error.textContent();
}

/** Checks that the page still shows the login form and nothing of the drive. */
async function assertNoDrive(page, messages) {
    assert.match(page.url(), /#\/login$/);
    assert.equal(await page.getByTestId("main-heading").textContent(), messages["auth.login_title"]);
    assert.equal(await page.getByTestId("nav-drive").isVisible(), false, "the drive navigation is visible after a failed login");
    assert.equal(await page.getByTestId("node-list").count(), 0);
    assert.equal(await page.getByTestId("upload-button").count(), 0);
    assert.equal(await page.getByTestId("login-submit").isEnabled(), true);
}

test("wrong password in English", { timeout: 60_000 }, async () => {
    const context = await newContext(browser, "en-US");
    const page = await context.newPage();
    await page.goto(`${server.url}/#/login`);
    await page.getByTestId("main-heading").waitFor();
    await screenshot(page, "login");

    const english = await catalogue(page, "en");
    const message = await failLogin(page, `${PASSWORD}!`);
    assert.equal(message, english["error.invalid_credentials"]);
    await assertNoDrive(page, english);

    // The right password still works after a failure.
    await login(page, server.url, EMAIL);
    await context.close();
});

test("wrong password in French", { timeout: 60_000 }, async () => {
    const context = await newContext(browser, "fr-FR");
    const page = await context.newPage();
    await page.goto(`${server.url}/#/login`);
    const french = await catalogue(page, "fr");

    const message = await failLogin(page, "not the password");
    assert.equal(message, french["error.invalid_credentials"]);
    assert.notEqual(message, (await catalogue(page, "en"))["error.invalid_credentials"]);
    await assertNoDrive(page, french);
    await context.close();
});
