// The share dialog: look up the recipient, compare their key fingerprint,
// confirm, share; and the list of who already has access, with revoke.

import { h, uniqueId } from "./dom.js";
import { setText } from "./i18n.js";
import { openDialog } from "./dialog.js";
import { announce } from "./status.js";
import { sdk } from "./session.js";

/** Opens the share dialog for `node`, whose decrypted name is `name`. */
export function openShareDialog(node, name) {
  const ui = openDialog({ title: ["share.title", { name }], testid: "share-dialog" });

  const emailId = uniqueId("share-email");
  const roleId = uniqueId("share-role");
  const confirmId = uniqueId("share-confirm");
  const email = h("input", { id: emailId, type: "email", autocomplete: "off", required: true, testid: "share-email" });
  const role = h(
    "select",
    { id: roleId, testid: "share-role" },
    h("option", { value: "viewer", text: "share.role_viewer" }),
    h("option", { value: "editor", text: "share.role_editor" }),
  );
  const lookup = h("button", { type: "submit", text: "share.lookup", testid: "share-lookup" });

  const fingerprint = h("code", { class: "fingerprint", testid: "share-fingerprint" });
  const recipientLine = h("p", {});
  const confirm = h("input", { type: "checkbox", id: confirmId, testid: "share-confirm" });
  const submit = h("button", { type: "button", class: "primary", text: "share.submit", testid: "share-submit", disabled: true });
  const verify = h(
    "div",
    { class: "verify", hidden: true },
    recipientLine,
    h("p", {}, h("span", { text: "auth.fingerprint_label" }), " ", fingerprint),
    h("p", { class: "hint", text: "share.fingerprint_explain" }),
    h("div", { class: "check" }, confirm, h("label", { for: confirmId, text: "share.fingerprint_matches" })),
    h("div", { class: "dialog-actions" }, submit),
  );

  let recipient = null;
  function resetLookup() {
    recipient = null;
    verify.hidden = true;
    confirm.checked = false;
    submit.disabled = true;
  }
  email.addEventListener("input", resetLookup);
  confirm.addEventListener("change", () => {
    submit.disabled = !confirm.checked || !recipient;
  });

  const lookupForm = h(
    "form",
    { novalidate: true },
    h("div", { class: "field" }, h("label", { for: emailId, text: "share.email" }), email),
    h("div", { class: "field" }, h("label", { for: roleId, text: "share.role" }), role),
    h("div", { class: "dialog-actions" }, lookup),
  );
  lookupForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    ui.clearError();
    resetLookup();
    const address = email.value.trim();
    if (!address) {
      ui.showError("error.fields_required");
      email.focus();
      return;
    }
    lookup.disabled = true;
    try {
      recipient = await sdk().lookupRecipient(address);
    } catch (error) {
      // The generic not_found sentence is about drive items, not accounts.
      ui.showError(error?.code === "not_found" ? ["error.recipient_not_found", { email: address }] : error);
      return;
    } finally {
      lookup.disabled = false;
    }
    setText(recipientLine, "share.recipient", { email: recipient.email });
    fingerprint.textContent = recipient.fingerprint;
    verify.hidden = false;
    confirm.focus();
  });

  submit.addEventListener("click", async () => {
    if (!recipient || !confirm.checked) {
      return;
    }
    submit.disabled = true;
    ui.clearError();
    try {
      await sdk().share(node, recipient.recipient, role.value);
    } catch (error) {
      ui.showError(error);
      submit.disabled = false;
      return;
    }
    announce("share.shared", { name, email: recipient.email });
    email.value = "";
    resetLookup();
    await loadAccess();
    email.focus();
  });

  const accessList = h("ul", { class: "access-list", testid: "share-access-list" });
  async function loadAccess() {
    accessList.replaceChildren(h("li", { class: "hint", text: "common.loading" }));
    let shares;
    try {
      shares = await sdk().accessList(node);
    } catch (error) {
      accessList.replaceChildren();
      ui.showError(error);
      return;
    }
    accessList.replaceChildren();
    if (shares.length === 0) {
      accessList.append(h("li", { class: "hint", text: "share.nobody" }));
    }
    for (const share of shares) {
      const revoke = h("button", {
        type: "button",
        class: "small danger",
        text: "share.revoke",
        testid: "share-revoke",
        attrs: { "aria-label": ["share.revoke_named", { email: share.recipientEmail }] },
      });
      revoke.addEventListener("click", async () => {
        revoke.disabled = true;
        try {
          await sdk().revoke(share);
        } catch (error) {
          ui.showError(error);
          revoke.disabled = false;
          return;
        }
        announce("share.revoked", { email: share.recipientEmail });
        await loadAccess();
        email.focus();
      });
      accessList.append(
        h(
          "li",
          { testid: "share-access-row", "data-email": share.recipientEmail },
          h("span", { class: "who", raw: share.recipientEmail }),
          " ",
          h("span", { class: "badge", text: `role.${share.role}` }),
          " ",
          h("span", { class: "badge", text: `share.status_${share.status}` }),
          " ",
          revoke,
        ),
      );
    }
  }

  const close = h("button", { type: "button", text: "common.close", testid: "dialog-cancel" });
  close.addEventListener("click", () => ui.close());

  ui.body.append(
    lookupForm,
    verify,
    h("h3", { text: "share.access_title" }),
    accessList,
    h("div", { class: "dialog-actions" }, close),
  );
  email.focus();
  loadAccess();
}
