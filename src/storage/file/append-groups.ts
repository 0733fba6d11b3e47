// The queued append path of a partition log (the group commit): appends that cannot be written at once
// (something queued before them, a segment to create or roll, an fsync due) wait on the partition's executor,
// and those arriving while a drain is queued join it, so they become one writev and share one fsync.
import type { Logger } from 'pino';
import type { AppendMeta } from '../types.js';
import { setBaseOffset } from '../../protocol/records/index.js';
import type { SerialExecutor } from '../../concurrency.js';
import { RECORD_COUNT } from '../batch-format.js';
import type { Durability } from './durability.js';
import type { AppendedBatch, LogSegment } from './segment.js';

interface PendingAppend {
  batch: Buffer;
  meta: AppendMeta;
  resolve: (offset: number) => void;
  reject: (err: unknown) => void;
}

/** What the queue needs from its FilePartitionLog. */
export interface AppendTarget {
  readonly dir: string;
  readonly exec: SerialExecutor;
  readonly active: LogSegment;
  readonly interval: number;
  readonly durability: Durability;
  readonly logger: Logger;
  /** Creates the partition's directory and first segment file on its first append. */
  materialize(): Promise<void>;
  shouldRoll(seg: LogSegment, pendingBytes: number, batchBytes: number, lastOffset: number): boolean;
  roll(): Promise<LogSegment>;
}

/** Limits on one writev so a flood of appends still yields to the event loop and keeps buffers bounded. */
const MAX_GROUP_BATCHES = 512;
const MAX_GROUP_BYTES = 16 << 20;

export class AppendGroups {
  private open: PendingAppend[] | null = null;

  constructor(private readonly log: AppendTarget) {}

  enqueue(batch: Buffer, meta: AppendMeta): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const item = { batch, meta, resolve, reject };
      // Joining the queued drain keeps the append ordered after any truncate/retention task queued before it.
      if (this.open) {
        this.open.push(item);
        return;
      }
      const items = [item];
      this.open = items;
      void this.log.exec.run(async () => {
        if (this.open === items) this.open = null;
        try {
          await this.drain(items);
        } catch (err) {
          // Never leave a producer hanging: settled promises ignore the extra reject.
          for (const it of items) it.reject(err);
        }
      });
    });
  }

  private async drain(items: PendingAppend[]): Promise<void> {
    const log = this.log;
    try {
      await log.materialize();
    } catch (err) {
      log.logger.error({ err, dir: log.dir }, 'creating partition directory failed');
      for (const it of items) it.reject(err);
      return;
    }
    let i = 0;
    while (i < items.length) {
      let seg = log.active;
      let next = seg.nextOffset;
      let bytes = 0;
      const group: AppendedBatch[] = [];
      const waiters: PendingAppend[] = [];
      while (i < items.length && group.length < MAX_GROUP_BATCHES && bytes < MAX_GROUP_BYTES) {
        const item = items[i];
        const last = next + item.meta.lastOffsetDelta;
        if (log.shouldRoll(seg, bytes, item.batch.length, last)) {
          if (group.length > 0) break;
          try {
            seg = await log.roll();
          } catch (err) {
            for (const rest of items.slice(i)) rest.reject(err);
            return;
          }
          continue;
        }
        setBaseOffset(item.batch, next);
        group.push({ buf: item.batch, lastOffset: last, maxTimestamp: item.meta.maxTimestamp });
        waiters.push(item);
        bytes += item.batch.length;
        next = last + 1;
        i++;
      }
      try {
        await seg.append(group, log.interval);
      } catch (err) {
        log.logger.error({ err, dir: log.dir }, 'log append failed');
        for (const w of waiters) w.reject(err);
        continue;
      }
      for (const b of group) log.durability.written(b.buf.readInt32BE(RECORD_COUNT));
      this.settle(waiters, group);
    }
  }

  /** Resolves a written group now, or after the (shared) fsync the flush policy asks for. */
  private settle(waiters: PendingAppend[], group: AppendedBatch[]): void {
    const resolveAll = (): void => {
      for (let k = 0; k < waiters.length; k++) waiters[k].resolve(group[k].lastOffset - waiters[k].meta.lastOffsetDelta);
    };
    const durability = this.log.durability;
    if (durability.due(0)) {
      durability.sync().then(resolveAll, (err: unknown) => {
        for (const w of waiters) w.reject(err);
      });
    } else {
      resolveAll();
    }
  }
}
