// Modal dialogs on the native <dialog> element: the rest of the page is inert
// while one is open, Tab cycles inside it, Escape closes it, and focus goes
// back to the element that opened it.

import { h, uniqueId } from "./dom.js";
import { errorMessage } from "./status.js";
import { setText } from "./i18n.js";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Opens a modal dialog titled by message `title` (a key or `[key, params]`).
 * Returns `{ dialog, body, close, showError, clearError }`: append content to
 * `body`; `close()` removes the dialog, calls `onClose` and restores focus.
 */
export function openDialog({ title, testid, onClose }) {
  const opener = document.activeElement;
  const titleId = uniqueId("dialog-title");
  const error = h("p", { class: "error", role: "alert", testid: "dialog-error" });
  const body = h("div", { class: "dialog-body" });
  const dialog = h(
    "dialog",
    { "aria-labelledby": titleId, testid },
    h("h2", { id: titleId, text: title }),
    error,
    body,
  );

  let closed = false;
  function close() {
    if (closed) {
      return;
    }
    closed = true;
    if (dialog.open) {
      dialog.close();
    }
    dialog.remove();
    onClose?.();
    if (opener instanceof HTMLElement && opener.isConnected) {
      opener.focus();
    } else {
      // The opener left the page, for example a row re-rendered after a rename.
      (document.querySelector("main h1") ?? document.getElementById("main"))?.focus();
    }
  }

  // Escape fires `cancel`; the dialog closes through `close` so that the
  // opener gets focus back and the element leaves the DOM.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    close();
  });
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "Tab") {
      trapTab(dialog, event);
    }
  });

  document.body.append(dialog);
  dialog.showModal();

  return {
    dialog,
    body,
    close,
    showError(failure) {
      const [key, params] = errorMessage(failure);
      setText(error, key, params);
    },
    clearError() {
      setText(error, "empty");
    },
    focusFirst() {
      const first = body.querySelector(FOCUSABLE);
      first?.focus();
    },
  };
}

/** Keeps Tab and Shift+Tab on the dialog's controls, wrapping at both ends. */
function trapTab(dialog, event) {
  const focusable = [...dialog.querySelectorAll(FOCUSABLE)].filter(
    (element) => element.offsetParent !== null || element === document.activeElement,
  );
  if (focusable.length === 0) {
    event.preventDefault();
    return;
  }
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * Asks for a name, then runs `action(name)`. The dialog stays open and shows
 * the error when the action fails, so the user can correct the name.
 */
export function promptName({ title, label, submit, initial = "", testid, action }) {
  const ui = openDialog({ title, testid });
  const inputId = uniqueId("dialog-name");
  const input = h("input", {
    id: inputId,
    type: "text",
    required: true,
    value: initial,
    autocomplete: "off",
    testid: "dialog-name-input",
  });

  const submitButton = h("button", { type: "submit", class: "primary", text: submit, testid: "dialog-submit" });
  const form = h(
    "form",
    {},
    h("div", { class: "field" }, h("label", { for: inputId, text: label }), input),
    h(
      "div",
      { class: "dialog-actions" },
      h("button", { type: "button", text: "common.cancel", testid: "dialog-cancel", on: { click: () => ui.close() } }),
      submitButton,
    ),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = input.value.trim();
    if (!name) {
      ui.showError("error.name_required");
      input.focus();
      return;
    }
    ui.clearError();
    submitButton.disabled = true;
    try {
      await action(name);
      ui.close();
    } catch (failure) {
      ui.showError(failure);
      submitButton.disabled = false;
      input.focus();
    }
  });

  ui.body.append(form);
  input.focus();
  // Select the name without its extension, as file managers do.
  const dot = initial.lastIndexOf(".");
  input.setSelectionRange(0, dot > 0 ? dot : initial.length);
  return ui;
}

/**
 * Asks the user to confirm the action that message `message` describes, then
 * runs `action()`. If the action fails, the dialog stays open with the error.
 */
export function confirmAction({ title, message, confirm, danger = false, action }) {
  const ui = openDialog({ title, testid: "confirm-dialog" });
  const ok = h("button", {
    type: "button",
    class: danger ? "danger" : "primary",
    text: confirm,
    testid: "confirm-ok",
  });
  const cancel = h("button", { type: "button", text: "common.cancel", testid: "confirm-cancel", on: { click: () => ui.close() } });
  ok.addEventListener("click", async () => {
    ok.disabled = true;
    ui.clearError();
    try {
      await action();
      ui.close();
    } catch (failure) {
      ui.showError(failure);
      ok.disabled = false;
      ok.focus();
    }
  });
  ui.body.append(h("p", { text: message }), h("div", { class: "dialog-actions" }, cancel, ok));
  cancel.focus();
  return ui;
}
