// DescribeCluster (key 60): the cluster id, controller and the brokers on the client's listener (v1 asks for
// an endpoint type: only brokers are served here; v2 may include fenced brokers).
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeClusterRequest, DescribeClusterResponse } from '../protocol/generated/describe-cluster.js';
import type { Input } from '../protocol/primitives.js';
import { ALL_CLUSTER_OPERATIONS } from './admin-acl.js';
import { defineHandler } from './context.js';
import { endpointFor } from './util.js';

const ENDPOINT_TYPE_NAME: Record<number, string> = { 1: 'BROKER', 2: 'CONTROLLER' };

export default defineHandler<DescribeClusterRequest>({
  apiKey: 60,
  handle(ctx, req): Input<DescribeClusterResponse> {
    const { cluster } = ctx;
    const v = ctx.apiVersion;
    const wanted = v >= 1 ? req.endpointType : 1;
    if (wanted !== 1) {
      const known = wanted in ENDPOINT_TYPE_NAME;
      return {
        throttleTimeMs: 0,
        errorCode: v === 0 ? ErrorCode.INVALID_REQUEST : known ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: known
          ? `The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type ${ENDPOINT_TYPE_NAME[wanted]}`
          : `Unsupported endpoint type ${wanted}`,
        endpointType: wanted,
        clusterId: cluster.clusterId,
        controllerId: -1,
        brokers: [],
      };
    }
    let ops = -2147483648; // not requested
    if (req.includeClusterAuthorizedOperations) ops = ctx.services.acl?.clusterOperations?.(ctx) ?? ALL_CLUSTER_OPERATIONS;
    // A stopped broker is what Kafka calls fenced: listed only when v2 asks for fenced brokers.
    const brokers = cluster.brokers.filter((b) => b.alive || (v >= 2 && req.includeFencedBrokers && !b.unregistered)).flatMap((b) => {
      const e = endpointFor(b, ctx.endpoint);
      return e ? [{ brokerId: b.nodeId, host: e.advertisedHost, port: e.advertisedPort, rack: b.rack, isFenced: !b.alive }] : [];
    });
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: 1,
      clusterId: cluster.clusterId,
      controllerId: cluster.controllerId,
      brokers,
      clusterAuthorizedOperations: ops,
    };
  },
});
