// Gauzian web app: start-up, hash routing and the page frame.
//
// data-testid attributes of the main controls (for end-to-end tests):
//   frame:    language-switch, status-message, error-message, main-heading,
//             nav-drive, nav-shared, nav-trash, nav-account, logout-button,
//             usage-text, usage-meter
//   login:    login-email, login-password, login-submit, register-link, recover-link
//   register: register-email, register-password, register-password-confirm,
//             register-prepare, recovery-key, recovery-fingerprint,
//             recovery-copy, recovery-download, recovery-saved (checkbox),
//             register-submit, register-restart (shown after a failed submit)
//   unlock:   unlock-email, unlock-password, unlock-submit, unlock-switch-account
//   recover:  recover-email, recover-key, recover-password,
//             recover-password-confirm, recover-submit
//   account:  account-email, account-fingerprint, password-current,
//             password-new, password-confirm, password-submit
//   drive:    breadcrumbs, breadcrumb, new-folder-button, upload-button,
//             upload-input, drop-zone, node-list, node-row (with data-node-id,
//             data-name, data-kind), node-open, node-download, node-rename,
//             node-move, node-share, node-trash, empty-folder,
//             transfer-list, transfer-item, transfer-progress, transfer-status,
//             transfer-clear
//   dialogs:  new-folder-dialog, rename-dialog, dialog-name-input,
//             dialog-submit, dialog-cancel, dialog-error,
//             confirm-dialog, confirm-ok, confirm-cancel,
//             move-dialog, move-location, move-folder, move-up, move-here,
//             share-dialog, share-email, share-role, share-lookup,
//             share-fingerprint, share-confirm, share-submit,
//             share-access-list, share-access-row, share-revoke
//   trash:    trash-list, trash-row, trash-restore, trash-purge, trash-empty,
//             trash-nothing (empty trash)
//   shared:   incoming-list, incoming-nothing, incoming-row (with
//             data-share-id, data-status, data-name),
//             share-accept, share-decline, share-open, share-download
//
// Routes: #/login, #/register, #/unlock, #/recover, #/account,
// #/drive[/FOLDER_ID…], #/trash, #/shared[/SHARE_ID[/FOLDER_ID…]].

import { h, clear } from "./dom.js";
import { currentLanguage, languages, setLanguage, setText, t, translateTree } from "./i18n.js";
import { clearMessages, flashNext, showError } from "./status.js";
import { connect, currentAccount, forgetAccount, sdk } from "./session.js";
import { renderLogin, renderRecover, renderRegister, renderUnlock } from "./auth.js";
import { renderAccount } from "./account.js";
import { renderDrive } from "./drive.js";
import { renderTrash } from "./trash.js";
import { renderShared } from "./shared.js";
import { refreshUsage } from "./usage.js";
import { clearFinished, resetTransfers } from "./transfers.js";

/** Routes reachable without open keys. */
const PUBLIC_ROUTES = new Set(["login", "register", "recover", "unlock"]);

const PAGES = {
  login: renderLogin,
  register: renderRegister,
  unlock: renderUnlock,
  recover: renderRecover,
  account: renderAccount,
  drive: renderDrive,
  trash: renderTrash,
  shared: renderShared,
};

/** Route to open once the user has logged in or unlocked. */
let pendingRoute = null;
/** Increments on each navigation, so a slow page render that finished late can tell it is stale. */
let renderGeneration = 0;

export function navigate(route) {
  const hash = `#/${route}`;
  if (location.hash === hash) {
    render();
  } else {
    location.hash = hash;
  }
}

/** Opens the route that was requested before login, or the drive. */
export function navigateAfterLogin() {
  const route = pendingRoute ?? "drive";
  pendingRoute = null;
  refreshUsage();
  navigate(route);
}

function parseRoute() {
  const path = location.hash.replace(/^#\/?/, "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [name = "", ...rest] = parts;
  return { name, rest, path };
}

async function render() {
  const generation = ++renderGeneration;
  const route = parseRoute();
  const main = document.getElementById("main");
  clearMessages();

  let name = route.name in PAGES ? route.name : "";
  if (!name) {
    name = currentAccount() ? "drive" : "login";
    history.replaceState(null, "", `#/${name}`);
  }

  if (!PUBLIC_ROUTES.has(name) && !currentAccount()) {
    pendingRoute = route.path;
    const loggedIn = await sessionAlive();
    if (generation !== renderGeneration) {
      return;
    }
    name = loggedIn ? "unlock" : "login";
    history.replaceState(null, "", `#/${name}`);
  }
  if (currentAccount() && (name === "login" || name === "register" || name === "unlock")) {
    // Keys are open: these pages have nothing to do until the user logs out.
    name = "drive";
    history.replaceState(null, "", "#/drive");
  }

  updateFrame(name);
  clear(main);
  const page = h("div", { class: `page page-${name}` });
  main.append(page);
  try {
    await PAGES[name](page, { rest: route.rest, isCurrent: () => generation === renderGeneration });
  } catch (error) {
    handleError(error);
  }
  if (generation === renderGeneration) {
    const heading = main.querySelector("h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.dataset.testid = "main-heading";
      // Screen readers announce the new page from its heading, unless the
      // page focused its first field itself (login, registration, unlock
      // and recovery).
      if (!main.contains(document.activeElement) || document.activeElement === main) {
        heading.focus({ preventScroll: true });
      }
    }
  }
}

/** Returns whether the cookie session is still valid, treating failures as logged out. */
async function sessionAlive() {
  try {
    const state = await sdk().status();
    return Boolean(state?.loggedIn);
  } catch (error) {
    handleError(error);
    return false;
  }
}

/**
 * Shows an error from any page. A session that ended sends the user to the
 * login page, and keys that are not open send them to the unlock page.
 */
export function handleError(error) {
  const code = error?.code;
  if (code === "locked") {
    forgetAccount();
    pendingRoute = parseRoute().path;
    navigate("unlock");
    return;
  }
  if (code === "not_logged_in" || code === "unauthorized") {
    forgetAccount();
    pendingRoute = parseRoute().path;
    flashNext({ error });
    navigate("login");
    return;
  }
  showError(error);
}

function updateFrame(routeName) {
  const nav = document.getElementById("nav");
  const loggedIn = Boolean(currentAccount());
  nav.hidden = !loggedIn;
  document.getElementById("usage").hidden = !loggedIn;
  if (!loggedIn) {
    resetTransfers();
  }
  for (const link of nav.querySelectorAll("a[data-route]")) {
    if (link.dataset.route === routeName) {
      link.setAttribute("aria-current", "page");
    } else {
      link.removeAttribute("aria-current");
    }
  }
}

function buildLanguageSwitch() {
  const select = document.getElementById("language");
  for (const code of languages()) {
    select.append(h("option", { value: code, text: `language.${code}`, lang: code }));
  }
  select.value = currentLanguage();
  select.addEventListener("change", () => {
    setLanguage(select.value);
    updateTitle();
  });
}

function updateTitle() {
  document.title = t("app.title");
}

async function logout() {
  try {
    await sdk().logout();
  } catch (error) {
    showError(error);
    return;
  }
  forgetAccount();
  flashNext({ status: "auth.logged_out" });
  navigate("login");
}

async function start() {
  document.documentElement.lang = currentLanguage();
  translateTree(document.body);
  updateTitle();
  buildLanguageSwitch();
  document.getElementById("logout").addEventListener("click", logout);
  // The skip link must not change the hash, because the hash is the route.
  document.getElementById("skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    (document.querySelector("main h1") ?? document.getElementById("main")).focus();
  });
  document.getElementById("transfer-clear").addEventListener("click", clearFinished);
  // A file dropped outside a drop zone would make the browser open it in
  // this tab, leaving the app and dropping the open keys.
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => {
      if (!event.defaultPrevented) {
        event.preventDefault();
        if (event.dataTransfer) {
          event.dataTransfer.dropEffect = "none";
        }
      }
    });
  }

  const main = document.getElementById("main");
  try {
    await connect();
  } catch (error) {
    console.error(error);
    clear(main);
    main.append(h("h1", { text: "app.title" }), h("p", { class: "error", text: "error.sdk_unavailable" }));
    setText(document.getElementById("error"), "error.sdk_unavailable");
    return;
  }
  window.addEventListener("hashchange", render);
  await render();
}

start();
