// Uploads and downloads with a progress bar per file, in the frame's
// transfer panel, so they keep showing while the user browses elsewhere.

import { h, revokeSavedBlobs, saveBlob } from "./dom.js";
import { setText } from "./i18n.js";
import { announce, errorMessage, showError } from "./status.js";
import { sdk } from "./session.js";
import { refreshUsage } from "./usage.js";

/** Uploads run one at a time: the SDK already sends each file's chunks in parallel. */
let uploadQueue = Promise.resolve();
/** Called with a folder id after an upload into it finished, to refresh a listing. */
let folderChangedListener = null;

export function onFolderChanged(listener) {
  folderChangedListener = listener;
}

function panel() {
  const section = document.getElementById("transfers");
  section.hidden = false;
  return document.getElementById("transfer-list");
}

/** Adds a row with a progress bar for one transfer and returns its controls. */
function addItem(name, kindKey, doneKey) {
  const progress = h("progress", { max: 1, value: 0, testid: "transfer-progress", attrs: { "aria-label": [kindKey, { name }] } });
  const status = h("span", { class: "transfer-status", testid: "transfer-status", text: "transfer.waiting" });
  const item = h(
    "li",
    { class: "transfer", testid: "transfer-item", "data-name": name },
    h("span", { class: "transfer-name", text: [kindKey, { name }] }),
    progress,
    status,
  );
  panel().append(item);

  return {
    progress(done, total) {
      progress.max = Math.max(total, 1);
      progress.value = Math.min(done, progress.max);
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
      setText(status, "transfer.percent", { percent });
    },
    done() {
      progress.value = progress.max;
      item.classList.add("done");
      setText(status, "transfer.done");
      announce(doneKey, { name });
    },
    failed(error) {
      item.classList.add("failed");
      const [key, params] = errorMessage(error);
      setText(status, key, params);
      // The alert region makes screen readers announce the failure too.
      showError(error);
    },
  };
}

/** Removes finished and failed rows, and hides the panel when nothing is left. */
export function clearFinished() {
  const list = document.getElementById("transfer-list");
  for (const item of [...list.children]) {
    if (item.classList.contains("done") || item.classList.contains("failed")) {
      item.remove();
    }
  }
  if (list.children.length === 0) {
    document.getElementById("transfers").hidden = true;
  }
}

/** Removes every row, so that file names do not outlive the account's session. */
export function resetTransfers() {
  document.getElementById("transfer-list").replaceChildren();
  document.getElementById("transfers").hidden = true;
  revokeSavedBlobs();
}

/** Queues the upload of `files` (File objects) into `parent` (a NodeInfo). */
export function uploadFiles(parent, files) {
  for (const file of files) {
    const item = addItem(file.name, "transfer.upload_of", "transfer.uploaded");
    enqueue(parent, async () => {
      await sdk().upload(parent, file, (done, total) => item.progress(done, total));
    }, item);
  }
}

function enqueue(parent, task, item) {
  uploadQueue = uploadQueue.then(async () => {
    item.progress(0, 0);
    try {
      await task();
      item.done();
      folderChangedListener?.(parent.id);
      refreshUsage();
    } catch (error) {
      item.failed(error);
    }
  });
}

/**
 * Uploads what was dropped: files, and folders recursively (each folder is
 * created, or reused when one with that name exists). `entries` are
 * FileSystemEntry objects, read inside the drop event.
 */
export async function uploadEntries(parent, entries) {
  for (const entry of entries) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      uploadFiles(parent, [file]);
    } else if (entry.isDirectory) {
      const folder = await folderNamed(parent, entry.name);
      folderChangedListener?.(parent.id);
      const children = await readDirectory(entry);
      await uploadEntries(folder, children);
    }
  }
}

// Creates a folder for a dropped directory, or reuses the folder of that
// name: the SDK rejects a name already used in the folder.
async function folderNamed(parent, name) {
  try {
    return await sdk().createFolder(parent, name);
  } catch (error) {
    if (error?.code !== "already_exists") {
      throw error;
    }
    const existing = (await sdk().list(parent)).find((node) => node.kind === "folder" && node.name === name);
    if (!existing) {
      throw error;
    }
    return existing;
  }
}

/** Reads every entry of a dropped directory; `readEntries` returns them in batches. */
async function readDirectory(directory) {
  const reader = directory.createReader();
  const all = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) {
      return all;
    }
    all.push(...batch);
  }
}

/** Downloads `node` with a progress bar, then saves the File through a temporary link. */
export async function downloadNode(node) {
  const item = addItem(node.name, "transfer.download_of", "transfer.downloaded");
  item.progress(0, node.size ?? 0);
  try {
    const file = await sdk().download(node, (done, total) => item.progress(done, total));
    item.done();
    saveBlob(file, file.name || node.name);
  } catch (error) {
    item.failed(error);
  }
}
