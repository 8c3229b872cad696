export type { KeyLimitError } from './errors';
export { REDIS_STORAGE_DEFAULTS, type RedisStorageOptions, type RedisStorageSettings } from './options';
export { redisStorage } from './redis-storage';
