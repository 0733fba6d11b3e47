// ListConfigResources (key 74; v0 was ListClientMetricsResources): the names of the config resources of the types
// asked for (none: all this version knows), as Kafka 4.1 lists them: groups with configs, client metrics
// subscriptions, the brokers (as BROKER_LOGGER and as BROKER), then every topic.
import { ErrorCode } from '../protocol/errors.js';
import type { ListConfigResourcesRequest, ListConfigResourcesResponse } from '../protocol/generated/list-config-resources.js';
import type { Input } from '../protocol/primitives.js';
import { clusterAllowed } from './admin-acl.js';
import { RESOURCE } from './admin-configs.js';
import { defineHandler } from './context.js';

const ORDER = [RESOURCE.GROUP, RESOURCE.CLIENT_METRICS, RESOURCE.BROKER_LOGGER, RESOURCE.BROKER, RESOURCE.TOPIC];

export default defineHandler<ListConfigResourcesRequest>({
  apiKey: 74,
  handle(ctx, req): Input<ListConfigResourcesResponse> {
    const none = { throttleTimeMs: 0, configResources: [] };
    if (!clusterAllowed(ctx, 'DESCRIBE_CONFIGS')) return { ...none, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED };
    const supported: number[] = ctx.apiVersion === 0 ? [RESOURCE.CLIENT_METRICS] : ORDER;
    const asked = ctx.apiVersion >= 1 && req.resourceTypes.length > 0 ? req.resourceTypes : supported;
    if (asked.some((t) => !supported.includes(t))) return { ...none, errorCode: ErrorCode.UNSUPPORTED_VERSION };
    const { cluster } = ctx;
    const names = (type: number): string[] => {
      switch (type) {
        case RESOURCE.GROUP: return cluster.groupConfigs.names();
        case RESOURCE.CLIENT_METRICS: return cluster.clientMetrics.names();
        case RESOURCE.BROKER_LOGGER:
        case RESOURCE.BROKER: return cluster.liveBrokers().map((b) => String(b.nodeId));
        default: return [...cluster.topics.keys()];
      }
    };
    const configResources = ORDER.filter((t) => asked.includes(t)).flatMap((t) => names(t).map((resourceName) => ({ resourceName, resourceType: t })));
    return { ...none, errorCode: ErrorCode.NONE, configResources };
  },
});
