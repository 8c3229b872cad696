export { CHROMIUM_ARGS, CHROMIUM_PATH, openBrowser } from './browser';
export { cutPoints, hex, splitAt } from './hex';
export { closeServer, listen, rawExchange, startHttpServer } from './net';
export { REDIS_SERVER_PATH, type TestRedis, startRedis, startRedisOn } from './redis';
export { type RecordingSocket, closeCode, openSocket, refusedStatus } from './ws-client';
export * from './storage-contract';
export { selfSignedCertificate } from './tls';
export { waitUntil } from './wait';
