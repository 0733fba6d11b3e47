// The setup the raw-protocol coordinator tests share: one broker and one raw connection per test file, so the
// tests in a file reuse them (topics and groups get unique names) and every file still starts clean.
import { afterAll, beforeAll } from 'vitest';
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
