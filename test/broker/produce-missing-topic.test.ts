// A Produce to a topic that does not exist is refused, never a reason to create it: Kafka creates topics for
// Metadata requests only (clients ask for metadata before they produce), and answers a missing topic with
// UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID by id, v13+) — after authorization, so a client that may not write
// a topic cannot learn whether it exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { encodeBatch } from '../../src/protocol/records/index.js';
import { startTestBroker, topicName } from '../compat/helpers.js';
import { API, RawClient } from '../coordinator/raw-client.js';

let open: RunningBroker;
let secured: RunningBroker;
beforeAll(async () => {
  open = await startTestBroker(); // auto.create.topics.enable=true
  secured = await startTestBroker({ authorizer: true });
});
afterAll(async () => {
  await open?.stop();
  await secured?.stop();
});

async function produce(broker: RunningBroker, v: number, topic: { name: string; topicId?: string }): Promise<number> {
  const c = await RawClient.connect(broker.port);
  try {
    const records = await encodeBatch([{ value: Buffer.from('v') }]);
    const res = await c.send(API.Produce, v, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic.name, topicId: topic.topicId ?? '', partitionData: [{ index: 0, records }] }] });
    return res.responses[0].partitionResponses[0].errorCode;
  } finally {
    c.close();
  }
}

describe('Produce to a missing topic', () => {
  it('is UNKNOWN_TOPIC_OR_PARTITION and creates nothing, even with auto-creation on', async () => {
    const name = topicName('no-such');
    for (const v of [3, 9, 12]) expect(await produce(open, v, { name }), `Produce v${v}`).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(open.cluster.topics.has(name)).toBe(false);
    expect(await produce(open, 13, { name: '', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' })).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  });

  it('is TOPIC_AUTHORIZATION_FAILED for a client that may not write it', async () => {
    expect(await produce(secured, 9, { name: topicName('secret') })).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });
});
