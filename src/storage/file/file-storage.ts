// The durable storage engine: one directory per partition (`<topic>-<partition>`, Kafka's layout), a
// metadata document store under `__meta`, and the background timers for flushing, retention and cleaning.
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { BackgroundTasks, type LogPassOptions } from '../background.js';
import type { JournalContents, MetaJournal, PartitionConfig, PartitionLog, Storage } from '../types.js';
import { compactLog } from './cleaner.js';
import { GroupCommit, SerialExecutor } from '../../concurrency.js';
import { fsyncDir, isNotFound } from './fs-util.js';
import { HandleCache, Slots, defaultMaxOpenSegments } from './handle-cache.js';
import { META_DIR, MetaStore } from './meta-store.js';
import { FileMetaJournals } from './meta-journal.js';
import { FilePartitionLog, type FsyncMode } from './partition-log.js';

export interface FileStorageOptions extends LogPassOptions {
  dataDir: string;
  fsync: FsyncMode;
  /** fsync=interval: background fsync period (default 1000). */
  fsyncIntervalMs?: number;
  /** How often per-topic flush.ms is checked when fsync is not `interval` (default 1000). */
  flushCheckIntervalMs?: number;
  /** Observes every segment fdatasync (tests, metrics). */
  onFsync?: (file: string) => void;
  /** Most segment files held open at once (default: half of `ulimit -n`, 64..4096); idle ones are closed. */
  maxOpenSegments?: number;
}

/** Kafka's legal topic name characters; anything else could escape the data directory. */
const TOPIC_RE = /^[a-zA-Z0-9._-]+$/;
const DELETE_SUFFIX = '-delete';
const LOCK_FILE = '.lock';
/** Short-lived descriptors (dir fsyncs, atomic writes) partition logs may hold at once, beyond open segments. */
const FD_SLOTS = 16;

export class FileStorage implements Storage {
  readonly kind = 'file' as const;
  readonly dataDir: string;
  readonly logger: Logger;
  /** Counters for observability and tests. */
  readonly stats = { fsyncs: 0 };
  private readonly meta: MetaStore;
  private readonly journals: FileMetaJournals;
  private readonly logs = new Map<string, FilePartitionLog>();
  private readonly partitionOps = new Map<string, SerialExecutor>();
  /** Open segment files across all partitions (bounded: 10,000 partitions must not mean 10,000 fds). */
  readonly handles: HandleCache;
  /** New partition directories share fsyncs of the data directory (group commit). */
  private readonly dataDirSync: GroupCommit;
  private readonly fdSlots = new Slots(FD_SLOTS);
  private opened = false;
  private closed = false;
  private readonly background: BackgroundTasks;

  constructor(private readonly opts: FileStorageOptions) {
    this.dataDir = path.resolve(opts.dataDir);
    this.logger = opts.logger ?? pino({ level: 'silent' });
    this.background = new BackgroundTasks(this.logger);
    this.meta = new MetaStore(path.join(this.dataDir, META_DIR));
    this.handles = new HandleCache(opts.maxOpenSegments ?? defaultMaxOpenSegments());
    this.dataDirSync = new GroupCommit(() => fsyncDir(this.dataDir));
    this.journals = new FileMetaJournals(this.meta, { fsync: opts.fsync, intervalMs: opts.fsyncIntervalMs ?? 1000, logger: this.logger });
  }

  static async open(opts: FileStorageOptions): Promise<FileStorage> {
    const storage = new FileStorage(opts);
    await storage.open();
    return storage;
  }

  async open(): Promise<void> {
    if (this.opened) return;
    await fsp.mkdir(this.dataDir, { recursive: true });
    await this.lock();
    await this.meta.init();
    // Partition directories renamed for deletion before a crash are finished off now.
    for (const name of await fsp.readdir(this.dataDir)) {
      if (name.endsWith(DELETE_SUFFIX)) this.removeInBackground(path.join(this.dataDir, name));
    }
    this.startTimers();
    this.opened = true;
  }

  /** A pid lock file: two brokers appending to the same segments would corrupt them. */
  private async lock(): Promise<void> {
    const file = path.join(this.dataDir, LOCK_FILE);
    try {
      await fsp.writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await fsp.readFile(file, 'utf8')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new Error(`data directory ${this.dataDir} is in use by process ${pid}`);
    }
    await fsp.writeFile(file, `${process.pid}\n`);
  }

  private startTimers(): void {
    const interval = this.opts.fsync === 'interval';
    this.background.every(interval ? (this.opts.fsyncIntervalMs ?? 1000) : (this.opts.flushCheckIntervalMs ?? 1000), () =>
      // In interval mode the tick is the interval: flush whatever is dirty. Otherwise only flush.ms applies.
      Promise.all([...this.logs.values()].map((l) => l.flushIfDue(Date.now(), interval ? 0 : null))),
    );
    this.background.logPasses(this.opts, () => this.runRetention(), () => this.runCompaction());
  }

  private key(topic: string, partition: number): string {
    if (!TOPIC_RE.test(topic) || topic === '.' || topic === '..') throw new Error(`illegal topic name: ${topic}`);
    if (!Number.isInteger(partition) || partition < 0) throw new Error(`illegal partition: ${partition}`);
    return `${topic}-${partition}`; // Kafka's partition directory name
  }

  /** open/delete of one partition never interleave. */
  private ops(key: string): SerialExecutor {
    let q = this.partitionOps.get(key);
    if (!q) {
      q = new SerialExecutor();
      this.partitionOps.set(key, q);
    }
    return q;
  }

  async openPartition(topicId: string, topic: string, partition: number, config: PartitionConfig): Promise<PartitionLog> {
    this.assertOpen();
    const key = this.key(topic, partition);
    return this.ops(key).run(async () => {
      const existing = this.logs.get(key);
      if (existing) {
        existing.reconfigure(config);
        return existing;
      }
      const log = await FilePartitionLog.open({
        dir: path.join(this.dataDir, key),
        topicId,
        config,
        fsync: this.opts.fsync,
        // Not a child logger per partition: with 10,000 partitions those alone cost tens of MB. Log lines
        // carry the partition directory.
        logger: this.logger,
        handles: this.handles,
        syncParentDir: () => this.dataDirSync.sync(),
        fdSlots: this.fdSlots,
        onFsync: (file) => {
          this.stats.fsyncs++;
          this.opts.onFsync?.(file);
        },
      });
      this.logs.set(key, log);
      return log;
    });
  }

  /** The open log of a partition (for AlterConfigs via reconfigure, or tests). */
  getPartition(topic: string, partition: number): FilePartitionLog | undefined {
    return this.logs.get(this.key(topic, partition));
  }

  async deletePartition(_topicId: string, topic: string, partition: number): Promise<void> {
    this.assertOpen();
    const key = this.key(topic, partition);
    return this.ops(key).run(async () => {
      const log = this.logs.get(key);
      this.logs.delete(key);
      if (log) await log.close();
      const dir = path.join(this.dataDir, key);
      // Kafka renames to `<dir>.<uuid>-delete` first: the name is free again at once (a re-created topic
      // gets a fresh directory) and a crash mid-delete is finished on the next open.
      const doomed = path.join(this.dataDir, `${key}.${randomUUID().replace(/-/g, '')}${DELETE_SUFFIX}`);
      try {
        await fsp.rename(dir, doomed);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      await fsyncDir(this.dataDir);
      this.removeInBackground(doomed);
    });
  }

  private removeInBackground(dir: string): void {
    const p = fsp
      .rm(dir, { recursive: true, force: true })
      .catch((err: unknown) => this.logger.warn({ err, dir }, 'removing deleted partition failed'));
    this.background.track(p);
  }

  async loadMeta<T>(name: string): Promise<T | undefined> {
    this.assertOpen();
    return this.meta.load<T>(name);
  }

  async saveMeta(name: string, value: unknown): Promise<void> {
    this.assertOpen();
    return this.meta.save(name, value);
  }

  async openJournal<S, R>(name: string, snapshot: () => S): Promise<{ contents: JournalContents<S, R>; journal: MetaJournal<R> }> {
    this.assertOpen();
    return this.journals.open<S, R>(name, snapshot);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.logs.values()].map((l) => l.flush()));
    await this.journals.flush();
    await this.meta.idle();
  }

  /** One retention pass over every open partition; returns the number of segments deleted. */
  async runRetention(now = Date.now()): Promise<number> {
    let deleted = 0;
    for (const log of [...this.logs.values()]) deleted += await log.runRetention(now);
    return deleted;
  }

  /** One cleaner pass over partitions with cleanup.policy=compact; returns the number of logs cleaned. */
  async runCompaction(now = Date.now()): Promise<number> {
    let cleaned = 0;
    for (const log of [...this.logs.values()]) {
      if (log.config.policies.compact && (await compactLog(log, { now, logger: this.logger }))) cleaned++;
    }
    return cleaned;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.background.stopTimers();
    const logs = [...this.logs.values()];
    this.logs.clear();
    await Promise.all(logs.map((l) => l.close()));
    await this.journals.close();
    await this.meta.idle();
    await this.background.idle();
    await fsp.rm(path.join(this.dataDir, LOCK_FILE), { force: true });
  }

  private assertOpen(): void {
    if (!this.opened) throw new Error('FileStorage.open() has not been called');
    if (this.closed) throw new Error('FileStorage is closed');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
