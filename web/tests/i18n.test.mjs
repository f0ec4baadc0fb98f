// Checks the message catalogues: French and English have the same keys and
// parameters, and every key the app's code and index.html use exists.
// Run with `node --test web/tests/`.

import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { test } from "node:test";

import en from "../i18n/en.js";
import fr from "../i18n/fr.js";

const webDir = new URL("../", import.meta.url);

function parameters(template) {
  return [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
}

test("catalogues have the same keys", () => {
  assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort());
});

test("catalogues have the same parameters", () => {
  for (const key of Object.keys(en)) {
    assert.deepEqual(parameters(fr[key] ?? ""), parameters(en[key]), key);
  }
});

test("every used key exists", () => {
  const sources = readdirSync(new URL("app/", webDir)).map((name) =>
    readFileSync(new URL(`app/${name}`, webDir), "utf8"),
  );
  const html = readFileSync(new URL("index.html", webDir), "utf8");
  const used = new Set();
  // String literals shaped like catalogue keys: "group.name".
  for (const text of [...sources, html]) {
    for (const match of text.matchAll(/["']((?:app|language|nav|common|format|usage|auth|account|drive|move|transfer|role|share|shared|trash|error)\.[a-z_]+)["']/g)) {
      used.add(match[1]);
    }
  }
  // Keys built from SDK values in templates.
  for (const value of ["viewer", "editor"]) {
    used.add(`share.role_${value}`);
    used.add(`role.${value}`);
  }
  for (const value of ["pending", "accepted"]) used.add(`share.status_${value}`);
  for (const value of ["file", "folder"]) used.add(`shared.pending_${value}`);
  for (const value of ["en", "fr"]) used.add(`language.${value}`);

  assert.ok(used.size > 100, `only ${used.size} keys found: the pattern is broken`);
  for (const key of used) {
    assert.ok(key in en, `missing in en.js: ${key}`);
  }
});

test("error codes of the SDK README have sentences", () => {
  const codes = [
    "invalid_credentials", "account_locked", "email_taken", "already_exists", "quota_exceeded",
    "forbidden", "wrong_password", "invalid_recovery_key", "invalid_name", "not_logged_in",
    "locked", "decryption_failed", "tampered", "unreachable", "invalid_argument", "internal",
  ];
  for (const code of codes) {
    assert.ok(`error.${code}` in en, code);
  }
});
