// The folder view, shared by the user's own drive and accepted shared
// folders: breadcrumbs, listing, upload, download, new folder, rename, move,
// share and delete to the trash.

import { h, keepFocus } from "./dom.js";
import { setText } from "./i18n.js";
import { announce } from "./status.js";
import { currentAccount, sdk } from "./session.js";
import { handleError } from "./main.js";
import { promptName } from "./dialog.js";
import { openMoveDialog } from "./move.js";
import { openShareDialog } from "./share-dialog.js";
import { downloadNode, onFolderChanged, uploadEntries, uploadFiles } from "./transfers.js";
import { refreshUsage } from "./usage.js";

/**
 * A folder view is `{ trail, entries, base, role, rootLabel }`. `trail` runs
 * from the tree's root folder to the folder shown, and `entries` is that
 * folder's listing. `base` is the route of the root, `role` is `owner`,
 * `editor` or `viewer`, and `rootLabel` is the message key that names the
 * root of the user's own drive (shared roots show their own name).
 */

/** Renders `#/drive/ID/ID…`: the user's own tree. */
export async function renderDrive(page, { rest, isCurrent }) {
  const root = currentAccount().root;
  const { trail, entries } = await resolveTrail([root], rest, "drive");
  if (!isCurrent()) {
    return;
  }
  renderFolder(page, { trail, entries, base: "drive", role: "owner", rootLabel: "drive.root" });
}

/**
 * Walks down from `trail`'s last folder through the folder ids in `ids`,
 * listing each level. An id that is not found (moved, deleted, or a stale
 * link) ends the walk, and the address bar is corrected to the folder reached.
 * Returns the trail and the listing of its last folder.
 */
export async function resolveTrail(trail, ids, base) {
  let entries = await sdk().list(trail[trail.length - 1]);
  for (const id of ids) {
    const next = entries.find((node) => node.id === id && node.kind === "folder");
    if (!next) {
      history.replaceState(null, "", `#/${routeOf(base, trail)}`);
      break;
    }
    trail = [...trail, next];
    entries = await sdk().list(next);
  }
  return { trail, entries };
}

function routeOf(base, trail) {
  return [base, ...trail.slice(1).map((node) => encodeURIComponent(node.id))].join("/");
}

/** Renders a folder view (described above) into `page`. */
export function renderFolder(page, view) {
  const folder = view.trail[view.trail.length - 1];
  const canWrite = view.role === "owner" || view.role === "editor";
  const listing = h("div", { class: "listing" });

  async function refresh() {
    try {
      const entries = await sdk().list(folder);
      keepFocus(listing, () => fillListing(listing, entries, view, refresh));
    } catch (error) {
      handleError(error);
    }
  }
  onFolderChanged((folderId) => {
    if (folderId === folder.id && listing.isConnected) {
      refresh();
    }
  });

  page.append(
    breadcrumbs(view),
    h("h1", folder === view.trail[0] && view.rootLabel ? { text: view.rootLabel } : { raw: folder.name }),
  );
  if (canWrite) {
    page.append(toolbar(folder, refresh));
  }

  const section = h("section", { class: "drop-zone", testid: "drop-zone", "aria-labelledby": "listing-heading" });
  section.append(h("h2", { id: "listing-heading", class: "visually-hidden", text: "drive.contents" }));
  if (canWrite) {
    section.append(h("p", { class: "hint drop-hint", text: "drive.drop_hint" }));
    enableDrop(section, folder);
  }
  section.append(listing);
  page.append(section);
  fillListing(listing, view.entries, view, refresh);
}

function breadcrumbs(view) {
  const list = h("ol", {});
  if (view.base.startsWith("shared")) {
    list.append(h("li", {}, h("a", { href: "#/shared", text: "nav.shared", testid: "breadcrumb" })));
  }
  view.trail.forEach((node, index) => {
    const label = index === 0 && view.rootLabel ? { text: view.rootLabel } : { raw: node.name };
    const last = index === view.trail.length - 1;
    const link = h("a", {
      href: `#/${routeOf(view.base, view.trail.slice(0, index + 1))}`,
      testid: "breadcrumb",
      "aria-current": last ? "page" : null,
      ...label,
    });
    list.append(h("li", {}, link));
  });
  return h("nav", { class: "breadcrumbs", testid: "breadcrumbs", attrs: { "aria-label": "drive.breadcrumbs" } }, list);
}

function toolbar(folder, refresh) {
  const newFolder = h("button", { type: "button", text: "drive.new_folder", testid: "new-folder-button" });
  newFolder.addEventListener("click", () => {
    promptName({
      title: "drive.new_folder",
      label: "drive.folder_name",
      submit: "drive.create",
      testid: "new-folder-dialog",
      action: async (name) => {
        await sdk().createFolder(folder, name);
        announce("drive.folder_created", { name });
        await refresh();
      },
    });
  });

  // The file input is hidden; the visible button opens its picker so that
  // the control looks and reads like the other buttons.
  const input = h("input", {
    type: "file",
    multiple: true,
    class: "visually-hidden",
    tabindex: "-1",
    testid: "upload-input",
    attrs: { "aria-label": "drive.upload" },
  });
  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = "";
    if (files.length > 0) {
      announce("drive.upload_started", { count: files.length });
      uploadFiles(folder, files);
    }
  });
  const upload = h("button", { type: "button", text: "drive.upload", testid: "upload-button" });
  upload.addEventListener("click", () => input.click());

  return h("div", { class: "toolbar" }, upload, input, newFolder);
}

/** Accepts files and folders dropped on `zone` and uploads them into `folder`. */
function enableDrop(zone, folder) {
  let depth = 0;
  zone.addEventListener("dragenter", (event) => {
    if (!event.dataTransfer?.types.includes("Files")) {
      return;
    }
    event.preventDefault();
    depth += 1;
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragover", (event) => {
    if (event.dataTransfer?.types.includes("Files")) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    }
  });
  zone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) {
      zone.classList.remove("dragging");
    }
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    zone.classList.remove("dragging");
    // Entries must be taken during the event: the DataTransfer empties afterwards.
    const items = [...(event.dataTransfer?.items ?? [])];
    const entries = items.map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
    if (entries.length > 0) {
      announce("drive.upload_started", { count: entries.length });
      uploadEntries(folder, entries).catch(handleError);
      return;
    }
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length > 0) {
      announce("drive.upload_started", { count: files.length });
      uploadFiles(folder, files);
    }
  });
}

function fillListing(listing, entries, view, refresh) {
  listing.replaceChildren();
  if (entries.length === 0) {
    listing.append(h("p", { class: "empty", text: "drive.empty", testid: "empty-folder" }));
    return;
  }
  const body = h("tbody", {});
  for (const node of entries) {
    body.append(nodeRow(node, view, refresh));
  }
  listing.append(
    h(
      "table",
      { class: "nodes", testid: "node-list" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col", text: "drive.name" }),
          h("th", { scope: "col", class: "size", text: "drive.size" }),
          h("th", { scope: "col", class: "date", text: "drive.modified" }),
          h("th", { scope: "col", text: "drive.actions" }),
        ),
      ),
      body,
    ),
  );
}

function nodeRow(node, view, refresh) {
  const unreadable = node.name === null || node.name === undefined;
  const name = unreadable ? "" : node.name;
  const row = h("tr", { testid: "node-row", "data-node-id": node.id, "data-name": name, "data-kind": node.kind });

  let nameCell;
  if (unreadable) {
    nameCell = h("td", { class: "name unreadable", text: ["drive.unreadable", { code: node.error?.code ?? "" }] });
  } else if (node.kind === "folder") {
    const href = `#/${routeOf(view.base, [...view.trail, node])}`;
    nameCell = h("td", { class: "name folder" }, h("a", { href, raw: name, testid: "node-open" }));
  } else {
    nameCell = h("td", { class: "name file" }, h("span", { raw: name }));
  }

  row.append(
    nameCell,
    h("td", { class: "size", raw: node.kind === "file" ? "" : "—" }),
    h("td", { class: "date" }),
    h("td", { class: "row-actions" }, h("div", {}, nodeActions(node, name, unreadable, view, refresh))),
  );
  if (node.kind === "file") {
    setText(row.children[1], "format.bytes", { size: { bytes: node.size } });
  }
  setText(row.children[2], "format.date", { date: { date: node.modifiedAt ?? node.updatedAt } });
  return row;
}

function actionButton(textKey, labelKey, name, testid, onClick) {
  const button = h("button", {
    type: "button",
    class: "small",
    text: textKey,
    testid,
    attrs: { "aria-label": [labelKey, { name }] },
  });
  button.addEventListener("click", onClick);
  return button;
}

function nodeActions(node, name, unreadable, view, refresh) {
  const canWrite = view.role === "owner" || view.role === "editor";
  const actions = [];

  if (node.kind === "file" && !unreadable) {
    actions.push(actionButton("drive.download", "drive.download_named", name, "node-download", () => downloadNode(node)));
  }
  if (canWrite && !unreadable) {
    actions.push(
      actionButton("drive.rename", "drive.rename_named", name, "node-rename", () => {
        promptName({
          title: ["drive.rename_title", { name }],
          label: "drive.new_name",
          submit: "drive.rename",
          initial: name,
          testid: "rename-dialog",
          action: async (newName) => {
            await sdk().rename(node, newName);
            announce("drive.renamed", { name: newName });
            await refresh();
          },
        });
      }),
      actionButton("drive.move", "drive.move_named", name, "node-move", () => {
        openMoveDialog({
          node,
          name,
          trail: view.trail,
          rootLabel: view.rootLabel,
          onMoved: async (target) => {
            announce("drive.moved", { name, target });
            await refresh();
          },
        });
      }),
    );
  }
  if (view.role === "owner" && !unreadable) {
    actions.push(actionButton("drive.share", "drive.share_named", name, "node-share", () => openShareDialog(node, name)));
  }
  if (canWrite) {
    actions.push(
      actionButton("drive.trash", "drive.trash_named", name || "?", "node-trash", async (event) => {
        const button = event.currentTarget;
        button.disabled = true;
        try {
          await sdk().trash(node);
          announce("drive.trashed", { name: name || "?" });
          await refresh();
          refreshUsage();
        } catch (error) {
          button.disabled = false;
          handleError(error);
        }
      }),
    );
  }
  return actions;
}
