// Helpers the group handlers share: finding the coordinator service, the checks a group request passes first
// (authorization, coordinator), and the client's host as Kafka reports it.
import type { RequestContext } from '../../broker/context.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { GroupCoordinator } from './coordinator.js';

export function groupService(ctx: RequestContext): GroupCoordinator | undefined {
  return ctx.services.groups as GroupCoordinator | undefined;
}

/** NONE, or the error a request for `groupId` arriving at this broker gets (NOT_COORDINATOR, ...). */
export function coordinatorCheck(ctx: RequestContext, groupId: string): number {
  const g = groupService(ctx);
  return g ? g.coordinatorError(ctx.broker, groupId) : ErrorCode.COORDINATOR_NOT_AVAILABLE;
}

/** Kafka reports the client address as InetAddress#toString, e.g. "/127.0.0.1". */
export function clientHost(ctx: RequestContext): string {
  return '/' + (ctx.conn.clientIp ?? '');
}

/** Bitfield of group operations (READ, DELETE, DESCRIBE) when no authorizer restricts them. */
export const ALL_GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
export const OPERATIONS_NOT_REQUESTED = -2147483648;

/** Kafka ACL operations the group APIs check (AclOperation codes). */
export const GROUP_READ = 3;
export const GROUP_DELETE = 6;
export const GROUP_DESCRIBE = 8;

/** Whether the authorizer (when one is installed) allows `op` on group `groupId`. */
export function groupAllowed(ctx: RequestContext, op: number, groupId: string): boolean {
  const acl = ctx.services.acl;
  return acl?.canGroup ? acl.canGroup(ctx, op, groupId) : true;
}

/**
 * NONE, or the error DescribeGroups / ConsumerGroupDescribe answer for `groupId` before looking the group up,
 * checked in Kafka's order: authorization, then coordinator, then an empty id.
 */
export function describeError(ctx: RequestContext, groupId: string): number {
  if (!groupAllowed(ctx, GROUP_DESCRIBE, groupId)) return ErrorCode.GROUP_AUTHORIZATION_FAILED;
  const err = coordinatorCheck(ctx, groupId);
  if (err) return err;
  return groupId ? ErrorCode.NONE : ErrorCode.INVALID_GROUP_ID;
}

/** The group's authorized operations when the request asks for them, else Kafka's "not requested" marker. */
export function authorizedOperations(ctx: RequestContext, groupId: string, requested: boolean): number {
  return requested ? (ctx.services.acl?.groupOperations?.(ctx, groupId) ?? ALL_GROUP_OPERATIONS) : OPERATIONS_NOT_REQUESTED;
}
