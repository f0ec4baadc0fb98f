// The SDK client and the open account, kept in memory only. Keys stay in the
// SDK's worker, and the page keeps only the handles the SDK returns. Nothing
// here is written to browser storage.

let client = null;
let account = null;

/**
 * Starts the SDK worker once. The import is dynamic so that a missing SDK
 * build shows an error on the page instead of a blank screen.
 */
export async function connect() {
  if (client) {
    return client;
  }
  const { GauzianClient } = await import("/sdk/client.js");
  client = await GauzianClient.connect();
  return client;
}

export function sdk() {
  if (!client) {
    throw new Error("the SDK is not connected");
  }
  return client;
}

/** The open account (`AccountInfo`), or null when the keys are not open. */
export function currentAccount() {
  return account;
}

export function setAccount(info) {
  account = info;
}

/** Forgets the account after logout, a password change or an expired session. */
export function forgetAccount() {
  account = null;
}
