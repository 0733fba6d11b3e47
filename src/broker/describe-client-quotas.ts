// DescribeClientQuotas (key 48, KIP-546): the client quota entities matching a filter, with their values.
import { entityToWire, type ClientQuotas } from '../cluster/client-quotas.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../protocol/generated/describe-client-quotas.js';
import type { Input } from '../protocol/primitives.js';
import { clusterAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';

export default defineHandler<DescribeClientQuotasRequest>({
  apiKey: 48,
  handle(ctx, req): Input<DescribeClientQuotasResponse> {
    if (!clusterAllowed(ctx, 'DESCRIBE_CONFIGS')) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', entries: null };
    }
    try {
      const found = (ctx.services.quotas as ClientQuotas).describe(req.components, req.strict);
      const entries = found.map((s) => ({
        entity: entityToWire(s.entity),
        values: Object.entries(s.values).map(([key, value]) => ({ key, value })),
      }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      return { throttleTimeMs: 0, errorCode: e.code, errorMessage: e.message, entries: null };
    }
  },
});
