// Bounds the file descriptors the log keeps open. Every segment holds its .log FileHandle only while it is in
// this LRU; opening one more at the bound closes the least recently used idle handle (or waits for one to
// become idle), and an evicted segment reopens its file on its next use. Kafka keeps every segment open (operators raise `ulimit -n`); a broker with 10,000
// partitions would otherwise need 10,000+ descriptors before serving a single connection.
import { promises as fsp, readFileSync } from 'node:fs';

export interface CachedHandle {
  /** False while an operation is using the handle (it must not be closed under it). */
  readonly idle: boolean;
  /** Closes the handle now; the owner reopens the file on its next use. */
  evict(): void;
}

export class HandleCache {
  /** Insertion order is recency: the first entries are the least recently used. */
  private readonly open = new Map<CachedHandle, true>();
  /** Opens in progress, each holding a place below the bound. */
  private opening = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly max: number) {}

  get size(): number {
    return this.open.size;
  }

  /**
   * Waits for a place to open one more file: at the bound, the least recently used idle handle is closed;
   * when every open handle is busy, the caller waits until one is released.
   */
  async reserve(): Promise<void> {
    while (this.open.size + this.opening >= this.max) {
      if (this.evictOne()) continue;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.opening++;
  }

  /** An open reserved with reserve() finished: `h` is now open, or null when the open failed. */
  opened(h: CachedHandle | null): void {
    this.opening--;
    if (h) this.open.set(h, true);
    else this.wake();
  }

  /** Marks a handle as just used. */
  touch(h: CachedHandle): void {
    this.open.delete(h);
    this.open.set(h, true);
  }

  /** A handle became idle: someone waiting for a place may take it over. */
  released(): void {
    this.wake();
  }

  forget(h: CachedHandle): void {
    if (this.open.delete(h)) this.wake();
  }

  private evictOne(): boolean {
    for (const victim of this.open.keys()) {
      if (!victim.idle) continue;
      this.open.delete(victim);
      victim.evict();
      return true;
    }
    return false;
  }

  private wake(): void {
    this.waiters.shift()?.();
  }
}

/**
 * A counting semaphore for short-lived descriptors (directory fsyncs, atomic writes, new partition
 * directories): thousands of partitions doing them at once must not exhaust the process's descriptors.
 */
export class Slots {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiters.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.free++;
    }
  }
}

/**
 * Half the process's soft limit on open files (the rest is for sockets, index files, metadata), between 64
 * and 4096. Node raises the soft limit to the hard one at start-up, so this is usually the generous end.
 */
export function defaultMaxOpenSegments(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? 4096 : Math.max(64, Math.min(4096, Math.floor(Number(m[1]) / 2)));
  } catch {
    // not Linux: fall through
  }
  return 1024;
}

/** A segment's .log file: opened on use, closable by the cache while idle, never reopened once closed. */
export class SegmentFile implements CachedHandle {
  /** No file on disk yet (a partition that has never been appended to); create() makes it. */
  unborn = false;
  private fh: fsp.FileHandle | null = null;
  private opening: Promise<fsp.FileHandle> | null = null;
  private users = 0;
  /** Closed for good (segment closed or deleted): a later segment may reuse the name. */
  private gone = false;

  constructor(
    readonly path: string,
    private readonly cache: HandleCache | null,
  ) {}

  get idle(): boolean {
    return this.users === 0 && this.opening === null;
  }

  evict(): void {
    const fh = this.fh;
    this.fh = null;
    // Unsynced pages stay in the page cache; an fdatasync through a reopened handle covers them.
    void fh?.close().catch(() => undefined);
  }

  async create(): Promise<void> {
    if (!this.unborn) return;
    // 'w+' rather than 'wx+': a leftover empty file with the same base (e.g. after truncateTo) is replaced.
    this.adopt(await this.openFile('w+'));
    this.unborn = false;
  }

  /** The descriptor for a synchronous operation, or null when the file is not open now (use() reopens it). */
  openFd(): number | null {
    if (!this.fh) return null;
    this.cache?.touch(this);
    return this.fh.fd;
  }

  /** Runs `fn` with the open handle; the cache cannot close it until `fn` settles. */
  async use<T>(fn: (fh: fsp.FileHandle) => Promise<T>): Promise<T> {
    this.users++;
    try {
      if (this.fh) {
        this.cache?.touch(this);
        return await fn(this.fh);
      }
      return await fn(await this.reopen());
    } finally {
      if (--this.users === 0) this.cache?.released();
    }
  }

  /** FileHandle.close waits for in-flight operations, so a concurrent read never uses a recycled fd. */
  async close(): Promise<void> {
    this.gone = true;
    this.cache?.forget(this);
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => undefined);
  }

  private reopen(): Promise<fsp.FileHandle> {
    if (this.gone || this.unborn) {
      const err = new Error(`segment file ${this.path} is ${this.gone ? 'closed' : 'not created'}`) as NodeJS.ErrnoException;
      err.code = 'ERR_INVALID_STATE'; // what a read racing with deletion expects (FilePartitionLog.read retries)
      return Promise.reject(err);
    }
    this.opening ??= this.openFile('r+').then(
      (fh) => {
        this.opening = null;
        this.adopt(fh);
        return fh;
      },
      (err: unknown) => {
        this.opening = null;
        throw err;
      },
    );
    return this.opening;
  }

  /** Opens the file within the cache's bound (waiting for a place when every open handle is busy). */
  private async openFile(flags: string): Promise<fsp.FileHandle> {
    if (!this.cache) return fsp.open(this.path, flags);
    await this.cache.reserve();
    try {
      return await fsp.open(this.path, flags);
    } catch (err) {
      this.cache.opened(null);
      throw err;
    }
  }

  private adopt(fh: fsp.FileHandle): void {
    if (this.gone) {
      this.cache?.opened(null);
      void fh.close().catch(() => undefined);
      return;
    }
    this.fh = fh;
    this.cache?.opened(this);
  }
}
