// Shared by the kafkajs durability tests: a broker on the file engine that can be stopped and started again
// on the same data directory, and a consumer that collects a known number of messages.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { BrokerOptions, RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

export interface Consumed {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
}

/** A file-engine broker over one data directory, restartable; `kafka` is a client for the current one. */
export class DurableBroker {
  readonly dir = mkdtempSync(join(tmpdir(), 'kafkalite-durable-'));
  broker!: RunningBroker;
  kafka!: Kafka;
  constructor(private readonly opts: BrokerOptions = {}) {}

  async start(extra: BrokerOptions = {}): Promise<RunningBroker> {
    this.broker = await startTestBroker({ memory: false, dataDir: this.dir, ...this.opts, ...extra });
    this.kafka = kafkajs(this.broker, { retry: { retries: 8, initialRetryTime: 50 } });
    return this.broker;
  }

  /** Stops and starts again; port 0 (default) picks a new port, as a restarted broker may get. */
  async restart(extra: BrokerOptions = {}): Promise<RunningBroker> {
    await this.broker.stop();
    return this.start(extra);
  }

  async destroy(): Promise<void> {
    await this.broker?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Segment files of one partition, oldest first. */
  segments(topic: string, partition = 0): string[] {
    return readdirSync(join(this.dir, `${topic}-${partition}`)).filter((f) => f.endsWith('.log')).sort();
  }
}

/** Consumes from the beginning (fresh group unless given) until `count` messages arrived; fails after timeoutMs. */
export async function consume(kafka: Kafka, topic: string, count: number, opts: { groupId?: string; readUncommitted?: boolean; timeoutMs?: number; until?: (m: Consumed) => boolean } = {}): Promise<Consumed[]> {
  const consumer = kafka.consumer({ groupId: opts.groupId ?? topicName('g'), maxWaitTimeInMs: 100, readUncommitted: opts.readUncommitted ?? false });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: Consumed[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} messages, got ${seen.length}: ${JSON.stringify(seen.slice(-5))}`)), opts.timeoutMs ?? 15000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const m = { partition, offset: Number(message.offset), key: message.key?.toString() ?? null, value: message.value?.toString() ?? null };
          seen.push(m);
          if (seen.length >= count || opts.until?.(m)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** A group consumer reads `topic` from the beginning and commits `lastOffset + 1` once it sees `lastOffset`. */
export async function consumeAndCommitThrough(kafka: Kafka, topic: string, groupId: string, lastOffset: number): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        if (message.offset === String(lastOffset)) {
          await consumer.commitOffsets([{ topic, partition: 0, offset: String(lastOffset + 1) }]);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
}
