import { randomBytes } from 'node:crypto';

/** 144 random bits in base64url: unguessable ids for clients and sessions (24 characters). */
export function createId(): string {
  return randomBytes(18).toString('base64url');
}
