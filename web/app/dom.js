// Element construction without innerHTML, so that no decrypted name or
// server text is ever parsed as HTML.

import { setAttributes, setText } from "./i18n.js";

/**
 * Creates an element. `props` keys:
 * - `text`: a message key, or `[key, params]`, translated and kept for switches;
 * - `raw`: literal text (user data such as file names);
 * - `attrs`: translated attributes, see `setAttributes`;
 * - `testid`: the `data-testid` attribute;
 * - `class`, `id`, `type`, `for`, and any other attribute, set as given
 *   (`false`, `null` and `undefined` leave it out);
 * - `on`: `{ event: handler }` listeners.
 * `children` are nodes, strings (literal text), or falsy values (skipped).
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    switch (name) {
      case "text": {
        const [key, params] = Array.isArray(value) ? value : [value, undefined];
        setText(element, key, params);
        break;
      }
      case "raw":
        element.textContent = value;
        break;
      case "attrs":
        setAttributes(element, value);
        break;
      case "testid":
        element.dataset.testid = value;
        break;
      case "class":
        element.className = value;
        break;
      case "on":
        for (const [event, handler] of Object.entries(value)) {
          element.addEventListener(event, handler);
        }
        break;
      case "checked":
      case "disabled":
      case "value":
      case "hidden":
        element[name] = value;
        break;
      default:
        element.setAttribute(name, value === true ? "" : value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    element.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

let fieldCounter = 0;

/** Returns a fresh id for pairing a label with its input. */
export function uniqueId(prefix) {
  fieldCounter += 1;
  return `${prefix}-${fieldCounter}`;
}

/**
 * Builds a labelled input: `{ label, testid, type, name, autocomplete, required, hint }`.
 * Returns `{ field, input }`, where `field` is the wrapper to insert.
 */
export function labelledInput(options) {
  const id = options.id ?? uniqueId(options.name ?? "field");
  const hintId = options.hint ? `${id}-hint` : null;
  const input = h("input", {
    id,
    name: options.name,
    type: options.type ?? "text",
    autocomplete: options.autocomplete,
    required: options.required ?? true,
    minlength: options.minlength,
    spellcheck: options.spellcheck,
    autocapitalize: options.autocapitalize,
    "aria-describedby": hintId,
    testid: options.testid,
    value: options.value,
  });
  const field = h(
    "div",
    { class: "field" },
    h("label", { for: id, text: options.label }),
    input,
    hintId && h("p", { id: hintId, class: "hint", text: options.hint }),
  );
  return { field, input };
}

/** Removes every child of `element`. */
export function clear(element) {
  element.replaceChildren();
}

// Object URLs handed to the browser's download manager. The browser may still
// be reading a large file long after the click, and a revoked URL cannot be
// read, so they live until the session ends.
const savedUrls = new Set();

/** Starts a browser download of `blob` named `name` through a temporary link. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  savedUrls.add(url);
  const link = h("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
}

/** Revokes the object URLs of earlier downloads, when the session ends. */
export function revokeSavedBlobs() {
  for (const url of savedUrls) {
    URL.revokeObjectURL(url);
  }
  savedUrls.clear();
}

/**
 * Runs `rebuild()`, which replaces the content of `container`, and keeps the
 * keyboard focus: if it was inside `container`, it moves to the control with
 * the same `data-testid` in the row with the same `data-node-id`, else to the
 * page's heading, so that it never falls back to the document body.
 */
export function keepFocus(container, rebuild) {
  const active = document.activeElement;
  const inside = active instanceof HTMLElement && container.contains(active);
  const rowId = inside ? active.closest("[data-node-id]")?.dataset.nodeId : undefined;
  const control = inside ? active.dataset.testid : undefined;

  rebuild();

  if (!inside || container.contains(document.activeElement)) {
    return;
  }
  const row = rowId ? container.querySelector(`[data-node-id="${CSS.escape(rowId)}"]`) : null;
  const target = row?.querySelector(`[data-testid="${CSS.escape(control ?? "")}"]`);
  (target ?? document.querySelector("main h1"))?.focus();
}
