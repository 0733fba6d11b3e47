// ACL checks the admin APIs make, as Kafka's KafkaApis/ControllerApis do. Everything is allowed when no
// authorizer is installed (services.acl absent or disabled).
import type { RequestContext } from './context.js';

type OpName = 'READ' | 'WRITE' | 'CREATE' | 'DELETE' | 'ALTER' | 'DESCRIBE' | 'DESCRIBE_CONFIGS' | 'ALTER_CONFIGS' | 'CLUSTER_ACTION';

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

/**
 * Operations a principal may perform on the cluster when no authorizer decides otherwise: Kafka's
 * supported cluster operations (CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS,
 * IDEMPOTENT_WRITE) as a bit field of AclOperation codes.
 */
export const ALL_CLUSTER_OPERATIONS = [5, 7, 8, 9, 10, 11, 12].reduce((m, op) => m | (1 << op), 0);
