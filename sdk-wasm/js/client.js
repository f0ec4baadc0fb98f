// Main-thread side of @gauzian/sdk: starts the worker that keeps the keys
// and runs the core, and turns each method call into a message to it. The
// methods and their results are described in README.md and client.d.ts.

export class GauzianError extends Error {
    constructor({ code, message, status = 0 }) {
        super(message);
        this.name = "GauzianError";
        this.code = code;
        this.status = status;
    }
}

const METHODS = [
    "prepareRegistration",
    "submitRegistration",
    "login",
    "status",
    "unlock",
    "logout",
    "changePassword",
    "recover",
    "usage",
    "list",
    "createFolder",
    "rename",
    "move",
    "trash",
    "listTrash",
    "restore",
    "purge",
    "emptyTrash",
    "lookupRecipient",
    "share",
    "accessList",
    "revoke",
    "incomingShares",
    "accept",
    "decline",
    "release",
];

export class GauzianClient {
    #worker;
    #nextId = 1;
    #calls = new Map();

    constructor(worker) {
        this.#worker = worker;
        worker.addEventListener("message", (event) => this.#receive(event.data));
        worker.addEventListener("error", (event) => {
            const error = new GauzianError({ code: "internal", message: `the SDK worker failed: ${event.message}` });
            for (const call of this.#calls.values()) call.reject(error);
            this.#calls.clear();
        });
        for (const method of METHODS) {
            this[method] = (...args) => this.#call(method, args);
        }
    }

    // Starts the worker and waits until the WebAssembly core is loaded.
    static async connect({ workerUrl } = {}) {
        const url = workerUrl ?? new URL("./worker.js", import.meta.url);
        const client = new GauzianClient(new Worker(url, { type: "module" }));
        await client.#call("ready", []);
        return client;
    }

    // Uploads a File or Blob into a folder; onProgress(done, total) in bytes.
    upload(parent, file, onProgress) {
        return this.#call("upload", [strip(parent), file], onProgress);
    }

    // Downloads a file; resolves to a disk-backed File.
    download(node, onProgress) {
        return this.#call("download", [strip(node)], onProgress);
    }

    // Stops the worker, which drops every key it kept.
    close() {
        this.#worker.terminate();
    }

    #call(method, args, onProgress) {
        const id = this.#nextId++;
        return new Promise((resolve, reject) => {
            this.#calls.set(id, { resolve, reject, onProgress });
            this.#worker.postMessage({ id, method, args: args.map(strip) });
        });
    }

    #receive({ id, result, error, progress }) {
        const call = this.#calls.get(id);
        if (!call) return;
        if (progress) {
            call.onProgress?.(progress[0], progress[1]);
            return;
        }
        this.#calls.delete(id);
        if (error) call.reject(new GauzianError(error));
        else call.resolve(result);
    }
}

// NodeInfo objects can carry fields added by the page (DOM nodes,
// functions) that cannot be cloned; only the data the worker reads is sent.
function strip(value) {
    if (value && typeof value === "object" && !(value instanceof Blob) && "handle" in value) {
        const { handle, id, parentId, kind, name, size, mimeType } = value;
        return { handle, id, parentId, kind, name, size, mimeType };
    }
    return value;
}
