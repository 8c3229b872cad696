export { memoryStorage } from './memory-storage';
export type { MemoryStorageOptions } from './options';
