// Small JSON documents (topics, group offsets, producer state) under <dataDir>/__meta/<name>.json.
// Each save replaces the file atomically (temp + fsync + rename + dir fsync), so a crash leaves either the
// previous or the new document. Saves to one name are serialized so the last call wins on disk too.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { SerialExecutor } from '../../concurrency.js';
import { atomicWrite, isAtomicTemp, readIfExists } from './fs-util.js';

export const META_DIR = '__meta';

export class MetaStore {
  private readonly queues = new Map<string, SerialExecutor>();

  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    for (const name of await fsp.readdir(this.dir)) {
      if (isAtomicTemp(name)) await fsp.rm(path.join(this.dir, name), { force: true });
    }
  }

  /** Names become file names: anything outside [A-Za-z0-9_-] is percent-encoded (so no `..` or `/`). */
  fileFor(name: string): string {
    if (name.length === 0) throw new Error('metadata name must not be empty');
    const safe = name.replace(/[^A-Za-z0-9_-]/g, (c) =>
      Array.from(Buffer.from(c, 'utf8'), (b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
    );
    return path.join(this.dir, `${safe}.json`);
  }

  private queue(name: string): SerialExecutor {
    let q = this.queues.get(name);
    if (!q) {
      q = new SerialExecutor();
      this.queues.set(name, q);
    }
    return q;
  }

  /** Ordered after pending saves of the same name, so a load never misses an acknowledged save. */
  load<T>(name: string): Promise<T | undefined> {
    const file = this.fileFor(name);
    return this.queue(name).run(async () => {
      const raw = await readIfExists(file);
      return raw === undefined ? undefined : (JSON.parse(raw.toString('utf8')) as T);
    });
  }

  save(name: string, value: unknown): Promise<void> {
    const file = this.fileFor(name);
    // Serialize now: the caller may mutate `value` after the call returns.
    const text = JSON.stringify(value);
    if (text === undefined) return Promise.reject(new TypeError(`metadata ${name}: value is not JSON-serializable`));
    return this.queue(name).run(() => atomicWrite(file, text));
  }

  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.idle()));
  }
}
