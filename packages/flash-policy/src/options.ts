import type { LogLevel } from '@grappler/core';
import type { PolicyEntry } from './policy-entry';
import { policyFromOrigins } from './policy-from-origins';
import { type SiteControl, encodePolicy } from './render-policy';

/** Options of {@link flashPolicyServer} and {@link sniffPolicyRequests}. */
export interface FlashPolicyOptions {
  /**
   * Which pages may connect, in grappler's `origins` syntax; each hostname becomes a policy
   * domain. Pass the hub's own `origins` so Flash and the other transports agree.
   * Ignored when `allow` is given.
   * @default '*:*'
   */
  origins?: string | readonly string[];
  /** The policy entries, verbatim. Wins over `origins` and `toPorts`. @default derived from `origins` */
  allow?: readonly PolicyEntry[];
  /** The `to-ports` of entries derived from `origins`: the server ports a movie may open. @default '*' */
  toPorts?: string;
  /** `<site-control permitted-cross-domain-policies>`. @default 'master-only' */
  siteControl?: SiteControl;
  /**
   * Milliseconds a new connection has to send a full policy request (or, when sniffing, its
   * first byte that is not one) before it is closed. 10 s like the hub's handshakeTimeoutMs:
   * Flash sends the request at once, so only idle or hostile sockets wait that long.
   * @default 10_000
   */
  timeoutMs?: number;
  /** Receives what happened, with level 1/2/3 (`LOG.INFO`/`WARN`/`ERROR`). @default no logging */
  logger?: (message: string, level: LogLevel) => void;
}

/** The defaults of {@link FlashPolicyOptions}. */
export const FLASH_POLICY_DEFAULTS: Readonly<{ origins: string; toPorts: string; timeoutMs: number }> = Object.freeze({
  origins: '*:*',
  toPorts: '*',
  timeoutMs: 10_000,
});

/** What the socket code needs, computed once per responder. */
export interface ResolvedFlashPolicy {
  /** Policy document + NUL, written unchanged to every Flash client. */
  readonly policy: Buffer;
  readonly timeoutMs: number;
  readonly log: (message: string, level: LogLevel) => void;
}

/** Validates the options and encodes the policy once; TypeError on a bad entry or timeout. */
export function resolveFlashPolicyOptions(options: FlashPolicyOptions = {}): ResolvedFlashPolicy {
  const timeoutMs = options.timeoutMs ?? FLASH_POLICY_DEFAULTS.timeoutMs;
  // Not Infinity: a socket that never has to speak would be held forever.
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError(`flash-policy: timeoutMs must be a positive finite number of milliseconds (got ${timeoutMs})`);
  }
  const entries =
    options.allow ??
    policyFromOrigins(options.origins ?? FLASH_POLICY_DEFAULTS.origins, options.toPorts ?? FLASH_POLICY_DEFAULTS.toPorts);
  const policy = encodePolicy(entries, options.siteControl === undefined ? {} : { siteControl: options.siteControl });
  return { policy, timeoutMs, log: options.logger ?? (() => {}) };
}
