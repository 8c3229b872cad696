/** Number formats of the tables. */
export const perSecond = (value: number): string => Math.round(value).toLocaleString('en-US');
export const milliseconds = (value: number): string => (value < 10 ? value.toFixed(2) : value.toFixed(1));
export const kibibytes = (value: number): string => (value / 1024).toFixed(1);
export const mebibytes = (value: number): string => (value / 1048576).toFixed(0);
export const count = (value: number): string => Math.round(value).toLocaleString('en-US');
export const microseconds = (value: number): string => value.toFixed(1);

/**
 * Server CPU per operation, in µs: far steadier on a noisy machine than a rate (a process that
 * waits for the CPU, or for its peer, spends no CPU meanwhile). A companion figure, not a target.
 */
export function serverMicrosPerOp(serverMs: number, operations: number): number {
  return operations > 0 ? (serverMs * 1000) / operations : 0;
}
