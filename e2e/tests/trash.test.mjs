// Trash: delete a folder and a file, restore the folder, empty the trash.

import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, test } from "node:test";
import { launchBrowser, newContext, startServer } from "../lib/server.mjs";
import { PASSWORD, createFolder, nodeRow, randomFile, registerInBrowser, screenshot, uploadThroughInput } from "../lib/app.mjs";

const FOLDER = "Old projects";
const FILE_NAME = "draft.txt";

let server;
let browser;
let file;

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    file = await randomFile(FILE_NAME, 3000);
}, { timeout: 60_000 });

after(async () => {
    await browser?.close();
    await server?.stop();
    if (file) await rm(file.dir, { recursive: true, force: true });
}, { timeout: 30_000 });

function trashRow(page, name) {
    return page.locator(`[data-testid="trash-row"][data-name="${name}"]`);
}

test("trash, restore and empty", { timeout: 60_000 }, async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    await registerInBrowser(page, server.url, "dave@example.com");

    await createFolder(page, FOLDER);
    await uploadThroughInput(page, file.path, FILE_NAME);
    await page.getByTestId("transfer-clear").click();

    // Both leave the listing when deleted.
    for (const name of [FOLDER, FILE_NAME]) {
        await nodeRow(page, name).getByTestId("node-trash").click();
        await nodeRow(page, name).waitFor({ state: "detached" });
    }
    await page.getByTestId("empty-folder").waitFor();

    await page.getByTestId("nav-trash").click();
    await trashRow(page, FOLDER).waitFor();
    await trashRow(page, FILE_NAME).waitFor();
    assert.equal(await trashRow(page, FOLDER).getAttribute("data-kind"), "folder");
    assert.equal(await trashRow(page, FILE_NAME).getAttribute("data-kind"), "file");
    assert.equal(await page.getByTestId("trash-row").count(), 2);
    await screenshot(page, "trash");

    // Restoring the folder takes it out of the trash and back into the drive.
    await trashRow(page, FOLDER).getByTestId("trash-restore").click();
    await trashRow(page, FOLDER).waitFor({ state: "detached" });
    assert.equal(await page.getByTestId("trash-row").count(), 1);
    await page.getByTestId("nav-drive").click();
    await nodeRow(page, FOLDER).waitFor();
    assert.equal(await nodeRow(page, FOLDER).getAttribute("data-kind"), "folder");
    assert.equal(await nodeRow(page, FILE_NAME).count(), 0);

    // Emptying asks for confirmation, then leaves nothing in the trash.
    await page.getByTestId("nav-trash").click();
    await trashRow(page, FILE_NAME).waitFor();
    await page.getByTestId("trash-empty").click();
    const confirm = page.getByTestId("confirm-dialog");
    await confirm.waitFor();
    await confirm.getByTestId("confirm-ok").click();
    await page.getByTestId("trash-nothing").waitFor();
    assert.equal(await page.getByTestId("trash-row").count(), 0);
    assert.equal(await page.getByTestId("trash-empty").isDisabled(), true);

    // The emptied trash stays empty after a reload, so the server deleted the node.
    await page.reload();
    await page.getByTestId("unlock-password").fill(PASSWORD);
    await page.getByTestId("unlock-submit").click();
    await page.getByTestId("trash-nothing").waitFor();
    await page.getByTestId("nav-drive").click();
    await nodeRow(page, FOLDER).waitFor();
    assert.equal(await nodeRow(page, FILE_NAME).count(), 0);
    await context.close();
});
