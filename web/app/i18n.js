// Message catalogues, the language choice, and the translation of elements.
//
// Elements carry their message key in `data-i18n` (text) and
// `data-i18n-attr` (attributes), with parameters in `data-i18n-args`, so a
// language switch re-translates the page in place and keeps what the user
// typed and the state a page keeps in memory (such as a recovery key on screen).

import en from "../i18n/en.js";
import fr from "../i18n/fr.js";

const CATALOGUES = { en, fr };
const STORAGE_KEY = "gauzian.language";

let language = pickLanguage();

/** Returns the saved choice, else French for any `fr*` browser language, else English. */
function pickLanguage() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage may be disabled; the browser's languages decide then.
  }
  if (saved && saved in CATALOGUES) {
    return saved;
  }
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of preferred) {
    const primary = String(tag).toLowerCase().split("-")[0];
    if (primary === "fr") {
      return "fr";
    }
    if (primary === "en") {
      return "en";
    }
  }
  return "en";
}

export function currentLanguage() {
  return language;
}

export function languages() {
  return Object.keys(CATALOGUES);
}

/** Sets the language, saves the choice, and re-translates the document. */
export function setLanguage(next) {
  if (!(next in CATALOGUES)) {
    return;
  }
  language = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Without storage the choice lasts until the page is reloaded.
  }
  document.documentElement.lang = next;
  translateTree(document.body);
}

/** Returns true when `key` exists in the English catalogue. */
export function hasMessage(key) {
  return typeof CATALOGUES.en[key] === "string";
}

/**
 * Returns the message `key` in the current language with `{name}` replaced
 * by `params.name`. A parameter `{ bytes: n }` is formatted as a size and
 * `{ date: ms }` as a date, in the current language. Missing keys fall back
 * to English, then to the key itself so that a gap shows on screen.
 */
export function t(key, params = {}) {
  const template = CATALOGUES[language][key] ?? CATALOGUES.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name) => {
    if (!(name in params)) {
      return match;
    }
    return formatParam(params[name]);
  });
}

function formatParam(value) {
  if (value && typeof value === "object") {
    if ("bytes" in value) {
      return formatBytes(value.bytes);
    }
    if ("date" in value) {
      return formatDate(value.date);
    }
  }
  return String(value);
}

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** Formats a byte count with decimal units (1 KB = 1000 B), as file managers do. */
export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) {
    return "—";
  }
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  const number = new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(value);
  const units = language === "fr" ? ["o", "ko", "Mo", "Go", "To"] : UNITS;
  return `${number} ${units[unit]}`;
}

export function formatDate(milliseconds) {
  if (milliseconds === null || milliseconds === undefined) {
    return "—";
  }
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(milliseconds),
  );
}

/** Sets the element's text to message `key` and remembers the key for later switches. */
export function setText(element, key, params) {
  element.dataset.i18n = key;
  if (params && Object.keys(params).length > 0) {
    element.dataset.i18nArgs = JSON.stringify(params);
  } else {
    delete element.dataset.i18nArgs;
  }
  element.textContent = t(key, params);
}

/**
 * Sets translated attributes, such as `{ "aria-label": ["drive.rename", { name }] }`.
 * Each value is a key, or a key and its parameters.
 */
export function setAttributes(element, attributes) {
  const stored = {};
  for (const [attribute, spec] of Object.entries(attributes)) {
    const [key, params] = Array.isArray(spec) ? spec : [spec, undefined];
    stored[attribute] = [key, params ?? {}];
    element.setAttribute(attribute, t(key, params));
  }
  element.dataset.i18nAttr = JSON.stringify(stored);
}

/** Re-translates every element under `root` that carries a message key. */
export function translateTree(root) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    const params = element.dataset.i18nArgs ? JSON.parse(element.dataset.i18nArgs) : undefined;
    element.textContent = t(element.dataset.i18n, params);
  }
  for (const element of root.querySelectorAll("[data-i18n-attr]")) {
    const attributes = JSON.parse(element.dataset.i18nAttr);
    for (const [attribute, [key, params]] of Object.entries(attributes)) {
      element.setAttribute(attribute, t(key, params));
    }
  }
}
