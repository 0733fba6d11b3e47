// The controller mutation quota (KIP-599, controller_mutation_rate) through @platformatic/kafka's Admin, which speaks
// the strict versions (CreateTopics v7, DeleteTopics v6, CreatePartitions v3): a burst of rate x 11 partitions, then
// THROTTLING_QUOTA_EXCEEDED for topics arriving while the bucket is below zero, until it refills. Older versions
// (CreateTopics v5 and v2, raw) are served and throttled instead: muted after the response, or (before KIP-219) the
// response itself delayed.
import { Admin, ClientQuotaEntityTypes, ClientQuotaKeys } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { RawClient } from '../coordinator/raw-client.js';
import { apiCodes, startTestBroker, topicName } from './helpers.js';

let broker: RunningBroker;
const admins: Admin[] = [];
const RATE = 10; // partition mutations per second: a burst of 110

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  for (const a of admins) await a.close();
  await broker?.stop();
});

function admin(clientId: string): Admin {
  const a = new Admin({ clientId, bootstrapBrokers: [broker.bootstrap], retries: 0 });
  admins.push(a);
  return a;
}

async function limit(clientId: string): Promise<void> {
  await admin('quota-setter').alterClientQuotas({
    entries: [{ entities: [{ entityType: ClientQuotaEntityTypes.CLIENT_ID, entityName: clientId }], ops: [{ key: 'controller_mutation_rate' as (typeof ClientQuotaKeys)[keyof typeof ClientQuotaKeys], value: RATE, remove: false }] }],
  });
}

/** The Kafka error code of a failed admin call (0 when it succeeded). */
async function codeOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 0;
  } catch (e) {
    const codes = apiCodes(e);
    if (codes.length === 0) throw e;
    return codes[0];
  }
}

describe('controller_mutation_rate via @platformatic/kafka', () => {
  it('lets a burst through, refuses the topics that arrive while the bucket is below zero, and mutes until it refilled', async () => {
    const clientId = topicName('mutator');
    await limit(clientId);
    const a = admin(clientId);
    const [t1, t2, t3] = [topicName('mq-1'), topicName('mq-2'), topicName('mq-3')];
    // 110 tokens: the first 60 leave 50, the next 60 are accepted (the bucket was not below zero) and leave -10, the
    // third topic is refused.
    expect(await codeOf(a.createTopics({ topics: [t1, t2, t3], partitions: 60 }))).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    expect([t1, t2, t3].map((t) => broker.cluster.topics.has(t))).toEqual([true, true, false]);
    // The response said to wait a second (10 tokens at 10 per second) and the connection reads nothing until then, so
    // the next request finds the bucket at zero: one deletion (60 partitions) goes through, the next topic is refused.
    const t0 = Date.now();
    expect(await codeOf(a.deleteTopics({ topics: [t1, t2] }))).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect([t1, t2].filter((t) => broker.cluster.topics.has(t))).toHaveLength(1);
    // Adding partitions counts too (a fresh client, a full bucket): 100 and 20 go through, the third topic is refused.
    const adder = topicName('adder');
    await limit(adder);
    const b = admin(adder);
    const [p1, p2, p3] = [topicName('mq-p1'), topicName('mq-p2'), topicName('mq-p3')];
    for (const t of [p1, p2, p3]) await broker.cluster.createTopic(t, { numPartitions: 1 });
    const added = b.createPartitions({ topics: [{ name: p1, count: 101 }, { name: p2, count: 21 }, { name: p3, count: 2 }] });
    expect(await codeOf(added)).toBe(ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    expect([p1, p2, p3].map((t) => broker.cluster.topics.get(t)!.partitions.length)).toEqual([101, 21, 1]);
    // Another client is not limited.
    expect(await codeOf(admin(topicName('free')).createTopics({ topics: [topicName('mq-free')], partitions: 200 }))).toBe(0);
  });

  it('serves an older CreateTopics over the quota and answers with the throttle time', async () => {
    const clientId = topicName('old-mutator');
    await limit(clientId);
    const c = await RawClient.connect(broker.port);
    try {
      const create = (name: string, numPartitions: number) =>
        c.send(19, 5, { topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false }, clientId);
      const r = await create(topicName('mq-old'), 130); // 20 over the burst: two seconds of refill
      expect(r.topics[0].errorCode).toBe(0);
      expect(r.throttleTimeMs).toBeGreaterThan(1500);
      expect(r.throttleTimeMs).toBeLessThanOrEqual(2000);
    } finally {
      c.close();
    }
  });

  it('delays the response to a CreateTopics older than KIP-219 (v2) instead of muting', async () => {
    const clientId = topicName('older-mutator');
    await limit(clientId);
    const c = await RawClient.connect(broker.port);
    try {
      const t0 = Date.now();
      const r = await c.send(19, 2, { topics: [{ name: topicName('mq-v2'), numPartitions: 115, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: false }, clientId);
      expect(r.topics[0].errorCode).toBe(0);
      expect(r.throttleTimeMs).toBeGreaterThan(300); // 5 over the burst: half a second
      expect(Date.now() - t0).toBeGreaterThanOrEqual(r.throttleTimeMs - 50);
    } finally {
      c.close();
    }
  });
});
