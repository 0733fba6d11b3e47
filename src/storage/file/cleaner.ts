// Log compaction (placeholder until the records codec lands; see compactLog below).
import type { Logger } from 'pino';
import type { FilePartitionLog } from './partition-log.js';

export interface CompactOptions {
  now: number;
  logger: Logger;
}

export async function compactLog(_log: FilePartitionLog, _opts: CompactOptions): Promise<boolean> {
  return false;
}
