// Shared with me: incoming shares with accept and decline, and browsing into
// accepted shared folders (`#/shared/SHARE_ID/FOLDER_ID…`).

import { h } from "./dom.js";
import { flashNext } from "./status.js";
import { sdk } from "./session.js";
import { handleError, navigate } from "./main.js";
import { confirmAction } from "./dialog.js";
import { renderFolder, resolveTrail } from "./drive.js";
import { downloadNode } from "./transfers.js";

export async function renderShared(page, { rest, isCurrent }) {
  const shares = await sdk().incomingShares();
  if (!isCurrent()) {
    return;
  }
  const [shareId, ...folderIds] = rest;
  if (shareId) {
    const share = shares.find((item) => item.id === shareId && item.status === "accepted" && item.node);
    if (share && share.node.kind === "folder") {
      const base = `shared/${encodeURIComponent(share.id)}`;
      const { trail, entries } = await resolveTrail([share.node], folderIds, base);
      if (!isCurrent()) {
        return;
      }
      renderFolder(page, { trail, entries, base, role: share.role });
      return;
    }
    // The share ended or is not a folder: show the list instead.
    history.replaceState(null, "", "#/shared");
  }
  renderList(page, shares);
}

function renderList(page, shares) {
  const listing = h("div", { class: "listing" });
  page.append(h("h1", { text: "shared.title" }), h("p", { text: "shared.intro" }), listing);

  if (shares.length === 0) {
    listing.append(h("p", { class: "empty", text: "shared.nothing", testid: "incoming-nothing" }));
    return;
  }
  const body = h("tbody", {});
  for (const share of shares) {
    body.append(row(share));
  }
  listing.append(
    h(
      "table",
      { class: "nodes", testid: "incoming-list" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col", text: "drive.name" }),
          h("th", { scope: "col", text: "shared.owner" }),
          h("th", { scope: "col", text: "share.role" }),
          h("th", { scope: "col", text: "shared.status" }),
          h("th", { scope: "col", text: "drive.actions" }),
        ),
      ),
      body,
    ),
  );
}

function row(share) {
  const node = share.node;
  const accepted = share.status === "accepted" && node;
  const readable = accepted && node.name !== null && node.name !== undefined;
  const name = readable ? node.name : "";

  let nameCell;
  if (!accepted) {
    nameCell = h("td", { class: `name ${share.kind}`, text: `shared.pending_${share.kind}` });
  } else if (!readable) {
    nameCell = h("td", { class: "name unreadable", text: ["drive.unreadable", { code: node.error?.code ?? "" }] });
  } else if (node.kind === "folder") {
    nameCell = h(
      "td",
      { class: "name folder" },
      h("a", { href: `#/shared/${encodeURIComponent(share.id)}`, raw: name, testid: "share-open" }),
    );
  } else {
    nameCell = h("td", { class: "name file", raw: name });
  }

  const actions = [];
  if (!accepted) {
    const accept = h("button", {
      type: "button",
      class: "small primary",
      text: "shared.accept",
      testid: "share-accept",
      attrs: { "aria-label": ["shared.accept_from", { email: share.ownerEmail }] },
    });
    accept.addEventListener("click", async () => {
      accept.disabled = true;
      try {
        const acceptedShare = await sdk().accept(share);
        flashNext({ status: "shared.accepted", params: { name: acceptedShare.node?.name ?? "" } });
        navigate("shared");
      } catch (error) {
        accept.disabled = false;
        handleError(error);
      }
    });
    actions.push(accept);
  } else if (node.kind === "file" && readable) {
    const download = h("button", {
      type: "button",
      class: "small",
      text: "drive.download",
      testid: "share-download",
      attrs: { "aria-label": ["drive.download_named", { name }] },
    });
    download.addEventListener("click", () => downloadNode(node));
    actions.push(download);
  }

  const decline = h("button", {
    type: "button",
    class: "small danger",
    text: accepted ? "shared.leave" : "shared.decline",
    testid: "share-decline",
    attrs: { "aria-label": [accepted ? "shared.leave_named" : "shared.decline_from", { name, email: share.ownerEmail }] },
  });
  decline.addEventListener("click", () => {
    confirmAction({
      title: accepted ? "shared.leave" : "shared.decline",
      message: accepted ? "shared.leave_confirm" : "shared.decline_confirm",
      confirm: accepted ? "shared.leave" : "shared.decline",
      danger: true,
      action: async () => {
        await sdk().decline(share);
        flashNext({ status: "shared.declined" });
        navigate("shared");
      },
    });
  });
  actions.push(decline);

  return h(
    "tr",
    { testid: "incoming-row", "data-share-id": share.id, "data-status": share.status, "data-name": name },
    nameCell,
    h("td", { class: "email", raw: share.ownerEmail }),
    h("td", { text: `role.${share.role}` }),
    h("td", { text: `share.status_${share.status}` }),
    h("td", { class: "row-actions" }, h("div", {}, actions)),
  );
}
