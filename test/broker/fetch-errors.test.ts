// A Fetch partition answered with an error still carries an empty record set, never a null one: Kafka sends
// MemoryRecords.EMPTY, and librdkafka 2.x treats a null record set as a protocol error (its consumer then never saw
// OFFSET_OUT_OF_RANGE, so auto.offset.reset never ran).
import { describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { topicName, withBrokerAndRawClient } from '../compat/helpers.js';
import { API, RawClient } from '../coordinator/raw-client.js';

let broker: RunningBroker;
let c: RawClient;
withBrokerAndRawClient((b, rc) => ((broker = b), (c = rc)));

describe('Fetch partitions with errors', () => {
  it('have an empty record set, not a null one, in every version', async () => {
    const topic = topicName('fetch-err');
    const t = await broker.cluster.createTopic(topic, { numPartitions: 1 });
    const part = (partition: number, fetchOffset: number) => ({ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 });
    for (const v of [4, 11, 12, 16]) {
      const res = await c.send(API.Fetch, v, {
        clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20,
        isolationLevel: 0, sessionId: 0, sessionEpoch: -1, forgottenTopicsData: [], rackId: '',
        topics: [{ topic, topicId: t.id, partitions: [part(0, 42), part(7, 0)] }],
      });
      const got = res.responses[0].partitions.map((p: any) => [p.errorCode, Buffer.isBuffer(p.records) ? p.records.length : p.records]);
      expect(got, `Fetch v${v}`).toEqual([[ErrorCode.OFFSET_OUT_OF_RANGE, 0], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 0]]);
    }
  });
});
