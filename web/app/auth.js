// Pages that open keys: login, registration, unlock after a reload, and
// password reset with the recovery key.

import { h, labelledInput, saveBlob } from "./dom.js";
import { announce, clearError, flashNext, showError } from "./status.js";
import { forgetAccount, sdk, setAccount } from "./session.js";
import { handleError, navigate, navigateAfterLogin } from "./main.js";
import { t } from "./i18n.js";

/** Shortest password accepted for a new account, as in the command-line client. */
export const MIN_PASSWORD_CHARS = 10;

/**
 * Runs `action` with the form's submit button disabled and a status message,
 * and shows the error if it fails. Returns whether it succeeded.
 */
export async function submitting(button, statusKey, action) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  clearError();
  if (statusKey) {
    announce(statusKey);
  }
  try {
    await action();
    return true;
  } catch (error) {
    announce("empty");
    handleError(error);
    return false;
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/** Checks a new password and its repetition; shows the error and returns false when invalid. */
export function checkNewPassword(input, repeat) {
  if ([...input.value].length < MIN_PASSWORD_CHARS) {
    showError(["error.password_too_short", { min: MIN_PASSWORD_CHARS }]);
    input.focus();
    return false;
  }
  if (input.value !== repeat.value) {
    showError("error.passwords_differ");
    repeat.focus();
    return false;
  }
  return true;
}

function form(onSubmit, ...children) {
  const element = h("form", { novalidate: true }, ...children);
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    onSubmit();
  });
  return element;
}

export function renderLogin(page) {
  const email = labelledInput({ label: "auth.email", name: "email", type: "email", autocomplete: "username", testid: "login-email" });
  const password = labelledInput({
    label: "auth.password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    testid: "login-password",
  });
  const submit = h("button", { type: "submit", class: "primary", text: "auth.login_submit", testid: "login-submit" });

  page.append(
    h("h1", { text: "auth.login_title" }),
    form(
      async () => {
        if (!email.input.value.trim() || !password.input.value) {
          showError("error.fields_required");
          return;
        }
        await submitting(submit, "auth.logging_in", async () => {
          const account = await sdk().login(email.input.value.trim(), password.input.value);
          password.input.value = "";
          setAccount(account);
          navigateAfterLogin();
        });
      },
      email.field,
      password.field,
      h("div", { class: "actions" }, submit),
    ),
    h(
      "p",
      { class: "links" },
      h("a", { href: "#/register", text: "auth.go_register", testid: "register-link" }),
      h("a", { href: "#/recover", text: "auth.go_recover", testid: "recover-link" }),
    ),
  );
  email.input.focus();
}

export function renderRegister(page) {
  const email = labelledInput({ label: "auth.email", name: "email", type: "email", autocomplete: "username", testid: "register-email" });
  const password = labelledInput({
    label: "auth.password",
    name: "new-password",
    type: "password",
    autocomplete: "new-password",
    minlength: MIN_PASSWORD_CHARS,
    hint: ["auth.password_hint", { min: MIN_PASSWORD_CHARS }],
    testid: "register-password",
  });
  const repeat = labelledInput({
    label: "auth.password_repeat",
    name: "repeat-password",
    type: "password",
    autocomplete: "new-password",
    testid: "register-password-confirm",
  });
  const prepare = h("button", { type: "submit", class: "primary", text: "auth.register_prepare", testid: "register-prepare" });
  const step2 = h("section", { class: "recovery", hidden: true, "aria-labelledby": "recovery-heading" });

  const step1 = form(
    async () => {
      if (!email.input.value.trim()) {
        showError("error.fields_required");
        email.input.focus();
        return;
      }
      if (!checkNewPassword(password.input, repeat.input)) {
        return;
      }
      await submitting(prepare, "auth.generating_keys", async () => {
        const prepared = await sdk().prepareRegistration(email.input.value.trim(), password.input.value);
        password.input.value = "";
        repeat.input.value = "";
        for (const input of [email.input, password.input, repeat.input]) {
          input.disabled = true;
        }
        prepare.hidden = true;
        showRecoveryStep(step2, email.input.value.trim(), prepared);
      });
    },
    h("p", { text: "auth.register_intro" }),
    email.field,
    password.field,
    repeat.field,
    h("div", { class: "actions" }, prepare),
  );

  page.append(
    h("h1", { text: "auth.register_title" }),
    step1,
    step2,
    h("p", { class: "links" }, h("a", { href: "#/login", text: "auth.go_login" })),
  );
  email.input.focus();
}

/** Shows the recovery key and fingerprint, and creates the account once the user confirms saving the key. */
function showRecoveryStep(section, email, prepared) {
  const saved = h("input", { type: "checkbox", id: "recovery-saved", testid: "recovery-saved" });
  const submit = h("button", {
    type: "button",
    class: "primary",
    text: "auth.register_submit",
    testid: "register-submit",
    disabled: true,
  });
  saved.addEventListener("change", () => {
    submit.disabled = !saved.checked;
  });

  const copy = h("button", { type: "button", text: "auth.recovery_copy", testid: "recovery-copy" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(prepared.recoveryKey);
      announce("auth.recovery_copied");
    } catch {
      showError("error.clipboard");
    }
  });

  const download = h("button", { type: "button", text: "auth.recovery_download", testid: "recovery-download" });
  download.addEventListener("click", () => {
    const text = `${t("auth.recovery_file_intro", { email })}\n\n${prepared.recoveryKey}\n`;
    saveBlob(new Blob([text], { type: "text/plain" }), "gauzian-recovery-key.txt");
  });

  // A rejected registration (an email already taken, for example) created
  // nothing on the server, so starting over costs only new keys.
  const restart = h("button", { type: "button", text: "auth.register_restart", testid: "register-restart", hidden: true });
  restart.addEventListener("click", () => navigate("register"));

  submit.addEventListener("click", async () => {
    if (!saved.checked) {
      return;
    }
    const done = await submitting(submit, "auth.registering", async () => {
      const account = await sdk().submitRegistration(prepared.registration);
      setAccount(account);
      navigateAfterLogin();
    });
    restart.hidden = done;
  });

  section.append(
    h("h2", { id: "recovery-heading", text: "auth.recovery_title" }),
    h("p", { text: "auth.recovery_explain" }),
    h("p", { class: "secret", testid: "recovery-key", raw: prepared.recoveryKey }),
    h("div", { class: "actions" }, copy, download),
    h(
      "p",
      {},
      h("span", { text: "auth.fingerprint_label" }),
      " ",
      h("code", { class: "fingerprint", testid: "recovery-fingerprint", raw: prepared.fingerprint }),
    ),
    h("p", { class: "hint", text: "auth.fingerprint_explain" }),
    h("div", { class: "check" }, saved, h("label", { for: "recovery-saved", text: "auth.recovery_saved" })),
    h("div", { class: "actions" }, submit, restart),
  );
  section.hidden = false;
  saved.focus();
}

export async function renderUnlock(page) {
  let email = "";
  try {
    const state = await sdk().status();
    if (!state?.loggedIn) {
      navigate("login");
      return;
    }
    email = state.email ?? "";
  } catch (error) {
    handleError(error);
  }

  const password = labelledInput({
    label: "auth.password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    testid: "unlock-password",
  });
  // A hidden username field lets password managers match the saved entry.
  const username = h("input", { type: "email", autocomplete: "username", value: email, hidden: true, tabindex: "-1", "aria-hidden": "true" });
  const submit = h("button", { type: "submit", class: "primary", text: "auth.unlock_submit", testid: "unlock-submit" });
  const other = h("button", { type: "button", text: "auth.switch_account", testid: "unlock-switch-account" });
  other.addEventListener("click", async () => {
    await submitting(other, null, async () => {
      await sdk().logout();
      forgetAccount();
      navigate("login");
    });
  });

  page.append(
    h("h1", { text: "auth.unlock_title" }),
    h("p", { text: ["auth.unlock_intro", { email }], testid: "unlock-email" }),
    form(
      async () => {
        if (!password.input.value) {
          showError("error.fields_required");
          return;
        }
        await submitting(submit, "auth.unlocking", async () => {
          const account = await sdk().unlock(password.input.value);
          password.input.value = "";
          setAccount(account);
          navigateAfterLogin();
        });
      },
      username,
      password.field,
      h("div", { class: "actions" }, submit, other),
    ),
  );
  password.input.focus();
}

export function renderRecover(page) {
  const email = labelledInput({ label: "auth.email", name: "email", type: "email", autocomplete: "username", testid: "recover-email" });
  const key = labelledInput({
    label: "auth.recovery_key",
    name: "recovery-key",
    autocomplete: "off",
    spellcheck: "false",
    autocapitalize: "characters",
    hint: "auth.recovery_key_hint",
    testid: "recover-key",
  });
  const password = labelledInput({
    label: "auth.new_password",
    name: "new-password",
    type: "password",
    autocomplete: "new-password",
    minlength: MIN_PASSWORD_CHARS,
    hint: ["auth.password_hint", { min: MIN_PASSWORD_CHARS }],
    testid: "recover-password",
  });
  const repeat = labelledInput({
    label: "auth.password_repeat",
    name: "repeat-password",
    type: "password",
    autocomplete: "new-password",
    testid: "recover-password-confirm",
  });
  const submit = h("button", { type: "submit", class: "primary", text: "auth.recover_submit", testid: "recover-submit" });

  page.append(
    h("h1", { text: "auth.recover_title" }),
    h("p", { text: "auth.recover_intro" }),
    form(
      async () => {
        if (!email.input.value.trim() || !key.input.value.trim()) {
          showError("error.fields_required");
          return;
        }
        if (!checkNewPassword(password.input, repeat.input)) {
          return;
        }
        const done = await submitting(submit, "auth.recovering", async () => {
          await sdk().recover(email.input.value.trim(), key.input.value.trim(), password.input.value);
        });
        if (done) {
          password.input.value = "";
          repeat.input.value = "";
          key.input.value = "";
          forgetAccount();
          flashNext({ status: "auth.recovered" });
          navigate("login");
        }
      },
      email.field,
      key.field,
      password.field,
      repeat.field,
      h("div", { class: "actions" }, submit),
    ),
    h("p", { class: "links" }, h("a", { href: "#/login", text: "auth.go_login" })),
  );
  email.input.focus();
}
