/**
 * Broadcasts that wait together behind a fan-out under way.
 *
 * While a fan-out yields between slices (fan-out.ts), what is sent meanwhile waits in the hub's
 * delivery queue. A broadcast like the last one queued (the same channel, the same client left
 * out, and nothing else queued since) joins it instead of queuing a fan-out of its own:
 *
 *   broadcast(a) -> fan-out of a, sliced ... broadcast(b) -> queued: [b]
 *                                        ... broadcast(c) -> joins:  [b, c]
 *   a's last slice -> b and c numbered and logged in the order they were sent -> one fan-out:
 *                     each recipient gets b then c in a row, its socket in one write
 *
 * A client sees the same messages in the same order as with a fan-out each, and each is logged
 * and numbered alone, so a resume is not told apart. The recipients are those of the moment the
 * group's fan-out starts, as they would be for the first of them alone; a client that arrives
 * meanwhile is left out of all of them, which were sent before it came.
 */
import type { Client } from './client';
import type { OutboundMessage } from './message';
import type { Addressing } from './message-log';
import type { SharedLogEntry } from './shared-log';

/** One broadcast of a group: the message, and its shared log entry in a cluster. */
export interface WaitingBroadcast {
  readonly message: OutboundMessage;
  readonly shared: SharedLogEntry | undefined;
}

export class WaitingFanOut {
  readonly addressing: Addressing;
  readonly except: Client | undefined;
  readonly broadcasts: WaitingBroadcast[];
  /** The delivery queue's `submitted` count once the group was queued: while it is unchanged, nothing was queued after it. */
  ticket = 0;

  constructor(addressing: Addressing, except: Client | undefined, first: WaitingBroadcast) {
    this.addressing = addressing;
    this.except = except;
    this.broadcasts = [first];
  }

  /** Whether a fan-out to `addressing`, but `except`, goes to the same clients as this group's. */
  takes(addressing: Addressing, except: Client | undefined): boolean {
    const own = this.addressing;
    return (
      except === this.except &&
      addressing.channel === own.channel &&
      addressing.except === own.except &&
      addressing.to === undefined &&
      addressing.excluded === undefined
    );
  }
}
