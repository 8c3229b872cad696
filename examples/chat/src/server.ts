import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Client, Server } from 'grappler';

const chatPage = readFileSync(new URL('../public/index.html', import.meta.url));
const loginPage = readFileSync(new URL('../public/login.html', import.meta.url));

/** Who a user is: what `identify` returns, `client.user` on the server and `from` on the page. */
export interface ChatUser {
  readonly name: string;
}

/** Room and user names: short, and safe to show anywhere. */
const NAME = /^[\w-]{1,32}$/;
/** The longest message `beforePublish` lets through. */
export const MAX_MESSAGE_LENGTH = 500;
const COOKIE = 'chat_user';
const TRANSPORTS = ['websocket', 'sse', 'xhr-multipart', 'longpoll'];

/**
 * A chat with rooms on grappler's channels:
 *
 *   identify       the user from the `chat_user` cookie (no cookie: the connection is refused)
 *   authorizeJoin  rooms are names of 1-32 letters, digits, `_` or `-`
 *   beforePublish  trims, refuses empty and over-long messages; the sender goes along (publishSender)
 *   filter         a user's ignore list: what an ignored user publishes never reaches them
 *   join / leave   announced to the room as notices (messages with no sender)
 *
 * A page sends `{"ignore": "<name>"}` as a plain message to ignore someone.
 */
export function createChatServer(): Server {
  const ignoring = new Map<string, Set<string>>(); // user -> users they ignore
  const server = new Server(
    {
      origins: '*:*',
      publishSender: true,
      identify(req): ChatUser {
        const name = readCookie(req, COOKIE);
        if (!name || !NAME.test(name)) throw new Error('log in first');
        return { name };
      },
      authorizeJoin: (_client, room) => NAME.test(room),
      beforePublish(_client, _room, message) {
        const text = String(message.data).trim();
        if (text === '') throw new Error('an empty message');
        if (text.length > MAX_MESSAGE_LENGTH) throw new Error(`a message is at most ${MAX_MESSAGE_LENGTH} characters`);
        message.data = text;
      },
      filter(recipient, message) {
        const sender = message.sender as ChatUser | undefined;
        return !sender || !ignoring.get(userOf(recipient).name)?.has(sender.name);
      },
    },
    (req, res) => servePages(req, res),
  );
  server.on('join', (client, room) => server.publish(room, `${userOf(client).name} joined ${room}`));
  server.on('leave', (client, room) => server.publish(room, `${userOf(client).name} left ${room}`));
  server.on('connection', (client) => {
    client.on('message', (data) => {
      const name = parseIgnore(data);
      if (name === undefined) return;
      const user = userOf(client).name;
      const ignored = ignoring.get(user) ?? new Set<string>();
      ignored.add(name);
      ignoring.set(user, ignored);
    });
  });
  return server;
}

/** The chat page for a logged-in user, the login page otherwise, and `/login?name=` to log in. */
function servePages(req: IncomingMessage, res: ServerResponse): void {
  // grappler's own requests (the client script, the transports) fall through: a page load
  // asks for text/html, grappler's client never does.
  if (req.method !== 'GET' || !(req.headers.accept?.includes('text/html') ?? false)) return;
  const url = new URL(req.url ?? '/', 'http://chat.invalid');
  if (url.pathname === '/login') {
    const name = url.searchParams.get('name') ?? '';
    if (!NAME.test(name)) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('a name is 1 to 32 letters, digits, _ or -\n');
      return;
    }
    const transport = url.searchParams.get('transport') ?? '';
    const location = TRANSPORTS.includes(transport) ? `/?transport=${transport}` : '/';
    res.writeHead(303, { location, 'set-cookie': `${COOKIE}=${name}; Path=/; SameSite=Lax` }).end();
    return;
  }
  if (url.pathname !== '/') return;
  const page = readCookie(req, COOKIE) ? chatPage : loginPage;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
}

function userOf(client: Client): ChatUser {
  return client.user as ChatUser;
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const [key, value] = pair.trim().split('=', 2);
    if (key === name && value) return decodeURIComponent(value);
  }
  return undefined;
}

/** `{"ignore":"bob"}` → "bob"; anything else → undefined. */
function parseIgnore(data: string | Uint8Array): string | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const { ignore } = JSON.parse(data) as { ignore?: unknown };
    return typeof ignore === 'string' && NAME.test(ignore) ? ignore : undefined;
  } catch {
    return undefined;
  }
}
