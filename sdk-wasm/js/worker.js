// Web Worker side of @gauzian/sdk: loads the WebAssembly core and runs the
// drive protocol over fetch. Every cryptographic step is one call into the
// core; this file only moves bytes and JSON between the core and the server.
// The page talks to it through client.js with messages
// { id, method, args } and gets back { id, result }, { id, error } or
// { id, progress: [done, total] }.

import init, * as core from "./web/gauzian_sdk_wasm.js";

const CHUNK_SIZE = 5 * 1024 * 1024;
const PARALLEL_REQUESTS = 3;
const ATTEMPTS = 4;

const ready = init();

// The open account: its core handle, its root folder's NodeInfo, and every
// folder handed out so far by id, to check names against their siblings.
let session = null;

class SdkError extends Error {
    constructor(code, message, status = 0) {
        super(message);
        this.code = code;
        this.status = status;
    }
}

// Errors thrown by the core are plain { code, message } objects.
function normalizeError(error) {
    if (error instanceof SdkError) {
        return { code: error.code, message: error.message, status: error.status };
    }
    if (error && typeof error === "object" && typeof error.code === "string") {
        return { code: error.code, message: String(error.message), status: error.status ?? 0 };
    }
    return { code: "internal", message: String(error?.message ?? error), status: 0 };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One request to the API. The session cookie travels by itself; the token
// in the login response is never kept.
async function api(method, path, { json, bytes, raw = false } = {}) {
    const init = { method, credentials: "same-origin", headers: {} };
    if (json !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(json);
    } else if (bytes !== undefined) {
        init.headers["Content-Type"] = "application/octet-stream";
        init.body = bytes;
    }
    let response;
    try {
        response = await fetch(path, init);
    } catch (error) {
        throw new SdkError("unreachable", `${method} ${path}: the server did not respond (${error.message})`);
    }
    if (!response.ok) {
        let body = {};
        try {
            body = await response.json();
        } catch {
            // Not a JSON error body: keep the status.
        }
        const error = new SdkError(
            body.code ?? "http_error",
            body.message ?? `${method} ${path} failed with HTTP ${response.status}`,
            response.status,
        );
        error.retryAfter = Number(response.headers.get("Retry-After")) || 0;
        throw error;
    }
    if (raw) return response;
    if (response.status === 204) return null;
    return response.json();
}

// Retries a request that failed on the network or with a 5xx, with
// exponential backoff (0.5 s, 1 s, 2 s) or the server's Retry-After.
async function withRetries(request) {
    for (let attempt = 1; ; attempt += 1) {
        try {
            return await request();
        } catch (error) {
            const transient = error.code === "unreachable" || (error.status >= 500 && error.status <= 599);
            if (!transient || attempt >= ATTEMPTS) throw error;
            await sleep(error.retryAfter ? error.retryAfter * 1000 : 500 * 2 ** (attempt - 1));
        }
    }
}

function handleOf(value, what) {
    const handle = typeof value === "number" ? value : value?.handle;
    if (typeof handle !== "number") {
        throw new SdkError("invalid_argument", `${what} must be a NodeInfo or its handle`);
    }
    return handle;
}

function requireSession() {
    if (!session) throw new SdkError("locked", "the account keys are not open: log in or unlock first");
    return session;
}

async function allPages(path) {
    const items = [];
    let cursor = null;
    do {
        const separator = path.includes("?") ? "&" : "?";
        const page = await api("GET", cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path);
        if (Array.isArray(page)) return page;
        items.push(...page.items);
        cursor = page.next_cursor;
    } while (cursor);
    return items;
}

function byKindThenName(a, b) {
    if (a.kind !== b.kind) return a.kind === "folder" ? -1 : 1;
    return (a.name ?? "").localeCompare(b.name ?? "");
}

// A node that fails to open is listed with its error instead of failing the
// whole listing.
function openOrReport(open, node) {
    try {
        return open();
    } catch (error) {
        return {
            handle: 0,
            id: node.id,
            parentId: node.parent_id,
            kind: node.kind,
            name: null,
            size: null,
            mimeType: null,
            modifiedAt: null,
            updatedAt: node.updated_at,
            createdAt: node.created_at,
            error: normalizeError(error),
        };
    }
}

async function openSession(keys, account) {
    try {
        const handle = await core.openAccount(keys, account);
        const rootNode = await api("GET", `/api/nodes/${account.root_folder_id}`);
        const root = core.openRoot(handle, rootNode);
        session = { handle, root, email: account.email, userId: account.user_id, opened: new Map(), folders: new Map() };
        remember(root);
        return { userId: account.user_id, email: account.email, fingerprint: core.accountFingerprint(handle), root };
    } finally {
        core.release(keys);
    }
}

async function loginWithKeys(email, keys) {
    let response;
    try {
        response = await api("POST", "/api/auth/login", { json: { email, auth_key: core.authKey(keys) } });
    } catch (error) {
        core.release(keys);
        throw error;
    }
    return openSession(keys, response.account);
}

// Opens any node of the account's tree: fetches its parents up to the root
// and opens the keys down from there. Folders opened on the way are cached.
async function openInTree(node) {
    const { root, opened } = requireSession();
    const chain = [node];
    for (let parentId = node.parent_id; parentId && parentId !== root.id && !opened.has(parentId); ) {
        if (chain.length > 256 || chain.some((item) => item.id === parentId)) {
            throw new SdkError("tampered", `the parents of node ${node.id} form a cycle`);
        }
        const parent = await api("GET", `/api/nodes/${parentId}`);
        chain.push(parent);
        parentId = parent.parent_id;
    }
    const top = chain[chain.length - 1].parent_id;
    let current = top === root.id ? root : opened.get(top);
    if (!current) throw new SdkError("tampered", `node ${node.id} is not in this account's tree`);
    while (chain.length > 0) {
        const next = chain.pop();
        current = remember(core.openChild(current.handle, next));
        if (chain.length > 0) opened.set(current.id, current);
    }
    return current;
}

// Records folders handed to the page, so that a later rename or move can
// find the parent whose children must not already use the name.
function remember(info) {
    if (session && info && info.kind === "folder" && info.handle) session.folders.set(info.id, info);
    return info;
}

// Rejects a name already used in a folder, as the CLI does. Names are
// compared in Unicode NFC, the form they are sealed in.
// NOTE: the server cannot read names, so two clients that add the same name
// at the same moment can both pass this check.
async function ensureNameFree(folder, name, exceptId = null) {
    const wanted = name.normalize("NFC");
    const items = await allPages(`/api/folders/${folder.id}/children?limit=500`);
    for (const node of items) {
        if (node.id === exceptId) continue;
        let sibling;
        try {
            sibling = core.openChild(folder.handle, node);
        } catch {
            continue;
        }
        core.release(sibling.handle);
        if (sibling.name === wanted) {
            const where = folder.name ? `folder "${folder.name}"` : "this folder";
            throw new SdkError("already_exists", `"${wanted}" already exists in ${where}: choose another name`, 409);
        }
    }
}

function shareInfo(share, node = null) {
    return {
        id: share.id,
        nodeId: share.node_id,
        kind: share.node_kind,
        ownerEmail: share.owner_email,
        recipientEmail: share.recipient_email,
        role: share.role,
        status: share.status,
        createdAt: share.created_at,
        node,
    };
}

async function openShare(share) {
    const { handle } = requireSession();
    const node = await api("GET", `/api/nodes/${share.node_id}`);
    return remember(await core.openShared(handle, share, node));
}

const shareId = (share) => (typeof share === "string" ? share : share?.id);

async function upload(parentValue, file, progress) {
    const parent = handleOf(parentValue, "parent");
    if (!(file instanceof Blob)) throw new SdkError("invalid_argument", "file must be a File or Blob");
    const name = file.name ?? "untitled";
    await ensureNameFree(parentValue, name);
    const start = await core.startUpload(parent, name, file.size, file.lastModified ?? null);
    const versionId = start.request.version_id;
    await api("POST", "/api/uploads", { json: start.request });
    try {
        let done = 0;
        const inFlight = new Set();
        for (let index = 0; index < start.chunkCount; index += 1) {
            const from = index * CHUNK_SIZE;
            // FileReaderSync reads a slice about ten times faster here than
            // Blob.arrayBuffer() while chunk requests are in flight
            // (Chromium 156, 2 cores).
            const slice = new Uint8Array(
                new FileReaderSync().readAsArrayBuffer(file.slice(from, Math.min(from + CHUNK_SIZE, file.size))),
            );
            const sealed = await core.sealChunk(start.upload, slice);
            core.digestChunk(start.upload, slice);
            const sent = withRetries(() =>
                api("PUT", `/api/uploads/${versionId}/chunks/${index}`, { bytes: sealed }),
            ).then(() => {
                done += slice.length;
                progress(done, file.size);
            });
            inFlight.add(sent);
            sent.finally(() => inFlight.delete(sent)).catch(() => {});
            if (inFlight.size >= PARALLEL_REQUESTS) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        const finalize = core.finishUpload(start.upload);
        const node = await withRetries(() => api("POST", `/api/uploads/${versionId}/finalize`, { json: finalize }));
        progress(file.size, file.size);
        return remember(core.openChild(parent, node));
    } catch (error) {
        core.release(start.upload);
        await api("DELETE", `/api/uploads/${versionId}`).catch(() => {});
        throw error;
    }
}

// Downloads into the origin-private file system, so a large file never sits
// in memory: chunks are fetched a few ahead, opened in order and written at
// their offset. The returned File is backed by that disk copy.
async function download(nodeValue, progress) {
    const handle = handleOf(nodeValue, "node");
    const nodeId = nodeValue.id;
    const manifest = await api("GET", `/api/files/${nodeId}`);
    const total = nodeValue.size ?? 0;
    // A private window keeps this storage in memory with a small quota.
    const estimate = await navigator.storage.estimate?.();
    if (estimate?.quota !== undefined && estimate.quota - (estimate.usage ?? 0) < total) {
        throw storageFull(nodeValue.name, total, estimate.quota - (estimate.usage ?? 0));
    }
    const downloadHandle = await core.startDownload(handle, manifest);
    const directory = await (await navigator.storage.getDirectory()).getDirectoryHandle("downloads", { create: true });
    const entryName = `${manifest.version_id}-${Date.now()}`;
    const fileHandle = await directory.getFileHandle(entryName, { create: true });
    const access = await fileHandle.createSyncAccessHandle();
    try {
        access.truncate(0);
        const fetchChunk = (index) =>
            withRetries(() =>
                api("GET", `/api/files/${nodeId}/versions/${manifest.version_id}/chunks/${index}`, { raw: true }),
            ).then(async (response) => new Uint8Array(await response.arrayBuffer()));
        const pending = [];
        let offset = 0;
        for (let index = 0; index < manifest.chunks.length; index += 1) {
            while (pending.length < PARALLEL_REQUESTS && index + pending.length < manifest.chunks.length) {
                const request = fetchChunk(index + pending.length);
                request.catch(() => {});
                pending.push(request);
            }
            const sealed = await pending.shift();
            const plaintext = await core.openChunk(downloadHandle, sealed);
            // A write beyond the storage quota is cut short without an exception.
            if (access.write(plaintext, { at: offset }) !== plaintext.length) {
                throw storageFull(nodeValue.name, total, offset);
            }
            offset += plaintext.length;
            progress(offset, total);
        }
        core.finishDownload(downloadHandle);
        access.flush();
        access.close();
        const stored = await fileHandle.getFile();
        return new File([stored], nodeValue.name ?? "download", { type: nodeValue.mimeType ?? "application/octet-stream" });
    } catch (error) {
        core.release(downloadHandle);
        try {
            access.close();
        } catch {
            // Already closed.
        }
        await directory.removeEntry(entryName).catch(() => {});
        throw error;
    }
}

function storageFull(name, needed, available) {
    const mib = (bytes) => Math.floor(bytes / (1024 * 1024));
    return new SdkError(
        "storage_full",
        `downloading "${name}" needs ${mib(needed)} MiB of browser storage and ${mib(available)} MiB are available: ` +
            "free disk space, or use a window that is not private",
    );
}

// Earlier downloads are kept until the next session starts.
async function clearDownloads() {
    try {
        const root = await navigator.storage.getDirectory();
        await root.removeEntry("downloads", { recursive: true });
    } catch {
        // Nothing to clear, or no origin-private file system here.
    }
}

const methods = {
    async ready() {
        await ready;
        await clearDownloads();
        return true;
    },

    async prepareRegistration(email, password) {
        const prepared = await core.prepareRegistration(email, password);
        return { ...prepared, email: email.trim() };
    },

    async submitRegistration(registration) {
        const id = typeof registration === "number" ? registration : registration?.registration;
        const request = core.registrationRequest(id);
        await api("POST", "/api/auth/register", { json: request });
        return loginWithKeys(request.email, core.registrationKeys(id));
    },

    async login(email, password) {
        const trimmed = email.trim();
        const prelogin = await api("POST", "/api/auth/prelogin", { json: { email: trimmed } });
        return loginWithKeys(trimmed, await core.deriveKeys(password, prelogin.kdf));
    },

    async status() {
        try {
            const account = await api("GET", "/api/account");
            return { loggedIn: true, unlocked: session !== null, email: account.email };
        } catch (error) {
            if (error.status === 401) return { loggedIn: false, unlocked: false, email: null };
            throw error;
        }
    },

    async unlock(password) {
        let account;
        try {
            account = await api("GET", "/api/account");
        } catch (error) {
            if (error.status === 401) throw new SdkError("not_logged_in", "the session ended: log in again", 401);
            throw error;
        }
        return openSession(await core.deriveKeys(password, account.kdf), account);
    },

    async logout() {
        session = null;
        core.releaseAll();
        await api("POST", "/api/auth/logout").catch(() => {});
        await clearDownloads();
        return null;
    },

    async changePassword(current, next) {
        const account = await api("GET", "/api/account");
        const request = await core.changePasswordRequest(account, current, next);
        await api("POST", "/api/account/password", { json: request });
        session = null;
        core.releaseAll();
        return null;
    },

    async recover(email, recoveryKey, newPassword) {
        const trimmed = email.trim();
        const opened = core.openRecoveryKey(recoveryKey);
        let response;
        try {
            response = await api("POST", "/api/auth/recovery/key", {
                json: { email: trimmed, recovery_auth_key: opened.recoveryAuthKey },
            });
        } catch (error) {
            core.release(opened.recovery);
            throw error;
        }
        const request = await core.resetPasswordRequest(opened.recovery, trimmed, response, newPassword);
        await api("POST", "/api/auth/recovery/reset", { json: request });
        return null;
    },

    async usage() {
        const usage = await api("GET", "/api/account/usage");
        return { usedBytes: usage.used_bytes, quotaBytes: usage.quota_bytes ?? null };
    },

    async list(folder) {
        const parent = handleOf(folder, "folder");
        const items = await allPages(`/api/folders/${folder.id}/children?limit=500`);
        return items
            .map((node) => remember(openOrReport(() => core.openChild(parent, node), node)))
            .sort(byKindThenName);
    },

    async createFolder(parent, name) {
        const request = core.newFolderRequest(handleOf(parent, "parent"), name);
        await ensureNameFree(parent, name);
        const node = await api("POST", "/api/folders", { json: request });
        return remember(core.openChild(parent.handle, node));
    },

    async rename(node, name) {
        const handle = handleOf(node, "node");
        const request = core.renameRequest(handle, name);
        // A node shared with this account may sit in a folder it cannot open:
        // its new name is then not checked against its siblings.
        const parent = session?.folders.get(node.parentId);
        if (parent) await ensureNameFree(parent, name, node.id);
        const updated = await api("PATCH", `/api/nodes/${node.id}`, { json: request });
        return remember(core.refreshNode(handle, updated));
    },

    async move(node, newParent) {
        const request = core.moveRequest(handleOf(node, "node"), handleOf(newParent, "newParent"));
        if (node.name) await ensureNameFree(newParent, node.name, node.id);
        const moved = await api("POST", `/api/nodes/${node.id}/move`, { json: request });
        return remember(core.openChild(newParent.handle, moved));
    },

    async trash(node) {
        await api("DELETE", `/api/nodes/${node.id}`);
        return null;
    },

    async listTrash() {
        requireSession();
        const nodes = await allPages("/api/trash?limit=500");
        const opened = [];
        for (const node of nodes) {
            try {
                opened.push(await openInTree(node));
            } catch (error) {
                opened.push(openOrReport(() => { throw error; }, node));
            }
        }
        return opened.sort(byKindThenName);
    },

    async restore(node) {
        const restored = await api("POST", `/api/trash/${node.id}/restore`);
        return openInTree(restored);
    },

    async purge(node) {
        await api("DELETE", `/api/trash/${node.id}`);
        return null;
    },

    async emptyTrash() {
        await api("DELETE", "/api/trash");
        return null;
    },

    upload,
    download,

    async lookupRecipient(email) {
        const user = await api("GET", `/api/users/public-key?email=${encodeURIComponent(email.trim())}`);
        return core.openRecipient(user);
    },

    async share(node, recipient, role) {
        const id = typeof recipient === "number" ? recipient : recipient?.recipient;
        const request = core.shareRequest(handleOf(node, "node"), id, role);
        return shareInfo(await api("POST", "/api/shares", { json: request }));
    },

    async accessList(node) {
        const shares = await api("GET", "/api/shares/outgoing");
        return shares.filter((share) => share.node_id === node.id).map((share) => shareInfo(share));
    },

    async revoke(share) {
        await api("DELETE", `/api/shares/${shareId(share)}`);
        return null;
    },

    async decline(share) {
        await api("DELETE", `/api/shares/${shareId(share)}`);
        return null;
    },

    async incomingShares() {
        requireSession();
        const shares = await api("GET", "/api/shares/incoming");
        const listed = [];
        for (const share of shares) {
            if (share.status !== "accepted") {
                listed.push(shareInfo(share));
                continue;
            }
            let node;
            try {
                node = await openShare(share);
            } catch (error) {
                node = openOrReport(() => { throw error; }, { id: share.node_id, kind: share.node_kind });
            }
            listed.push(shareInfo(share, node));
        }
        return listed;
    },

    async accept(share) {
        const accepted = await api("POST", `/api/shares/${shareId(share)}/accept`);
        return shareInfo(accepted, await openShare(accepted));
    },

    async release(handle) {
        core.release(handleOf(handle, "handle"));
        return null;
    },
};

self.addEventListener("message", async (event) => {
    const { id, method, args = [] } = event.data ?? {};
    const run = methods[method];
    if (!run) {
        self.postMessage({ id, error: { code: "invalid_argument", message: `unknown method ${method}`, status: 0 } });
        return;
    }
    const progress = (done, total) => self.postMessage({ id, progress: [done, total] });
    try {
        await ready;
        const callArgs = method === "upload" || method === "download" ? [...args.slice(0, 2), progress] : args;
        const result = await run(...callArgs);
        self.postMessage({ id, result });
    } catch (error) {
        self.postMessage({ id, error: normalizeError(error) });
    }
});
