import type { ServerResponse } from 'node:http';

/**
 * A short JSON answer for a refused or failed request: `{ error, message }`, where `error` is
 * the grappler error code a client can act on (`ERR_UNKNOWN_SESSION`: start a new session).
 */
export function respondError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Readonly<Record<string, string>> = {},
  closeConnection = false,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ error: code, message });
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...(closeConnection && { Connection: 'close' }),
  });
  res.end(body);
}
