// DescribeAcls (key 29): the ACL bindings matching a filter, grouped by resource pattern.
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeAclsRequest, DescribeAclsResponse, DescribeAclsResponseDescribeAclsResource } from '../protocol/generated/describe-acls.js';
import type { Input } from '../protocol/primitives.js';
import { aclGuard, filterError, toFilter } from '../security/acl-requests.js';
import { defineHandler } from './context.js';

export default defineHandler<DescribeAclsRequest>({
  apiKey: 29,
  handle(ctx, req): Input<DescribeAclsResponse> {
    const guard = aclGuard(ctx, 'DESCRIBE');
    if (guard) return { throttleTimeMs: 0, ...guard, resources: [] };
    const filter = toFilter(req.resourceTypeFilter, req.resourceNameFilter, req.patternTypeFilter, req.principalFilter, req.hostFilter, req.operation, req.permissionType);
    const bad = filterError(filter, ctx.apiVersion);
    if (bad) return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: bad, resources: [] };
    const byResource = new Map<string, Input<DescribeAclsResponseDescribeAclsResource>>();
    for (const b of ctx.services.acl.describe(filter)) {
      const key = `${b.resourceType}\u0000${b.patternType}\u0000${b.resourceName}`;
      let r = byResource.get(key);
      if (!r) byResource.set(key, (r = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] }));
      (r.acls as object[]).push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permissionType });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...byResource.values()] };
  },
});
