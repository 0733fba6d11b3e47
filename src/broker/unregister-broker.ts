// UnregisterBroker (key 64): removes a broker's registration (Admin.unregisterBroker, for a broker gone for good).
// Kafka's controller drops it; a running broker registers again with its next heartbeat, so only a stopped one
// disappears: here from DescribeCluster's fenced brokers, until it starts again.
import { ErrorCode } from '../protocol/errors.js';
import type { UnregisterBrokerRequest, UnregisterBrokerResponse } from '../protocol/generated/unregister-broker.js';
import type { Input } from '../protocol/primitives.js';
import { clusterAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';

export default defineHandler<UnregisterBrokerRequest>({
  apiKey: 64,
  handle(ctx, req): Input<UnregisterBrokerResponse> {
    if (!clusterAllowed(ctx, 'ALTER')) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null };
    const node = ctx.cluster.broker(req.brokerId);
    if (!node || node.unregistered) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.BROKER_ID_NOT_REGISTERED, errorMessage: `Broker ID ${req.brokerId} is not currently registered` };
    }
    if (!node.alive) node.unregistered = true;
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null };
  },
});
