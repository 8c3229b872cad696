export { Client, GrapplerError, type Hub, LOG, type LogLevel, STATE, isGrapplerError } from '@grappler/core';
export { type AcceptClientSocket, type HandleNormalHttp, Server, type ServerEvents, type ServerOptions } from './server';
