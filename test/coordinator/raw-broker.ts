// The setup the raw-protocol coordinator tests share: one broker and one raw connection per test file, so the
// tests in a file reuse them (topics and groups get unique names) and every file still starts clean; and a
// broker on disk for the tests that restart it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import type { BrokerOptions, RunningBroker } from '../../src/kafkalite.js';
import { startTestBroker, topicName } from '../compat/helpers.js';
import { RawClient } from './raw-client.js';

export interface RawBroker {
  broker: RunningBroker;
  c: RawClient;
}

/**
 * Starts the broker and connects before the file's tests, hands both to `use` (which stores them in the file's
 * own variables, so tests keep plain `broker` and `c` names), and closes both after them.
 */
export function useRawBroker(opts: BrokerOptions, use: (env: RawBroker) => void): void {
  let env: Partial<RawBroker> = {};
  beforeAll(async () => {
    const broker = await startTestBroker(opts);
    env = { broker };
    env.c = await RawClient.connect(broker.port);
    use(env as RawBroker);
  });
  afterAll(async () => {
    env.c?.close();
    await env.broker?.stop();
  });
}

/** A new topic with a unique name. */
export async function newTopic(broker: RunningBroker, prefix: string, partitions = 1): Promise<string> {
  const t = topicName(prefix);
  await broker.cluster.createTopic(t, { numPartitions: partitions });
  return t;
}

/**
 * A broker on the file engine over a fresh temp dir, with a raw connection; when the test finishes it is stopped
 * (if still running) and the dir removed. stop() and start() keep the dir, so a test can restart the broker, or
 * change its files while it is down.
 */
export class DiskBroker {
  broker!: RunningBroker;
  c!: RawClient;
  private running = false;

  private constructor(
    readonly dataDir: string,
    private readonly fsync: 'always' | 'never',
  ) {}

  static async create(fsync: 'always' | 'never'): Promise<DiskBroker> {
    const d = new DiskBroker(mkdtempSync(join(tmpdir(), 'kafkalite-disk-')), fsync);
    onTestFinished(async () => {
      if (d.running) await d.stop();
      rmSync(d.dataDir, { recursive: true, force: true });
    });
    await d.start();
    return d;
  }

  async start(): Promise<void> {
    this.broker = await startTestBroker({ memory: false, dataDir: this.dataDir, fsync: this.fsync });
    this.running = true;
    this.c = await RawClient.connect(this.broker.port);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.c?.close();
    await this.broker.stop();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
