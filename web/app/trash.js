// The trash: restore, delete for good, and empty.

import { h, keepFocus } from "./dom.js";
import { setText } from "./i18n.js";
import { announce } from "./status.js";
import { sdk } from "./session.js";
import { handleError } from "./main.js";
import { confirmAction } from "./dialog.js";
import { refreshUsage } from "./usage.js";

export async function renderTrash(page, { isCurrent }) {
  const entries = await sdk().listTrash();
  if (!isCurrent()) {
    return;
  }
  const listing = h("div", { class: "listing" });
  const empty = h("button", { type: "button", class: "danger", text: "trash.empty_button", testid: "trash-empty" });

  async function refresh() {
    try {
      const nodes = await sdk().listTrash();
      keepFocus(listing, () => fill(nodes));
    } catch (error) {
      handleError(error);
    }
  }

  empty.addEventListener("click", () => {
    confirmAction({
      title: "trash.empty_title",
      message: "trash.empty_confirm",
      confirm: "trash.empty_button",
      danger: true,
      action: async () => {
        await sdk().emptyTrash();
        announce("trash.emptied");
        await refresh();
        refreshUsage();
      },
    });
  });

  function fill(nodes) {
    listing.replaceChildren();
    empty.disabled = nodes.length === 0;
    if (nodes.length === 0) {
      listing.append(h("p", { class: "empty", text: "trash.nothing", testid: "trash-nothing" }));
      return;
    }
    const body = h("tbody", {});
    for (const node of nodes) {
      body.append(row(node));
    }
    listing.append(
      h(
        "table",
        { class: "nodes", testid: "trash-list" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col", text: "drive.name" }),
            h("th", { scope: "col", class: "size", text: "drive.size" }),
            h("th", { scope: "col", class: "date", text: "trash.deleted" }),
            h("th", { scope: "col", text: "drive.actions" }),
          ),
        ),
        body,
      ),
    );
  }

  function row(node) {
    const unreadable = node.name === null || node.name === undefined;
    const name = unreadable ? "?" : node.name;
    const nameCell = unreadable
      ? h("td", { class: "name unreadable", text: ["drive.unreadable", { code: node.error?.code ?? "" }] })
      : h("td", { class: `name ${node.kind}`, raw: name });
    const size = h("td", { class: "size", raw: "—" });
    if (node.kind === "file") {
      setText(size, "format.bytes", { size: { bytes: node.size } });
    }
    const date = h("td", { class: "date", text: ["format.date", { date: { date: node.updatedAt } }] });

    const restore = h("button", {
      type: "button",
      class: "small",
      text: "trash.restore",
      testid: "trash-restore",
      attrs: { "aria-label": ["trash.restore_named", { name }] },
    });
    restore.addEventListener("click", async () => {
      restore.disabled = true;
      try {
        await sdk().restore(node);
        announce("trash.restored", { name });
        await refresh();
      } catch (error) {
        restore.disabled = false;
        handleError(error);
      }
    });

    const purge = h("button", {
      type: "button",
      class: "small danger",
      text: "trash.purge",
      testid: "trash-purge",
      attrs: { "aria-label": ["trash.purge_named", { name }] },
    });
    purge.addEventListener("click", () => {
      confirmAction({
        title: ["trash.purge_title", { name }],
        message: "trash.purge_confirm",
        confirm: "trash.purge",
        danger: true,
        action: async () => {
          await sdk().purge(node);
          announce("trash.purged", { name });
          await refresh();
          refreshUsage();
        },
      });
    });

    return h(
      "tr",
      { testid: "trash-row", "data-node-id": node.id, "data-name": unreadable ? "" : name, "data-kind": node.kind },
      nameCell,
      size,
      date,
      h("td", { class: "row-actions" }, h("div", {}, restore, purge)),
    );
  }

  page.append(
    h("h1", { text: "trash.title" }),
    h("p", { text: "trash.intro" }),
    h("div", { class: "toolbar" }, empty),
    listing,
  );
  fill(entries);
}
