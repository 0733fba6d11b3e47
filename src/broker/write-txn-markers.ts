// WriteTxnMarkers (key 27): the inter-broker request a transaction coordinator sends to partition leaders.
// kafkalite's own coordinator writes markers in-process, but the request is answered (and the markers written)
// for tools and tests that send it.
import { writeMarker } from '../coordinator/txn/markers.js';
import { canCluster, txnService } from '../coordinator/txn/request-util.js';
import { ErrorCode } from '../protocol/errors.js';
import type { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../protocol/generated/write-txn-markers.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { leaderError, toError } from './util.js';

export default defineHandler<WriteTxnMarkersRequest>({
  apiKey: 27,
  async handle(ctx, req): Promise<Input<WriteTxnMarkersResponse>> {
    const svc = txnService(ctx);
    const allowed = canCluster(ctx, 'CLUSTER_ACTION');
    const markers = await Promise.all(req.markers.map(async (m) => ({
      producerId: m.producerId,
      topics: await Promise.all(m.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(t.partitionIndexes.map(async (i) => {
          const p = ctx.cluster.topics.get(t.name)?.partitions[i];
          let errorCode: number = ErrorCode.NONE;
          if (!allowed) errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
          else if (!svc) errorCode = ErrorCode.COORDINATOR_NOT_AVAILABLE;
          else if (!p) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          else if ((errorCode = leaderError(ctx, p)) === ErrorCode.NONE) {
            try {
              await writeMarker(ctx.services, svc.producers, p, { producerId: m.producerId, producerEpoch: m.producerEpoch, commit: m.transactionResult, coordinatorEpoch: m.coordinatorEpoch });
            } catch (e) {
              errorCode = toError(e, ctx).errorCode;
            }
          }
          return { partitionIndex: i, errorCode };
        })),
      }))),
    })));
    return { markers };
  },
});
