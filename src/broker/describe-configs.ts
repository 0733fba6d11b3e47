// DescribeConfigs (key 32): topic, broker, group and client metrics configs with value, source, synonyms (v1+), documentation and
// type (v3+), as Kafka's ConfigHelper. v0 has no source, only isDefault.
import { validateTopicName } from '../cluster/cluster.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type {
  DescribeConfigsRequest,
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResourceResult,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../protocol/generated/describe-configs.js';
import type { Input } from '../protocol/primitives.js';
import {
  RESOURCE,
  SOURCE,
  brokerConfigEntries,
  brokerResourceId,
  clientMetricsConfigEntries,
  groupConfigEntries,
  isClusterResource,
  resourceTypeName,
  topicConfigEntries,
  type ConfigEntry,
} from './admin-configs.js';
import { clusterAllowed, groupAllowed, topicAllowed } from './admin-acl.js';
import { defineHandler, type RequestContext } from './context.js';
import { toError } from './util.js';

type ResultOut = Input<DescribeConfigsResponseDescribeConfigsResult>;
type EntryOut = Input<DescribeConfigsResponseDescribeConfigsResourceResult>;

function entriesFor(ctx: RequestContext, type: number, name: string, includeDocumentation: boolean): ConfigEntry[] | null {
  switch (type) {
    case RESOURCE.TOPIC: {
      validateTopicName(name);
      const topic = ctx.cluster.topics.get(name);
      return topic ? topicConfigEntries(ctx, topic.configs, includeDocumentation) : null;
    }
    case RESOURCE.BROKER:
      return brokerConfigEntries(ctx, brokerResourceId(ctx, name, true), includeDocumentation);
    case RESOURCE.GROUP:
      return groupConfigEntries(ctx, name, includeDocumentation);
    case RESOURCE.CLIENT_METRICS:
      return clientMetricsConfigEntries(ctx, name, includeDocumentation);
    case RESOURCE.BROKER_LOGGER:
      if (name === '') throw new KafkaError('INVALID_REQUEST', 'Broker id must not be empty');
      if (!/^-?\d+$/.test(name)) throw new KafkaError('INVALID_REQUEST', `Broker id must be an integer, but it is: ${name}`);
      if (Number(name) !== ctx.broker.nodeId) throw new KafkaError('INVALID_REQUEST', `Unexpected broker id, expected ${ctx.broker.nodeId} but received ${name}`);
      // kafkalite logs through pino, not log4j: there are no named loggers to list.
      return [];
    default:
      throw new KafkaError('INVALID_REQUEST', `Unsupported resource type: ${resourceTypeName(type)}`);
  }
}

export default defineHandler<DescribeConfigsRequest>({
  apiKey: 32,
  handle(ctx, req): Input<DescribeConfigsResponse> {
    const v = ctx.apiVersion;
    const results: ResultOut[] = req.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      if (r.resourceType === RESOURCE.TOPIC && !topicAllowed(ctx, 'DESCRIBE_CONFIGS', r.resourceName)) {
        return { ...base, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Topic authorization failed.', configs: [] };
      }
      if (isClusterResource(r.resourceType) && !clusterAllowed(ctx, 'DESCRIBE_CONFIGS')) {
        return { ...base, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', configs: [] };
      }
      if (r.resourceType === RESOURCE.GROUP && !groupAllowed(ctx, 'DESCRIBE_CONFIGS', r.resourceName)) {
        return { ...base, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, errorMessage: 'Group authorization failed.', configs: [] };
      }
      try {
        const all = entriesFor(ctx, r.resourceType, r.resourceName, v >= 3 && req.includeDocumentation);
        if (all === null) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, configs: [] };
        // A null or empty key list means every config.
        const keys = r.configurationKeys?.length ? new Set(r.configurationKeys) : null;
        const configs: EntryOut[] = all.filter((e) => !keys || keys.has(e.name)).map((e) => ({
          name: e.name,
          value: e.value,
          readOnly: e.readOnly,
          isDefault: e.source === SOURCE.DEFAULT_CONFIG,
          configSource: e.source,
          isSensitive: e.isSensitive,
          synonyms: v >= 1 && req.includeSynonyms ? e.synonyms : [],
          configType: e.configType,
          documentation: e.documentation,
        }));
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
      } catch (e) {
        return { ...base, ...toError(e, ctx), configs: [] };
      }
    });
    return { throttleTimeMs: 0, results };
  },
});
