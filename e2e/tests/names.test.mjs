// Names already used in a folder are rejected, for a new folder, an upload,
// a rename and a move, and the drive keeps a single item of each name.

import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, test } from "node:test";
import { launchBrowser, newContext, startServer } from "../lib/server.mjs";
import { createFolder, nodeRow, randomFile, registerInBrowser, uploadThroughInput } from "../lib/app.mjs";

let server;
let browser;
let file;

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    file = await randomFile("notes.txt", 100);
}, { timeout: 60_000 });

after(async () => {
    await browser?.close();
    await server?.stop();
    if (file) await rm(file.dir, { recursive: true, force: true });
}, { timeout: 30_000 });

test("taken names are rejected", { timeout: 90_000 }, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await registerInBrowser(page, server.url, "erin@example.com");
    await createFolder(page, "Docs");
    await createFolder(page, "Other");
    await uploadThroughInput(page, file.path, "notes.txt");

    // Through the SDK the page uses: list the root, then try each operation.
    const codes = await page.evaluate(async () => {
        const { sdk, currentAccount } = await import("/app/session.js");
        const client = sdk();
        const root = currentAccount().root;
        const items = await client.list(root);
        const docs = items.find((item) => item.name === "Docs");
        const other = items.find((item) => item.name === "Other");
        const notes = items.find((item) => item.name === "notes.txt");
        const code = (promise) => promise.then(() => "ok", (error) => error.code);
        await client.createFolder(root, "Caf\u00e9");
        return {
            folder: await code(client.createFolder(root, "Docs")),
            decomposed: await code(client.createFolder(root, "Cafe\u0301")),
            upload: await code(client.upload(root, new File(["x"], "notes.txt"))),
            rename: await code(client.rename(other, "Docs")),
            renameSame: await code(client.rename(docs, "Docs")),
            moveInto: await code(client.createFolder(docs, "Other").then((inner) => client.move(inner, root))),
            moveFree: await code(client.move(notes, docs)),
        };
    });
    assert.equal(codes.folder, "already_exists");
    assert.equal(codes.decomposed, "already_exists", "names compare in NFC");
    assert.equal(codes.upload, "already_exists");
    assert.equal(codes.rename, "already_exists");
    assert.equal(codes.renameSame, "ok", "renaming to its own name is allowed");
    assert.equal(codes.moveInto, "already_exists");
    assert.equal(codes.moveFree, "ok");

    // The new-folder dialog shows the error and stays open.
    await page.getByTestId("nav-drive").click();
    await nodeRow(page, "Docs").waitFor();
    await page.getByTestId("new-folder-button").click();
    const dialog = page.getByTestId("new-folder-dialog");
    await dialog.getByTestId("dialog-name-input").fill("Docs");
    await dialog.getByTestId("dialog-submit").click();
    await dialog.getByTestId("dialog-error").waitFor();
    assert.match(await dialog.getByTestId("dialog-error").textContent(), /already exists/);
    assert.equal(await page.locator('[data-testid="node-row"][data-name="Docs"]').count(), 1);
    await context.close();
});
