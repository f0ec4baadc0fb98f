// The two live regions: status (polite) and errors (role="alert").

import { hasMessage, setText } from "./i18n.js";

const statusRegion = () => document.getElementById("status");
const errorRegion = () => document.getElementById("error");

/** Announces a status message, such as "Folder created". */
export function announce(key, params) {
  setText(statusRegion(), key, params);
}

/** Shows `error` (an SDK error, an app error, a message key or `[key, params]`) in the alert region. */
export function showError(error) {
  const [key, params] = errorMessage(error);
  setText(errorRegion(), key, params);
}

/** Message to show after the next navigation: `{ status: key, params }` or `{ error }`. */
let flash = null;

/** Keeps a status key or an error for the page that the next navigation opens. */
export function flashNext(message) {
  flash = message;
}

/** Clears both regions on navigation, then shows the message kept by `flashNext`. */
export function clearMessages() {
  setText(statusRegion(), "empty");
  setText(errorRegion(), "empty");
  const message = flash;
  flash = null;
  if (message?.status) {
    announce(message.status, message.params);
  }
  if (message?.error) {
    showError(message.error);
  }
}

export function clearError() {
  setText(errorRegion(), "empty");
}

/**
 * Maps an error to `[key, params]`: `error.CODE` when the catalogue has a
 * sentence for the code, else the error's own English message.
 */
export function errorMessage(error) {
  if (typeof error === "string") {
    return [error, undefined];
  }
  if (Array.isArray(error)) {
    return error;
  }
  const code = error?.code;
  if (code && hasMessage(`error.${code}`)) {
    return [`error.${code}`, undefined];
  }
  // Errors the SDK did not classify, such as a worker that failed to start.
  console.error(error);
  const message = error?.message || String(error);
  return ["error.fallback", { message }];
}
