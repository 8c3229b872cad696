/**
 * What a node makes of an entry of the shared log: the message it carries, where on this node it
 * goes, and whether it is a note between nodes rather than a message.
 */
import type { Client } from './client';
import type { ReplyFrame, UpstreamItem } from './framed';
import { OutboundMessage } from './message';
import type { Addressing } from './message-log';
import type { SharedLogAppend, SharedLogEntry } from './shared-log';

/** A message from the shared log, under its number if it has one yet (`channel`: the channel it goes to, if any). */
export function sharedMessage(entry: SharedLogAppend & { readonly seq?: number }, channel: string | undefined): OutboundMessage {
  const stamp = { channel, sender: entry.sender, reply: entry.reply as ReplyFrame | undefined };
  const message = new OutboundMessage(entry.bytes ?? entry.text ?? '', undefined, stamp, entry.time);
  if (entry.seq !== undefined) {
    message.seq = entry.seq;
    message.node = entry.node;
  }
  return message;
}

/** Where a shared entry goes on a node: one client (`to`), or a fan-out. */
export type SharedRoute =
  | { readonly to: string; readonly channel: undefined; readonly addressing: Addressing; readonly except: undefined }
  | { readonly to: undefined; readonly channel: string | undefined; readonly addressing: Addressing; readonly except: Client | undefined };

/**
 * Where a shared entry goes among `clients` (this node's). `to` and `channel` naming the same
 * target (`hub.to()` in a cluster) mean the client of that id when it is here, else the channel.
 */
export function routeShared(entry: SharedLogAppend, clients: ReadonlyMap<string, Client>): SharedRoute {
  const { to } = entry;
  if (to !== undefined && (to !== entry.channel || clients.has(to))) return { to, channel: undefined, addressing: {}, except: undefined };
  const { channel, except } = entry;
  const addressing: Addressing = { ...(channel !== undefined && { channel }), ...(except !== undefined && { except }) };
  return { to: undefined, channel, addressing, except: except === undefined ? undefined : clients.get(except) };
}

/** A node's note to the others, not a message: it took a client over, or took upstream for a client it does not hold. */
export type ClusterControl = { readonly t: 'moved' } | { readonly t: 'upstream'; readonly first: number; readonly items: readonly UpstreamItem[] };

/** The note an entry carries, or undefined for a message. */
export function controlOf(entry: SharedLogEntry): ClusterControl | undefined {
  const reply = entry.reply as { t?: unknown } | undefined;
  return reply?.t === 'moved' || reply?.t === 'upstream' ? (reply as ClusterControl) : undefined;
}
