// AlterClientQuotas (key 49, KIP-546): set or remove quota values of client quota entities (validateOnly: check only).
import { entityToWire, normalizeEntity, type ClientQuotas } from '../cluster/client-quotas.js';
import { ErrorCode } from '../protocol/errors.js';
import type { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../protocol/generated/alter-client-quotas.js';
import type { Input } from '../protocol/primitives.js';
import { clusterAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';

export default defineHandler<AlterClientQuotasRequest>({
  apiKey: 49,
  async handle(ctx, req): Promise<Input<AlterClientQuotasResponse>> {
    const alterations = req.entries.map((e) => ({
      entity: normalizeEntity(e.entity),
      ops: e.ops.map((op) => ({ key: op.key, value: op.remove ? null : op.value })),
    }));
    if (!clusterAllowed(ctx, 'ALTER_CONFIGS')) {
      const denied = { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' };
      return { throttleTimeMs: 0, entries: alterations.map((a) => ({ ...denied, entity: entityToWire(a.entity) })) };
    }
    const results = await (ctx.services.quotas as ClientQuotas).alter(alterations, req.validateOnly);
    return {
      throttleTimeMs: 0,
      entries: results.map((r) => ({ errorCode: r.error?.code ?? ErrorCode.NONE, errorMessage: r.error?.message ?? null, entity: entityToWire(r.entity) })),
    };
  },
});
