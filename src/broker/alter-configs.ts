// AlterConfigs (key 33, the legacy API): replaces a topic's whole override set, or a broker's whole dynamic
// config set ("" = cluster default, else this broker's id). validate_only checks without applying.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { AlterConfigsRequest, AlterConfigsResponse, AlterConfigsResponseAlterConfigsResourceResponse } from '../protocol/generated/alter-configs.js';
import type { Input } from '../protocol/primitives.js';
import {
  RESOURCE,
  alterableTopic,
  brokerResourceId,
  duplicateResources,
  hasDuplicates,
  resourceTypeName,
  validateBrokerOverrides,
  validateTopicOverrides,
} from './admin-configs.js';
import { clusterAllowed, topicAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';
import { toError } from './util.js';

type Out = Input<AlterConfigsResponseAlterConfigsResourceResponse>;

export default defineHandler<AlterConfigsRequest>({
  apiKey: 33,
  async handle(ctx, req): Promise<Input<AlterConfigsResponse>> {
    const dups = duplicateResources(req.resources);
    const responses: Out[] = [];
    for (const r of req.resources) {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      // Kafka answers an unauthorized resource with the bare error code.
      if (r.resourceType === RESOURCE.TOPIC && !topicAllowed(ctx, 'ALTER_CONFIGS', r.resourceName)) {
        responses.push({ ...base, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null });
        continue;
      }
      if ((r.resourceType === RESOURCE.BROKER || r.resourceType === RESOURCE.BROKER_LOGGER) && !clusterAllowed(ctx, 'ALTER_CONFIGS')) {
        responses.push({ ...base, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null });
        continue;
      }
      try {
        if (dups.has(`${r.resourceType}:${r.resourceName}`)) throw new KafkaError('INVALID_REQUEST', 'Each resource must appear at most once.');
        if (hasDuplicates(r.configs.map((c) => c.name))) throw new KafkaError('INVALID_REQUEST', 'Error due to duplicate config keys');
        const nulls = r.configs.filter((c) => c.value === null).map((c) => c.name);
        if (nulls.length) throw new KafkaError('INVALID_REQUEST', `Null value not supported for : ${nulls.join(', ')}`);
        const configs = new Map(r.configs.map((c) => [c.name, c.value as string]));
        switch (r.resourceType) {
          case RESOURCE.TOPIC: {
            const topic = alterableTopic(ctx.cluster, r.resourceName, () => validateTopicOverrides(ctx.cluster, configs));
            if (!req.validateOnly) await ctx.cluster.setTopicConfigs(topic, configs);
            break;
          }
          case RESOURCE.BROKER: {
            const nodeId = brokerResourceId(ctx, r.resourceName);
            validateBrokerOverrides(configs);
            if (!req.validateOnly) await ctx.cluster.setBrokerConfigs(nodeId, configs);
            break;
          }
          case RESOURCE.BROKER_LOGGER:
            throw new KafkaError('INVALID_REQUEST', 'AlterConfigs does not support BROKER_LOGGER');
          default:
            throw new KafkaError('INVALID_REQUEST', `Unsupported resource type: ${resourceTypeName(r.resourceType)}`);
        }
        responses.push({ ...base, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (e) {
        responses.push({ ...base, ...toError(e, ctx) });
      }
    }
    return { throttleTimeMs: 0, responses };
  },
});
