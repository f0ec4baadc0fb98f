// The account page: email, key fingerprint, and password change.

import { h, labelledInput } from "./dom.js";
import { flashNext, showError } from "./status.js";
import { currentAccount, forgetAccount, sdk } from "./session.js";
import { navigate } from "./main.js";
import { MIN_PASSWORD_CHARS, checkNewPassword, submitting } from "./auth.js";

export function renderAccount(page) {
  const account = currentAccount();
  const current = labelledInput({
    label: "account.current_password",
    name: "current-password",
    type: "password",
    autocomplete: "current-password",
    testid: "password-current",
  });
  const next = labelledInput({
    label: "auth.new_password",
    name: "new-password",
    type: "password",
    autocomplete: "new-password",
    minlength: MIN_PASSWORD_CHARS,
    hint: ["auth.password_hint", { min: MIN_PASSWORD_CHARS }],
    testid: "password-new",
  });
  const repeat = labelledInput({
    label: "auth.password_repeat",
    name: "repeat-password",
    type: "password",
    autocomplete: "new-password",
    testid: "password-confirm",
  });
  const username = h("input", {
    type: "email",
    autocomplete: "username",
    value: account.email,
    hidden: true,
    tabindex: "-1",
    "aria-hidden": "true",
  });
  const submit = h("button", { type: "submit", class: "primary", text: "account.password_submit", testid: "password-submit" });

  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "password-heading" },
    username,
    current.field,
    next.field,
    repeat.field,
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current.input.value) {
      showError("error.fields_required");
      current.input.focus();
      return;
    }
    if (!checkNewPassword(next.input, repeat.input)) {
      return;
    }
    const done = await submitting(submit, "account.changing_password", async () => {
      await sdk().changePassword(current.input.value, next.input.value);
    });
    if (done) {
      // The server ended every session, this one included.
      forgetAccount();
      flashNext({ status: "account.password_changed" });
      navigate("login");
    }
  });

  page.append(
    h("h1", { text: "account.title" }),
    h(
      "dl",
      { class: "facts" },
      h("dt", { text: "auth.email" }),
      h("dd", { raw: account.email, testid: "account-email" }),
      h("dt", { text: "account.fingerprint" }),
      h("dd", {}, h("code", { class: "fingerprint", raw: account.fingerprint, testid: "account-fingerprint" })),
    ),
    h("p", { class: "hint", text: "account.fingerprint_explain" }),
    h("h2", { id: "password-heading", text: "account.password_title" }),
    h("p", { text: "account.password_intro" }),
    form,
  );
}
