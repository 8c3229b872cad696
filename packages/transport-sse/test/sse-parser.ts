/**
 * An event-stream parser written from the WHATWG HTML spec ("Interpreting an event stream"),
 * for tests only: it records everything a browser's EventSource would see, plus what it ignores
 * (comments) so tests can observe heartbeats.
 */

/** One dispatched event, as a browser would build its MessageEvent. */
export interface SseEvent {
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
}

/** An incremental parser: feed it text in any chunking. */
export class SseParser {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  readonly retries: number[] = [];
  /** The last event ID string of the "event source": kept across events, as the spec says. */
  lastEventId = '';
  #buffer = '';
  #first = true;
  #data = '';
  #type = '';
  #idBuffer = '';

  push(text: string): void {
    let chunk = text;
    if (this.#first && chunk.length > 0) {
      this.#first = false;
      if (chunk.startsWith('\uFEFF')) chunk = chunk.slice(1);
    }
    this.#buffer += chunk;
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/g;
      match.lastIndex = start;
      const found = match.exec(this.#buffer);
      if (!found) break;
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (found[0] === '\r' && found.index === this.#buffer.length - 1) break;
      this.#line(this.#buffer.slice(start, found.index));
      start = found.index + found[0].length;
    }
    this.#buffer = this.#buffer.slice(start);
  }

  #line(line: string): void {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#type = value;
    else if (field === 'data') this.#data += `${value}\n`;
    else if (field === 'id' && !value.includes('\0')) this.#idBuffer = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retries.push(Number(value));
  }

  #dispatch(): void {
    this.lastEventId = this.#idBuffer;
    if (this.#data === '') {
      this.#type = '';
      return;
    }
    const data = this.#data.endsWith('\n') ? this.#data.slice(0, -1) : this.#data;
    this.events.push({ type: this.#type || 'message', data, lastEventId: this.lastEventId });
    this.#data = '';
    this.#type = '';
  }
}

/** Parses a whole stream at once. */
export function parseSse(text: string): SseParser {
  const parser = new SseParser();
  parser.push(text);
  // The stream ends here: a CR held back for a possible LF is a line end after all.
  if (text.endsWith('\r')) parser.push('\n');
  return parser;
}
