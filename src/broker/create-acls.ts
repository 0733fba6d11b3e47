// CreateAcls (key 30): adds ACL bindings; each creation succeeds or fails on its own.
import type { CreateAclsRequest, CreateAclsResponse } from '../protocol/generated/create-acls.js';
import type { Input } from '../protocol/primitives.js';
import type { AclBinding } from '../security/acl.js';
import { aclGuard } from '../security/acl-requests.js';
import { defineHandler } from './context.js';

export default defineHandler<CreateAclsRequest>({
  apiKey: 30,
  async handle(ctx, req): Promise<Input<CreateAclsResponse>> {
    const guard = aclGuard(ctx, 'ALTER');
    if (guard) return { throttleTimeMs: 0, results: req.creations.map(() => guard) };
    const bindings: AclBinding[] = req.creations.map((c) => ({
      resourceType: c.resourceType,
      resourceName: c.resourceName,
      patternType: c.resourcePatternType,
      principal: c.principal,
      host: c.host,
      operation: c.operation,
      permissionType: c.permissionType,
    }));
    const errors = await ctx.services.acl.create(bindings);
    return {
      throttleTimeMs: 0,
      results: errors.map((e: { code: number; message: string } | null) => (e ? { errorCode: e.code, errorMessage: e.message } : { errorCode: 0, errorMessage: null })),
    };
  },
});
