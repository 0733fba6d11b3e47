// ACL checks the admin APIs make, as Kafka's KafkaApis/ControllerApis do. Everything is allowed when no
// authorizer is installed (services.acl absent or disabled).
import type { RequestContext } from './context.js';

type OpName = 'CREATE' | 'DELETE' | 'ALTER' | 'DESCRIBE' | 'DESCRIBE_CONFIGS' | 'ALTER_CONFIGS' | 'CLUSTER_ACTION';

export function topicAllowed(ctx: RequestContext, op: OpName, topic: string): boolean {
  const acl = ctx.services.acl;
  return !acl?.canTopic || acl.canTopic(ctx, op, topic);
}

export function clusterAllowed(ctx: RequestContext, op: OpName): boolean {
  const acl = ctx.services.acl;
  return !acl?.canCluster || acl.canCluster(ctx, op);
}

export function groupAllowed(ctx: RequestContext, op: OpName, groupId: string): boolean {
  const acl = ctx.services.acl;
  return !acl?.canGroup || acl.canGroup(ctx, op, groupId);
}

/** An operation on a topic allowed through the cluster resource or the topic itself (CreateTopics, DeleteTopics...). */
export function topicOrClusterAllowed(ctx: RequestContext, op: OpName, topic: string): boolean {
  return clusterAllowed(ctx, op) || topicAllowed(ctx, op, topic);
}
