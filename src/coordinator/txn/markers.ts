// Writing transaction markers (control batches) to data partitions, as the coordinator's marker channel and
// WriteTxnMarkers do in Kafka: append, apply to the producer state, then advance the high watermark like Produce.
import type { Services } from '../../broker/context.js';
import type { Partition } from '../../cluster/cluster.js';
import { afterAppend } from '../../cluster/replication.js';
import { encodeControlBatch } from '../../protocol/records/index.js';
import type { ProducerStateManager } from './producer-state.js';

export interface MarkerSpec {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

export async function writeMarker(services: Services, producers: ProducerStateManager, p: Partition, m: MarkerSpec): Promise<void> {
  const ts = Date.now();
  const batch = encodeControlBatch(m.commit ? 'commit' : 'abort', {
    producerId: m.producerId,
    producerEpoch: m.producerEpoch,
    coordinatorEpoch: m.coordinatorEpoch,
    timestamp: ts,
    partitionLeaderEpoch: p.leaderEpoch,
  });
  const offset = await p.log.append(batch, { lastOffsetDelta: 0, maxTimestamp: ts });
  producers.completeTxn(p, m.producerId, m.producerEpoch, m.commit, offset, m.coordinatorEpoch, ts);
  await afterAppend(services, p, -1);
  // The last stable offset may have moved even if the high watermark did not: wake read_committed fetches.
  p.wake();
}
