// Login: a wrong password shows a translated error and no drive, and a
// session leaves its token out of reach of scripts and no key in storage.

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

test("session cookie hidden from scripts", { timeout: 60_000 }, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await login(page, server.url, EMAIL);

    const cookies = await context.cookies(server.url);
    const session = cookies.find((cookie) => cookie.name === "gauzian_session");
    assert.ok(session, `no gauzian_session cookie after login; cookies: ${cookies.map((cookie) => cookie.name).join(", ")}`);
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, "Strict");
    // The server's default; Chromium keeps Secure cookies from http://127.0.0.1.
    assert.equal(session.secure, true);
    assert.equal(await page.evaluate(() => document.cookie), "");

    // Keys stay in the worker's memory: the page stores at most the language choice.
    const localKeys = await page.evaluate(() => Object.keys(localStorage));
    assert.deepEqual(localKeys.filter((key) => key !== "gauzian.language"), []);
    assert.deepEqual(await page.evaluate(async () => (await indexedDB.databases()).map((database) => database.name)), []);
    await context.close();
});
