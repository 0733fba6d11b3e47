// DeleteAcls (key 31): removes the ACL bindings matching each filter and reports them.
import { ErrorCode } from '../protocol/errors.js';
import type { DeleteAclsRequest, DeleteAclsResponse } from '../protocol/generated/delete-acls.js';
import type { Input } from '../protocol/primitives.js';
import type { AclBinding, AclFilter } from '../security/acl.js';
import { aclGuard, filterError, toFilter } from '../security/acl-requests.js';
import { defineHandler } from './context.js';

export default defineHandler<DeleteAclsRequest>({
  apiKey: 31,
  async handle(ctx, req): Promise<Input<DeleteAclsResponse>> {
    const guard = aclGuard(ctx, 'ALTER');
    if (guard) return { throttleTimeMs: 0, filterResults: req.filters.map(() => ({ ...guard, matchingAcls: [] })) };
    const filters = req.filters.map((f) => toFilter(f.resourceTypeFilter, f.resourceNameFilter, f.patternTypeFilter, f.principalFilter, f.hostFilter, f.operation, f.permissionType));
    const errors = filters.map((f) => filterError(f, ctx.apiVersion));
    const valid = filters.filter((_, i) => !errors[i]);
    const removed: AclBinding[][] = await ctx.services.acl.delete(valid);
    let next = 0;
    return {
      throttleTimeMs: 0,
      filterResults: filters.map((_f: AclFilter, i) => {
        if (errors[i]) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: errors[i], matchingAcls: [] };
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          matchingAcls: removed[next++].map((b) => ({
            errorCode: ErrorCode.NONE, errorMessage: null, resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType,
            principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permissionType,
          })),
        };
      }),
    };
  },
});
