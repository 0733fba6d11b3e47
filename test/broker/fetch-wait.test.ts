// How long a Fetch with nothing to return is held: never less than max_wait_ms (segmentio/kafka-go's Conn.Read
// times its read out from the same wait, truncated to whole milliseconds, and takes an earlier empty answer for
// the end of the data), and a wait of Integer.MAX_VALUE ms (kafka-go's "no deadline") parks until data comes.
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { encodeBatch } from '../../src/protocol/records/index.js';
import { topicName, withBrokerAndRawClient } from '../compat/helpers.js';
import { API, RawClient } from '../coordinator/raw-client.js';

let broker: RunningBroker;
let c: RawClient;
withBrokerAndRawClient((b, rc) => ((broker = b), (c = rc)));

const fetchRequest = (topic: string, topicId: string, maxWaitMs: number) => ({
  clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs, minBytes: 1, maxBytes: 1 << 20,
  isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
  topics: [{ topic, topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
});

describe('Fetch on an empty partition', () => {
  it('answers no sooner than max_wait_ms after the request', async () => {
    const topic = topicName('fetch-wait');
    const t = await broker.cluster.createTopic(topic, { numPartitions: 1 });
    for (const [v, wait] of [[2, 37], [4, 20], [12, 53], [16, 11]]) {
      const start = performance.now();
      const res = await c.send(API.Fetch, v, fetchRequest(topic, t.id, wait));
      const took = performance.now() - start;
      expect(res.responses[0].partitions[0].records?.length ?? 0, `Fetch v${v}`).toBe(0);
      expect(took, `Fetch v${v} with max_wait_ms ${wait}`).toBeGreaterThanOrEqual(wait);
    }
  });

  it('parks a fetch of Integer.MAX_VALUE ms until a record arrives', async () => {
    const topic = topicName('fetch-wait-max');
    const t = await broker.cluster.createTopic(topic, { numPartitions: 1 });
    // Node fires a timer past 2^31-1 ms after 1 ms, with a warning: the fetch would spin instead of parking.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    let answered = false;
    const pending = c.send(API.Fetch, 2, fetchRequest(topic, t.id, 0x7fffffff)).then((res) => ((answered = true), res));
    await new Promise((r) => setTimeout(r, 150));
    expect(answered).toBe(false);
    process.off('warning', onWarning);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
    // Requests on one connection are answered in order, so the record comes from a second one.
    const producer = await RawClient.connect(broker.port);
    try {
      const records = await encodeBatch([{ value: Buffer.from('late') }]);
      await producer.send(API.Produce, 9, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
    } finally {
      producer.close();
    }
    const res = await pending;
    expect(res.responses[0].partitions[0].records.length).toBeGreaterThan(0);
  });
});
