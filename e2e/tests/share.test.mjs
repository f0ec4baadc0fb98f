// Two accounts registered in the browser: A uploads a file of two chunks,
// shares it with B as a viewer after comparing B's key fingerprint, and B
// accepts the share and downloads the same bytes. Takes the screenshots of
// the register, drive, share dialog and shared-with-me pages on the way.

import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, test } from "node:test";
import { launchBrowser, newContext, startServer } from "../lib/server.mjs";
import {
    CHUNK_SIZE,
    catalogue,
    createFolder,
    downloadBytes,
    nodeRow,
    randomFile,
    registerInBrowser,
    screenshot,
    uploadThroughInput,
} from "../lib/app.mjs";

const ALICE = "alice@example.com";
const BOB = "bob@example.com";
const FILE_NAME = "holiday-video.bin";
// One full chunk and a partial one, so that the download checks chunk order and the final flag.
const FILE_SIZE = CHUNK_SIZE + 1024 * 1024 + 4321;

let server;
let browser;
let file;
let notes;

before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    file = await randomFile(FILE_NAME, FILE_SIZE);
    notes = await randomFile("notes.txt", 2500);
}, { timeout: 60_000 });

after(async () => {
    await browser?.close();
    await server?.stop();
    for (const tempFile of [file, notes]) {
        if (tempFile) await rm(tempFile.dir, { recursive: true, force: true });
    }
}, { timeout: 30_000 });

test("shared file downloads byte-identical", { timeout: 120_000 }, async () => {
    const aliceContext = await newContext(browser);
    const bobContext = await newContext(browser);
    const alice = await aliceContext.newPage();
    const bob = await bobContext.newPage();

    // Bob registers first, so that Alice can look him up. His fingerprint is
    // the one he would read to Alice over a trusted channel.
    const bobAccount = await registerInBrowser(bob, server.url, BOB);
    await bob.getByTestId("nav-account").click();
    assert.equal((await bob.getByTestId("account-fingerprint").textContent()).trim(), bobAccount.fingerprint);

    await registerInBrowser(alice, server.url, ALICE, {
        onRecoveryShown: () => screenshot(alice, "register-recovery-key"),
    });
    await alice.getByTestId("empty-folder").waitFor();

    // A few entries so that the drive screenshot shows a realistic listing.
    await createFolder(alice, "Photos");
    await uploadThroughInput(alice, notes.path, "notes.txt");
    await uploadThroughInput(alice, file.path, FILE_NAME);
    const row = nodeRow(alice, FILE_NAME);
    assert.equal(await row.getAttribute("data-kind"), "file");
    await alice.getByTestId("transfer-clear").click();
    await screenshot(alice, "drive");

    // Share dialog: look Bob up, compare the fingerprint, share as viewer.
    await row.getByTestId("node-share").click();
    const dialog = alice.getByTestId("share-dialog");
    await dialog.getByTestId("share-email").fill(BOB);
    await dialog.getByTestId("share-role").selectOption("viewer");
    await dialog.getByTestId("share-lookup").click();
    const shownFingerprint = dialog.getByTestId("share-fingerprint");
    await shownFingerprint.waitFor();
    assert.equal((await shownFingerprint.textContent()).trim(), bobAccount.fingerprint);
    const submit = dialog.getByTestId("share-submit");
    assert.equal(await submit.isDisabled(), true, "share-submit is enabled before the fingerprint is confirmed");
    await dialog.getByTestId("share-confirm").check();
    await screenshot(alice, "share-dialog");
    await submit.click();

    const english = await catalogue(alice, "en");
    const accessRow = dialog.locator(`[data-testid="share-access-row"][data-email="${BOB}"]`);
    await accessRow.waitFor();
    const accessText = await accessRow.innerText();
    assert.match(accessText, /\bViewer\b/);
    assert.doesNotMatch(accessText, /\bEditor\b/);
    assert.ok(accessText.includes(english["share.status_pending"]), `access row without the pending status: ${accessText}`);
    await dialog.getByTestId("dialog-cancel").click();
    await dialog.waitFor({ state: "detached" });

    // Bob's list shows the pending share without its name. He accepts it, then downloads it.
    await bob.getByTestId("nav-shared").click();
    const pending = bob.locator('[data-testid="incoming-row"][data-status="pending"]');
    await pending.waitFor();
    assert.equal(await pending.getAttribute("data-name"), "");
    await pending.getByTestId("share-accept").click();

    const accepted = bob.locator(`[data-testid="incoming-row"][data-status="accepted"][data-name="${FILE_NAME}"]`);
    await accepted.waitFor();
    const acceptedText = await accepted.innerText();
    assert.ok(acceptedText.includes(ALICE), `incoming row without the owner's email: ${acceptedText}`);
    assert.match(acceptedText, /\bViewer\b/);
    assert.equal(await accepted.getByTestId("share-download").isVisible(), true);
    await screenshot(bob, "shared-with-me");

    const download = await downloadBytes(bob, accepted.getByTestId("share-download"));
    assert.equal(download.name, FILE_NAME);
    assert.equal(download.bytes.length, file.bytes.length);
    assert.ok(download.bytes.equals(file.bytes), "the downloaded bytes differ from the uploaded file");

    // Alice's dialog now lists the share as accepted.
    await row.getByTestId("node-share").click();
    await accessRow.filter({ hasText: english["share.status_accepted"] }).waitFor();
    await dialog.getByTestId("dialog-cancel").click();

    await aliceContext.close();
    await bobContext.close();
});
