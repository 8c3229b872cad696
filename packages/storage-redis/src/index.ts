export type { KeyLimitError, LogGapError } from './errors';
export { REDIS_LOG_DEFAULTS, type RedisLogOptions, type RedisLogSettings } from './log-options';
export { REDIS_STORAGE_DEFAULTS, type RedisStorageOptions, type RedisStorageSettings } from './options';
export { redisLog } from './redis-log';
export { redisStorage } from './redis-storage';
