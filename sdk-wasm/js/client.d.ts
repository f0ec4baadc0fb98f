// Types of the main-thread API of @gauzian/sdk (client.js). The core's own
// exports are typed by wasm-bindgen in web/ and node/.

/** A failure: `code` is stable and meant for translation, `message` is English. */
export class GauzianError extends Error {
    readonly code: string;
    /** HTTP status when the server responded, else 0. */
    readonly status: number;
}

export type NodeKind = "file" | "folder";

/** A decrypted file or folder; `handle` refers to its key in the worker. */
export interface NodeInfo {
    handle: number;
    id: string;
    parentId: string | null;
    kind: NodeKind;
    /** `null` when the node failed to open; see `error`. */
    name: string | null;
    size: number | null;
    mimeType: string | null;
    /** Unix milliseconds. */
    modifiedAt: number | null;
    updatedAt: number;
    createdAt: number;
    error?: { code: string; message: string; status: number };
}

export interface AccountInfo {
    userId: string;
    email: string;
    /** Fingerprint of the account's public key, eight groups of four hex digits. */
    fingerprint: string;
    root: NodeInfo;
}

export interface PreparedRegistration {
    registration: number;
    email: string;
    /** Show once; the user must save it before `submitRegistration`. */
    recoveryKey: string;
    fingerprint: string;
}

export interface Recipient {
    recipient: number;
    email: string;
    /** Computed from the key the share will use. */
    fingerprint: string;
}

export type Role = "viewer" | "editor";

export interface ShareInfo {
    id: string;
    nodeId: string;
    kind: NodeKind;
    ownerEmail: string;
    recipientEmail: string;
    role: Role;
    status: "pending" | "accepted";
    createdAt: number;
    /** The opened node, for accepted incoming shares. */
    node: NodeInfo | null;
}

export type Progress = (done: number, total: number) => void;
type NodeRef = NodeInfo | number;

export class GauzianClient {
    static connect(options?: { workerUrl?: string | URL }): Promise<GauzianClient>;

    prepareRegistration(email: string, password: string): Promise<PreparedRegistration>;
    submitRegistration(registration: PreparedRegistration | number): Promise<AccountInfo>;
    login(email: string, password: string): Promise<AccountInfo>;
    status(): Promise<{ loggedIn: boolean; unlocked: boolean; email: string | null }>;
    unlock(password: string): Promise<AccountInfo>;
    logout(): Promise<null>;
    changePassword(current: string, next: string): Promise<null>;
    recover(email: string, recoveryKey: string, newPassword: string): Promise<null>;
    usage(): Promise<{ usedBytes: number; quotaBytes: number | null }>;

    list(folder: NodeInfo): Promise<NodeInfo[]>;
    createFolder(parent: NodeRef, name: string): Promise<NodeInfo>;
    rename(node: NodeInfo, name: string): Promise<NodeInfo>;
    move(node: NodeInfo, newParent: NodeInfo): Promise<NodeInfo>;
    trash(node: NodeInfo): Promise<null>;
    listTrash(): Promise<NodeInfo[]>;
    restore(node: NodeInfo): Promise<NodeInfo>;
    purge(node: NodeInfo): Promise<null>;
    emptyTrash(): Promise<null>;
    upload(parent: NodeRef, file: File | Blob, onProgress?: Progress): Promise<NodeInfo>;
    download(node: NodeInfo, onProgress?: Progress): Promise<File>;

    lookupRecipient(email: string): Promise<Recipient>;
    share(node: NodeRef, recipient: Recipient | number, role: Role): Promise<ShareInfo>;
    accessList(node: NodeInfo): Promise<ShareInfo[]>;
    revoke(share: ShareInfo | string): Promise<null>;
    incomingShares(): Promise<ShareInfo[]>;
    accept(share: ShareInfo | string): Promise<ShareInfo>;
    decline(share: ShareInfo | string): Promise<null>;
    release(handle: NodeRef): Promise<null>;

    /** Stops the worker; every key it held is gone. */
    close(): void;
}
