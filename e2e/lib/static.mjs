// A static file server on loopback for pages that need no Gauzian server:
// the benchmark page and the SDK package. Maps URL prefixes to directories.

import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
};

export function serveStatic(mounts) {
    const server = createServer(async (request, response) => {
        const path = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
        const mount = Object.keys(mounts).find((prefix) => path.startsWith(prefix));
        const relative = mount ? normalize(path.slice(mount.length)).replace(/^(\.\.[/\\])+/, "") : null;
        if (relative === null) {
            response.writeHead(404).end();
            return;
        }
        try {
            const body = await readFile(join(mounts[mount], relative));
            response.writeHead(200, {
                "Content-Type": TYPES[extname(relative)] ?? "application/octet-stream",
                "Cross-Origin-Opener-Policy": "same-origin",
            });
            response.end(body);
        } catch {
            response.writeHead(404).end();
        }
    });
    return new Promise((resolve) => {
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address();
            resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
        });
    });
}
