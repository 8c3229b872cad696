// Serves @grappler/client's IIFE build (dist/grappler.iife.js) at one path, so a page needs only
// `<script src="/grappler/client.js">`. The file is read on the first request and kept in memory with
// its ETag; a missing build is answered 503 (and not remembered, so building it later needs no restart).
import { LOG, type LogLevel } from '@grappler/core';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where the server serves the browser client by default. */
export const DEFAULT_CLIENT_PATH = '/grappler/client.js';

/** Answers a request for the client script; returns false when the request is not one. */
export type ClientHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface ServeClientOptions {
  /** The URL path to answer (the query string is ignored). */
  path: string;
  /** The file to serve. @default @grappler/client's dist/grappler.iife.js */
  file?: string;
  logger?: ((message: string, level: LogLevel) => void) | undefined;
}

/** Resolved from the installed package, so it works from the sources and from grappler's dist alike. */
export function clientFile(): string {
  const packageJson = createRequire(import.meta.url).resolve('@grappler/client/package.json');
  return join(dirname(packageJson), 'dist', 'grappler.iife.js');
}

export function serveClient(options: ServeClientOptions): ClientHandler {
  let cached: { body: Buffer; etag: string } | undefined;
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const pathname = (req.url ?? '/').split('?', 1)[0];
    if (pathname !== options.path) return false;
    if (!cached) {
      const file = options.file ?? clientFile();
      try {
        // Synchronous, once: the file is small, and it keeps the request path free of awaits.
        const body = readFileSync(file);
        cached = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
      } catch (error) {
        const message = `grappler: the browser client is not built (${file}: ${(error as Error).message}); run \`pnpm --filter @grappler/client build\``;
        options.logger?.(message, LOG.WARN);
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(`${message}\n`);
        return true;
      }
    }
    // An hour: long enough to spare repeat downloads, short enough that a rebuilt client is picked up soon;
    // the ETag makes the revalidation after that a 304.
    const headers = { etag: cached.etag, 'cache-control': 'public, max-age=3600' };
    if (matchesEtag(req.headers['if-none-match'], cached.etag)) {
      res.writeHead(304, headers).end();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8', 'content-length': cached.body.length });
    res.end(req.method === 'HEAD' ? undefined : cached.body);
    return true;
  };
}

/** `If-None-Match` is a list of (possibly weak) tags, or `*` (RFC 9110, 13.1.2: weak comparison). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === etag;
  });
}
