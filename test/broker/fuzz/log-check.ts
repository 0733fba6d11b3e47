// Reads every partition of every topic back from its leader, from the log start to the high watermark, and checks
// what a consumer relies on: each batch's CRC and length, offsets that only increase, nothing at or past the high
// watermark. After a fuzz storm this is what tells "answered strangely" from "broke the log".
import { expect } from 'vitest';
import type { RunningBroker } from '../../../src/kafkalite.js';
import { checkBatchIntegrity, readBatchHeader } from '../../../src/protocol/records/index.js';
import { API, RawClient } from '../../coordinator/raw-client.js';

/** Checks every partition; returns each one's [log start, high watermark] by `topic-partition`. */
export async function checkLogs(broker: RunningBroker): Promise<Map<string, [number, number]>> {
  const clients = new Map<number, RawClient>();
  const client = async (nodeId: number) => {
    if (!clients.has(nodeId)) clients.set(nodeId, await RawClient.connect(Object.values(broker.brokers.find((b) => b.nodeId === nodeId)!.ports)[0]));
    return clients.get(nodeId)!;
  };
  const ranges = new Map<string, [number, number]>();
  try {
    const md = await (await client(broker.brokers[0].nodeId)).send(API.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    for (const t of md.topics) {
      if (t.errorCode !== 0) continue;
      for (const p of t.partitions) {
        if (p.leaderId < 0) continue;
        const c = await client(p.leaderId);
        const where = `${t.name}-${p.partitionIndex}`;
        const offsets = async (timestamp: number) => {
          const r = await c.send(API.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: t.name, partitions: [{ partitionIndex: p.partitionIndex, currentLeaderEpoch: -1, timestamp }] }] });
          const part = r.topics[0].partitions[0];
          expect(part.errorCode, `${where} ListOffsets ${timestamp}`).toBe(0);
          return part.offset as number;
        };
        const start = await offsets(-2);
        const end = await offsets(-1);
        expect(start, `${where} log start <= high watermark`).toBeLessThanOrEqual(end);
        ranges.set(where, [start, end]);
        let next = start;
        while (next < end) {
          const r = await c.send(API.Fetch, 12, {
            replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 22, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
            topics: [{ topic: t.name, partitions: [{ partition: p.partitionIndex, currentLeaderEpoch: -1, fetchOffset: next, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 22 }] }],
            forgottenTopicsData: [], rackId: '',
          });
          const part = r.responses[0].partitions[0];
          expect(part.errorCode, `${where} Fetch at ${next}`).toBe(0);
          expect(part.highWatermark, `${where} high watermark`).toBe(end);
          const records: Buffer = part.records ?? Buffer.alloc(0);
          let pos = 0;
          let progressed = false;
          // A fetch may end in a partial batch (maxBytes); only whole batches count.
          while (pos + 61 <= records.length && pos + 12 + records.readInt32BE(pos + 8) <= records.length) {
            const h = checkBatchIntegrity(records, pos);
            const last = h.baseOffset + h.lastOffsetDelta;
            expect(last, `${where} batch at ${h.baseOffset} ends before the high watermark`).toBeLessThan(end);
            if (last >= next) {
              // Batches must not overlap; only the first may start before the log start (DeleteRecords cuts inside batches).
              if (next > start) expect(h.baseOffset, `${where} batch after offset ${next - 1}`).toBeGreaterThanOrEqual(next);
              next = last + 1;
              progressed = true;
            }
            pos += h.size;
          }
          if (!progressed) throw new Error(`${where}: a fetch at ${next} of [${start}, ${end}) returned no whole batch (${records.length} bytes${records.length >= 61 ? `, first batch ${JSON.stringify(readBatchHeader(records, 0))}` : ''})`);
        }
      }
    }
  } finally {
    for (const c of clients.values()) c.close();
  }
  return ranges;
}
