// warmUp (--warm-up): produce/fetch round trips through private in-process brokers right after start-up, so that V8
// has optimized the request path before clients need it (src/warm-up.ts; its effect on latency is measured by
// `node bench/cold-e2e.mjs -- "" "|--warm-up"`, docs/performance.md finding 19). What is tested here is that it
// runs once per process, stays invisible to clients and does not get in their way, and that stop() ends it early.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { waitFor } from '../cluster/helpers.js';
import { kafkajs, startTestBroker, topicName } from './helpers.js';

let b: RunningBroker | undefined;
afterEach(async () => {
  await b?.stop();
  b = undefined;
});

describe('warm-up', () => {
  it('stop() ends a warm-up that is still running, and says how far it got', async () => {
    const broker = await startTestBroker({ warmUp: 10_000_000 });
    await new Promise((r) => setTimeout(r, 100));
    await broker.stop();
    const done = await broker.warmedUp;
    expect(done?.rounds).toBeGreaterThan(0);
    expect(done?.rounds).toBeLessThan(10_000_000);
    expect(done?.complete).toBe(false);
  });

  it('runs once per process: a second broker asking for one reports the first one\'s', async () => {
    const first = await startTestBroker({ warmUp: 10_000_000 });
    try {
      b = await startTestBroker({ warmUp: 3000 });
      expect(b.warmedUp).toBe(first.warmedUp);
    } finally {
      await first.stop();
    }
    expect(await b.warmedUp).toMatchObject({ complete: false }); // ended with the broker that started it
  });

  it('runs its round trips while kafkajs produces and consumes, and leaves no topic or group behind', async () => {
    b = await startTestBroker({ warmUp: 3000 });
    const k = kafkajs(b);
    const topic = topicName('warm-up');
    const producer = k.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    await producer.disconnect();
    const consumer = k.consumer({ groupId: topicName('warm-up-group') });
    const got: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(String(message.value)) });
    try {
      await waitFor(() => got.length === 40, 15000, 'the group to read 40 records');
    } finally {
      await consumer.disconnect();
    }
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => `v${i}`));

    expect(await b.warmedUp).toMatchObject({ rounds: 3000, complete: true });
    const admin = k.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      expect(topics).toContain(topic);
      expect(topics.filter((t) => t.includes('warm-up') && t !== topic)).toEqual([]);
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).toEqual([expect.stringContaining('warm-up-group')]);
    } finally {
      await admin.disconnect();
    }
  });
});
