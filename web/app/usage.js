// Storage usage against the quota, shown in the page frame.

import { setText } from "./i18n.js";
import { currentAccount, sdk } from "./session.js";

/** Fetches the usage and updates the meter; failures leave the last value. */
export async function refreshUsage() {
  if (!currentAccount()) {
    return;
  }
  let usage;
  try {
    usage = await sdk().usage();
  } catch (error) {
    console.warn("usage update failed", error);
    return;
  }
  const text = document.getElementById("usage-text");
  const meter = document.getElementById("usage-meter");
  const used = { bytes: usage.usedBytes };
  if (usage.quotaBytes === null || usage.quotaBytes === undefined) {
    setText(text, "usage.no_quota", { used });
    meter.hidden = true;
    return;
  }
  setText(text, "usage.quota", { used, quota: { bytes: usage.quotaBytes } });
  meter.hidden = false;
  meter.max = usage.quotaBytes;
  meter.value = Math.min(usage.usedBytes, usage.quotaBytes);
  meter.low = usage.quotaBytes * 0.8;
  meter.high = usage.quotaBytes * 0.95;
  meter.optimum = 0;
}
