// The move dialog: a folder picker that starts at the folder shown and can
// walk anywhere in the same tree (the user's drive, or one shared folder).

import { h } from "./dom.js";
import { setText } from "./i18n.js";
import { openDialog } from "./dialog.js";
import { sdk } from "./session.js";

/**
 * Opens the picker for moving `node` (named `name`). `trail` runs from the
 * tree's root to the folder shown. `rootLabel` is the message key that names
 * the root, or undefined to use the root's own name. After the move, the
 * dialog closes and calls `onMoved(targetName)`.
 */
export function openMoveDialog({ node, name, trail, rootLabel, onMoved }) {
  const ui = openDialog({ title: ["move.title", { name }], testid: "move-dialog" });
  let current = [...trail];

  const location = h("p", { class: "move-location", testid: "move-location", "aria-live": "polite" });
  const folders = h("ul", { class: "move-folders" });
  const up = h("button", { type: "button", text: "move.up", testid: "move-up" });
  const here = h("button", { type: "button", class: "primary", text: "move.here", testid: "move-here" });
  const cancel = h("button", { type: "button", text: "common.cancel", testid: "dialog-cancel" });
  cancel.addEventListener("click", () => ui.close());

  const labelOf = (folder, index) => (index === 0 && rootLabel ? null : folder.name);

  async function show(focusTarget) {
    ui.clearError();
    const folder = current[current.length - 1];
    const path = current.map((item, index) => labelOf(item, index));
    if (rootLabel) {
      setText(location, "move.location_root", { path: path.slice(1).join(" / ") });
    } else {
      setText(location, "move.location", { path: path.join(" / ") });
    }
    up.disabled = current.length === 1;
    // Moving into the folder it is already in would change nothing.
    here.disabled = folder.id === node.parentId;

    folders.replaceChildren(h("li", { class: "hint", text: "common.loading" }));
    let entries;
    try {
      entries = await sdk().list(folder);
    } catch (error) {
      ui.showError(error);
      folders.replaceChildren();
      return;
    }
    // A folder cannot go inside itself, so the moved folder is not offered.
    const subfolders = entries.filter((entry) => entry.kind === "folder" && entry.name && entry.id !== node.id);
    folders.replaceChildren();
    if (subfolders.length === 0) {
      folders.append(h("li", { class: "hint", text: "move.no_subfolders" }));
    }
    for (const subfolder of subfolders) {
      const open = h("button", {
        type: "button",
        class: "link",
        raw: subfolder.name,
        testid: "move-folder",
        attrs: { "aria-label": ["move.open_named", { name: subfolder.name }] },
      });
      open.addEventListener("click", () => {
        current = [...current, subfolder];
        show("first");
      });
      folders.append(h("li", {}, open));
    }
    if (focusTarget === "first") {
      const fallback = here.disabled ? cancel : here;
      (folders.querySelector("button") ?? fallback).focus();
    }
  }

  up.addEventListener("click", () => {
    current = current.slice(0, -1);
    show("first");
  });

  here.addEventListener("click", async () => {
    const target = current[current.length - 1];
    here.disabled = true;
    try {
      await sdk().move(node, target);
    } catch (error) {
      ui.showError(error);
      here.disabled = false;
      return;
    }
    ui.close();
    const targetName = current.length === 1 && rootLabel ? "/" : target.name;
    await onMoved(targetName);
  });

  ui.body.append(
    location,
    h("nav", { attrs: { "aria-label": "move.folders" } }, folders),
    h("div", { class: "dialog-actions" }, up, cancel, here),
  );
  cancel.focus();
  show("first");
}
