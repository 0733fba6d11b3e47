// Shared checks of the ACL admin requests (DescribeAcls, CreateAcls, DeleteAcls).
import type { RequestContext } from '../broker/context.js';
import { ErrorCode } from '../protocol/errors.js';
import { AclOperation, PatternType, PermissionType, ResourceType, type AclFilter, type Authorizer } from './acl.js';

/** SECURITY_DISABLED without an authorizer, CLUSTER_AUTHORIZATION_FAILED without `op` on the cluster; else null. */
export function aclGuard(ctx: RequestContext, op: 'DESCRIBE' | 'ALTER'): { errorCode: number; errorMessage: string } | null {
  const acl = ctx.services.acl as Authorizer | undefined;
  if (!acl?.enabled) return { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: 'No Authorizer is configured on the broker' };
  if (!acl.canCluster(ctx, op)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' };
  return null;
}

export function toFilter(resourceType: number, resourceName: string | null, patternType: number, principal: string | null, host: string | null, operation: number, permissionType: number): AclFilter {
  return { resourceType, resourceName, patternType, principal, host, operation, permissionType };
}

/** Kafka rejects filters holding UNKNOWN elements; v0 requests only know LITERAL patterns. */
export function filterError(f: AclFilter, version: number): string | null {
  if (f.resourceType === ResourceType.UNKNOWN || f.patternType === PatternType.UNKNOWN || f.operation === AclOperation.UNKNOWN || f.permissionType === PermissionType.UNKNOWN) {
    return 'Filter contain UNKNOWN elements';
  }
  if (f.resourceType > ResourceType.USER || f.patternType > PatternType.PREFIXED || f.operation > AclOperation.DESCRIBE_TOKENS || f.permissionType > PermissionType.ALLOW) {
    return 'Filter contain UNKNOWN elements';
  }
  if (version === 0 && f.patternType !== PatternType.LITERAL) return 'Version 0 only supports literal resource pattern types';
  return null;
}
