// Durable segmented file log engine (Kafka's on-disk design). See docs/storage.md.
export { FileStorage, type FileStorageOptions } from './file-storage.js';
export { FilePartitionLog, type FsyncMode } from './partition-log.js';
