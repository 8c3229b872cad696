/** Log levels passed as the second argument of the `logger` option (the seed's values). */
export const LOG: Readonly<{ INFO: 1; WARN: 2; ERROR: 3 }> = Object.freeze({ INFO: 1, WARN: 2, ERROR: 3 });

/** A value of {@link LOG}. */
export type LogLevel = (typeof LOG)[keyof typeof LOG];

/**
 * Bits of `client.state` (the seed's values). `ACCEPTED` and `TEMP` are for grappler's own
 * bookkeeping; `PROTO_HTTP` and `PROTO_WEBSOCKET` tell an application what kind of client it has.
 */
export const STATE: Readonly<{ ACCEPTED: 1; TEMP: 2; PROTO_HTTP: 4; PROTO_WEBSOCKET: 8 }> = Object.freeze({
  ACCEPTED: 1,
  TEMP: 2,
  PROTO_HTTP: 4,
  PROTO_WEBSOCKET: 8,
});
