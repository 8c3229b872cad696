import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type Socket, connect } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** How key3 reaches the server: with the headers, in a later packet, or one byte at a time. */
export type Key3Delivery = 'with-headers' | 'later' | 'byte-by-byte';

export interface DraftClientOptions {
  version: 'draft75' | 'draft76';
  path?: string;
  origin?: string;
  protocol?: string;
  key3?: Key3Delivery;
  /** Bytes sent right after the handshake, before the response is read (pipelined frames). */
  pipelined?: Buffer;
  tls?: boolean;
  extraHeaders?: string;
}

/** A hand-written draft-75/76 client: the test's own reading of the drafts, independent of the server code. */
export interface DraftClient {
  readonly socket: Socket;
  readonly status: string;
  readonly headers: Record<string, string>;
  /** draft-76: the 16 bytes after the response headers. */
  readonly answer: Buffer | undefined;
  /** The answer the draft says a server must give for the keys this client sent. */
  readonly expectedAnswer: Buffer | undefined;
  readonly messages: string[];
  /** Set once the server sent 0xFF 0x00. */
  readonly events: string[];
  send(text: string): void;
  waitFor(check: () => boolean, timeoutMs?: number): Promise<void>;
  closed: Promise<void>;
}

// Valid keys: "1 x 2" is 12 over 2 spaces (6); "9 9 99 99" is 999999 over 3 spaces (333333).
// As the draft's clients do, no key starts or ends with a space (HTTP parsers trim those).
const KEY1 = '1 x 2';
const KEY2 = '9 9 99 99';
const KEY3 = Buffer.from('Tm[K T2u', 'latin1');

export async function openDraftClient(port: number, options: DraftClientOptions): Promise<DraftClient> {
  const socket: Socket = options.tls
    ? connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false })
    : connect(port, '127.0.0.1');
  await once(socket, options.tls ? 'secureConnect' : 'connect');
  const is76 = options.version === 'draft76';
  const lines = [
    `GET ${options.path ?? '/'} HTTP/1.1`,
    'Upgrade: WebSocket',
    'Connection: Upgrade',
    `Host: 127.0.0.1:${port}`,
    `Origin: ${options.origin ?? 'http://127.0.0.1'}`,
  ];
  if (is76) lines.push(`Sec-WebSocket-Key1: ${KEY1}`, `Sec-WebSocket-Key2: ${KEY2}`);
  if (options.protocol) lines.push(`${is76 ? 'Sec-' : ''}WebSocket-Protocol: ${options.protocol}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n${options.extraHeaders ?? ''}\r\n`, 'latin1');

  let received = Buffer.alloc(0);
  const arrived = new Set<() => void>();
  let onFrames: ((chunk: Buffer) => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    onFrames?.(chunk);
    for (const wake of arrived) wake();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  const waitFor = (check: () => boolean, timeoutMs = 5000): Promise<void> =>
    new Promise((resolve, reject) => {
      const test = (): void => {
        if (!check()) return;
        arrived.delete(test);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        arrived.delete(test);
        reject(new Error(`draft client: condition not met; received ${JSON.stringify(received.toString('latin1'))}`));
      }, timeoutMs);
      arrived.add(test);
      socket.once('close', test);
      test();
    });

  const key3Delivery = options.key3 ?? 'with-headers';
  if (!is76 || key3Delivery === 'with-headers') socket.write(is76 ? Buffer.concat([head, KEY3]) : head);
  else {
    socket.write(head);
    await new Promise((resolve) => setTimeout(resolve, 30));
    if (key3Delivery === 'later') socket.write(KEY3);
    else
      for (const byte of KEY3) {
        socket.write(Buffer.from([byte]));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
  }
  if (options.pipelined) socket.write(options.pipelined);

  const headerEnd = (): number => received.indexOf('\r\n\r\n');
  await waitFor(() => headerEnd() >= 0 && (!is76 || received.length >= headerEnd() + 4 + 16) || socket.destroyed);
  const end = headerEnd();
  const [status = '', ...headerLines] = received.subarray(0, Math.max(end, 0)).toString('latin1').split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  const answer = is76 && end >= 0 ? received.subarray(end + 4, end + 20) : undefined;
  let frames = received.subarray(end + 4 + (is76 ? 16 : 0));
  const messages: string[] = [];
  const events: string[] = [];
  const readFrames = (): void => {
    for (;;) {
      if (frames.length === 0) return;
      if (frames[0] === 0x00) {
        const stop = frames.indexOf(0xff);
        if (stop < 0) return;
        messages.push(frames.subarray(1, stop).toString('utf8'));
        frames = frames.subarray(stop + 1);
      } else if (frames[0] === 0xff && frames[1] === 0x00) {
        events.push('close-frame');
        frames = frames.subarray(2);
      } else if (frames[0]! & 0x80) {
        let length = 0;
        let i = 1;
        for (; i < frames.length; i++) {
          length = length * 128 + (frames[i]! & 0x7f);
          if (!(frames[i]! & 0x80)) break;
        }
        if (i >= frames.length || frames.length < i + 1 + length) return;
        events.push(`skipped ${length} bytes`);
        frames = frames.subarray(i + 1 + length);
      } else return;
    }
  };
  if (end >= 0) {
    onFrames = (chunk) => {
      frames = Buffer.concat([frames, chunk]);
      readFrames();
    };
    readFrames();
  }
  return {
    socket,
    status,
    headers,
    answer,
    expectedAnswer: is76 ? expected76Answer() : undefined,
    messages,
    events,
    send: (text) => socket.write(Buffer.concat([Buffer.from([0]), Buffer.from(text, 'utf8'), Buffer.from([0xff])])),
    waitFor,
    closed,
  };
}

/** The answer for KEY1, KEY2, KEY3, computed as the draft describes (section 5.2). */
function expected76Answer(): Buffer {
  const quotient = (key: string): number => Number(key.replace(/\D/g, '')) / (key.split(' ').length - 1);
  const challenge = Buffer.alloc(16);
  challenge.writeUInt32BE(quotient(KEY1), 0);
  challenge.writeUInt32BE(quotient(KEY2), 4);
  KEY3.copy(challenge, 8);
  return createHash('md5').update(challenge).digest();
}
