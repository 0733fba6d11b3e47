// IncrementalAlterConfigs (key 44): SET / DELETE / APPEND / SUBTRACT on single configs of a topic or of a
// broker's dynamic configs, a group's or a client metrics subscription's configs, leaving the others alone (Kafka's ConfigurationControlManager.incrementalAlterConfig).
import type { ConfigDef } from '../cluster/config.js';
import { CLIENT_METRICS_CONFIGS } from '../cluster/client-metrics-configs.js';
import { GROUP_CONFIGS } from '../cluster/group-configs.js';
import { KafkaError } from '../protocol/errors.js';
import type {
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsRequestAlterableConfig,
  IncrementalAlterConfigsResponse,
} from '../protocol/generated/incremental-alter-configs.js';
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


const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'];

/**
 * Applies the operations to a copy of `current`. `fallback` gives the value a list operation starts from
 * when the config is not set at this level (Kafka uses the config's default).
 */
export function applyOps(
  current: ReadonlyMap<string, string>,
  ops: IncrementalAlterConfigsRequestAlterableConfig[],
  defs: Record<string, ConfigDef>,
  fallback: (name: string) => string | null,
): Map<string, string> {
  const next = new Map(current);
  for (const op of ops) {
    switch (op.configOperation) {
      case 0: // SET
        if (op.value === null) next.delete(op.name);
        else next.set(op.name, op.value);
        break;
      case 1: // DELETE
        next.delete(op.name);
        break;
      case 2: case 3: { // APPEND, SUBTRACT
        if (defs[op.name]?.type !== 'list') {
          throw new KafkaError('INVALID_CONFIG', `Can't ${OP_NAMES[op.configOperation]} to key ${op.name} because its type is not LIST.`);
        }
        const base = next.get(op.name) ?? fallback(op.name);
        const parts = (base ?? '').split(',').filter((s) => s !== '');
        for (const item of (op.value ?? '').split(',')) {
          const at = parts.indexOf(item);
          if (op.configOperation === 2 && at < 0) parts.push(item);
          if (op.configOperation === 3 && at >= 0) parts.splice(at, 1);
        }
        next.set(op.name, parts.join(','));
        break;
      }
    }
  }
  return next;
}

export default defineHandler<IncrementalAlterConfigsRequest>({
  apiKey: 44,
  async handle(ctx, req): Promise<Input<IncrementalAlterConfigsResponse>> {
    const cfg = ctx.cluster.config;
    const { topic: topicDefs, broker: brokerDefs } = cfg.surface;
    const responses = await alterEachResource(ctx, req.resources, async (r) => {
      const bad = r.configs.find((c) => c.configOperation < 0 || c.configOperation > 3);
      if (bad) throw new KafkaError('INVALID_REQUEST', `Unknown alter configs op type ${bad.configOperation}`);
      const nulls = r.configs.filter((c) => c.configOperation !== 1 && c.value === null).map((c) => c.name);
      if (nulls.length) throw new KafkaError('INVALID_REQUEST', `Null value not supported for : ${nulls.join(', ')}`);
      switch (r.resourceType) {
        case RESOURCE.TOPIC: {
          let next = new Map<string, string>();
          const topic = alterableTopic(ctx.cluster, r.resourceName, (t) => {
            next = applyOps(t?.configs ?? new Map(), r.configs, topicDefs, (n) => topicDefs[n]?.default ?? null);
            validateTopicOverrides(ctx.cluster, next);
          });
          if (!req.validateOnly) await ctx.cluster.setTopicConfigs(topic, next);
          break;
        }
        case RESOURCE.BROKER: {
          const nodeId = brokerResourceId(ctx, r.resourceName);
          const current = nodeId === null ? cfg.dynamicDefault : (cfg.dynamicPerBroker.get(nodeId) ?? new Map<string, string>());
          const next = applyOps(current, r.configs, brokerDefs, (n) => cfg.explicit(n) ?? brokerDefs[n]?.default ?? null);
          // Only the names this request touches must be dynamic; the rest were accepted before.
          const touched = new Map([...next].filter(([k]) => r.configs.some((c) => c.name === k)));
          validateBrokerOverrides(ctx.cluster, touched);
          if (!req.validateOnly) await ctx.cluster.setBrokerConfigs(nodeId, next);
          break;
        }
        case RESOURCE.GROUP: {
          if (r.resourceName === '') throw new KafkaError('INVALID_REQUEST', 'Group name must not be empty');
          const groups = ctx.cluster.groupConfigs;
          const next = applyOps(groups.overrides(r.resourceName), r.configs, GROUP_CONFIGS, (n) => (n in GROUP_CONFIGS ? groups.brokerValue(n) : null));
          groups.validate(next);
          if (!req.validateOnly) await groups.set(r.resourceName, next);
          break;
        }
        case RESOURCE.CLIENT_METRICS: {
          const subs = ctx.cluster.clientMetrics;
          const next = applyOps(subs.overrides(r.resourceName), r.configs, CLIENT_METRICS_CONFIGS, (n) => CLIENT_METRICS_CONFIGS[n]?.default ?? null);
          subs.validate(r.resourceName, next);
          if (!req.validateOnly) await subs.set(r.resourceName, next);
          break;
        }
        case RESOURCE.BROKER_LOGGER: {
          brokerResourceId(ctx, r.resourceName);
          // kafkalite logs through pino, not log4j: DescribeConfigs lists no loggers, so none can be altered.
          const name = r.configs[0]?.name;
          if (name !== undefined) throw new KafkaError('INVALID_CONFIG', `Logger ${name} does not exist!`);
          break;
        }
        default:
          throw new KafkaError('INVALID_REQUEST', `Unsupported resource type: ${resourceTypeName(r.resourceType)}`);
      }
    });
    return { throttleTimeMs: 0, responses };
  },
});
