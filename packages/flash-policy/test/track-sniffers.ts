import type { Server } from 'node:net';
import { closeServer } from '@grappler/testkit';
import { afterEach } from 'vitest';
import { type FlashPolicyOptions, type PolicySniffer, sniffPolicyRequests } from '../src/index';

/**
 * For a describe block: returns `sniffPolicyRequests` as tests call it, and registers the
 * afterEach that closes every sniffer so made, then its server with the connections it holds.
 */
export function trackSniffers(): (server: Server, options?: FlashPolicyOptions) => PolicySniffer {
  const made: { server: Server; sniffer: PolicySniffer }[] = [];
  afterEach(async () => {
    for (const { server, sniffer } of made.splice(0)) {
      sniffer.close();
      await closeServer(server);
    }
  });
  return (server, options) => {
    const sniffer = sniffPolicyRequests(server, options);
    made.push({ server, sniffer });
    return sniffer;
  };
}
