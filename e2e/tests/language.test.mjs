// Language: the default follows the browser's locale, the switch changes
// every visible string, and the choice survives a reload.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, newContext, startServer } from "../lib/server.mjs";
import { catalogue } from "../lib/app.mjs";

let server;
let browser;

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
}, { timeout: 60_000 });

after(async () => {
    await browser?.close();
    await server?.stop();
}, { timeout: 30_000 });

/**
 * Checks that every element of the page that carries a message key shows
 * that key's text in `messages`, and that `<html lang>` is `language`.
 * Returns how many elements were checked.
 */
async function assertPageIn(page, language, messages) {
    assert.equal(await page.locator("html").getAttribute("lang"), language);
    const shown = await page.evaluate(() =>
        [...document.querySelectorAll("[data-i18n]")]
            .filter((element) => !element.dataset.i18nArgs)
            .map((element) => ({ key: element.dataset.i18n, text: element.textContent })),
    );
    for (const { key, text } of shown) {
        assert.equal(text, messages[key] ?? key, `element with key ${key} is not in ${language}`);
    }
    return shown.length;
}

/** Opens the login page and waits until the app has rendered it. */
async function openLogin(page) {
    await page.goto(`${server.url}/#/login`);
    await page.getByTestId("login-submit").waitFor();
}

test("French browser gets French", { timeout: 30_000 }, async () => {
    const context = await newContext(browser, "fr-FR");
    const page = await context.newPage();
    await openLogin(page);
    const french = await catalogue(page, "fr");
    const english = await catalogue(page, "en");

    assert.equal(await page.getByTestId("main-heading").textContent(), french["auth.login_title"]);
    assert.equal(await page.getByTestId("login-submit").textContent(), french["auth.login_submit"]);
    assert.notEqual(french["auth.login_submit"], english["auth.login_submit"]);
    assert.equal(await page.getByTestId("language-switch").inputValue(), "fr");
    assert.ok((await assertPageIn(page, "fr", french)) >= 5);
    await context.close();
});

test("English browser gets English", { timeout: 30_000 }, async () => {
    const context = await newContext(browser, "en-US");
    const page = await context.newPage();
    await openLogin(page);
    const english = await catalogue(page, "en");

    assert.equal(await page.getByTestId("main-heading").textContent(), english["auth.login_title"]);
    assert.equal(await page.getByTestId("language-switch").inputValue(), "en");
    assert.ok((await assertPageIn(page, "en", english)) >= 5);
    await context.close();
});

test("switch translates and persists", { timeout: 30_000 }, async () => {
    const context = await newContext(browser, "fr-FR");
    const page = await context.newPage();
    await page.goto(`${server.url}/#/register`);
    await page.getByTestId("register-prepare").waitFor();
    const french = await catalogue(page, "fr");
    const english = await catalogue(page, "en");
    assert.equal(await page.getByTestId("main-heading").textContent(), french["auth.register_title"]);

    // What the user typed stays when the page is translated in place.
    await page.getByTestId("register-email").fill("erin@example.com");
    await page.getByTestId("language-switch").selectOption("en");
    assert.equal(await page.getByTestId("main-heading").textContent(), english["auth.register_title"]);
    assert.equal(await page.getByTestId("register-prepare").textContent(), english["auth.register_prepare"]);
    assert.equal(await page.title(), english["app.title"]);
    assert.ok((await assertPageIn(page, "en", english)) >= 5);
    assert.equal(await page.getByTestId("register-email").inputValue(), "erin@example.com");

    // The choice outlives a reload, although the browser still prefers French.
    await page.reload();
    await page.getByTestId("register-prepare").waitFor();
    assert.equal(await page.getByTestId("language-switch").inputValue(), "en");
    assert.equal(await page.getByTestId("main-heading").textContent(), english["auth.register_title"]);
    assert.ok((await assertPageIn(page, "en", english)) >= 5);

    // And back to French, which also survives a reload.
    await page.getByTestId("language-switch").selectOption("fr");
    assert.equal(await page.getByTestId("main-heading").textContent(), french["auth.register_title"]);
    await page.reload();
    await page.getByTestId("register-prepare").waitFor();
    assert.ok((await assertPageIn(page, "fr", french)) >= 5);
    await context.close();
});
