import type { OutboundMessage, WireFormat } from '@grappler/core';
import { encodeDraftBinary, encodeDraftText } from './encoder';

/** draft-75 and draft-76 frame messages identically: one encoding per broadcast for both. */
export const DRAFT_FORMAT: WireFormat<Buffer> = Object.freeze({
  name: 'draft75/76',
  encode: (message: OutboundMessage): Buffer =>
    message.binary ? encodeDraftBinary(message.bytes) : encodeDraftText(message.text ?? ''),
});
