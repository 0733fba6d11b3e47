// AlterConfigs (key 33, the legacy API): replaces a topic's whole override set, a broker's whole dynamic
// config set ("" = cluster default, else this broker's id) or a client metrics subscription's configs.
// validate_only checks without applying.
import { KafkaError } from '../protocol/errors.js';
import type { AlterConfigsRequest, AlterConfigsResponse } from '../protocol/generated/alter-configs.js';
import type { Input } from '../protocol/primitives.js';
import {
  RESOURCE,
  alterEachResource,
  alterableTopic,
  brokerResourceId,
  resourceTypeName,
  validateBrokerOverrides,
  validateTopicOverrides,
} from './admin-configs.js';
import { defineHandler } from './context.js';


export default defineHandler<AlterConfigsRequest>({
  apiKey: 33,
  async handle(ctx, req): Promise<Input<AlterConfigsResponse>> {
    const responses = await alterEachResource(ctx, req.resources, async (r) => {
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
          validateBrokerOverrides(ctx.cluster, configs);
          if (!req.validateOnly) await ctx.cluster.setBrokerConfigs(nodeId, configs);
          break;
        }
        case RESOURCE.CLIENT_METRICS:
          ctx.cluster.clientMetrics.validate(r.resourceName, configs);
          if (!req.validateOnly) await ctx.cluster.clientMetrics.set(r.resourceName, configs);
          break;
        case RESOURCE.BROKER_LOGGER:
          throw new KafkaError('INVALID_REQUEST', 'AlterConfigs does not support BROKER_LOGGER');
        default:
          throw new KafkaError('INVALID_REQUEST', `Unsupported resource type: ${resourceTypeName(r.resourceType)}`);
      }
    });
    return { throttleTimeMs: 0, responses };
  },
});
