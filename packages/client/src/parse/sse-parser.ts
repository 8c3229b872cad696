/**
 * An incremental text/event-stream parser (the WHATWG "interpret an event stream" steps): decoded
 * text in, events out. Pure: no fetch, no timers. Lines end in CRLF, LF or CR, and a CR at the end
 * of one chunk whose LF opens the next is one line end. A blank line dispatches the event.
 */

/** One dispatched event with data (id-only events update {@link SseParser.lastEventId} only). */
export interface SseEvent {
  /** The `event:` field, `message` by default. */
  readonly type: string;
  /** The `data:` fields joined with `\n`. */
  readonly data: string;
  /** The last event id when this event was dispatched. */
  readonly id: string;
}

/** An incremental parser; feed it decoded text as it arrives. */
export interface SseParser {
  /** The events this text completed, in order; none after an error. */
  push(text: string): SseEvent[];
  /** The last event id seen (set by `id:` fields, committed at each blank line). */
  readonly lastEventId: string;
  /** Set, and sticky, when a line or event exceeded `maxEventChars`. */
  readonly error: string | undefined;
}

/** Creates a parser; an event (or line) longer than `maxEventChars` stops it with `error`. */
export function createSseParser(maxEventChars: number = 8 << 20): SseParser {
  let line = '';
  let skipLF = false;
  let data = '';
  let type = '';
  let idBuffer = '';
  let lastEventId = '';
  let error: string | undefined;

  const dispatch = (events: SseEvent[]): void => {
    lastEventId = idBuffer;
    if (data !== '') events.push({ type: type || 'message', data: data.slice(0, -1), id: lastEventId });
    data = '';
    type = '';
  };

  const field = (text: string, events: SseEvent[]): void => {
    if (text === '') {
      dispatch(events);
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const name = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') data += value + '\n';
    else if (name === 'event') type = value;
    else if (name === 'id' && !value.includes('\0')) idBuffer = value;
    if (data.length > maxEventChars) error = `an event exceeds maxEventChars (${maxEventChars})`;
  };

  return {
    get lastEventId() {
      return lastEventId;
    },
    get error() {
      return error;
    },
    push(text) {
      const events: SseEvent[] = [];
      let start = skipLF && text.startsWith('\n') ? 1 : 0;
      if (text !== '') skipLF = false;
      for (let i = start; i < text.length && error === undefined; i++) {
        const c = text.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        field(line + text.slice(start, i), events);
        line = '';
        if (c === 13) {
          if (i + 1 === text.length) skipLF = true;
          else if (text.charCodeAt(i + 1) === 10) i++;
        }
        start = i + 1;
      }
      if (error === undefined) line += text.slice(start);
      if (line.length > maxEventChars) error = `a line exceeds maxEventChars (${maxEventChars})`;
      return error === undefined ? events : [];
    },
  };
}
