// DescribeUserScramCredentials (key 50): mechanisms and iterations of users' SCRAM credentials (never the keys).
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../protocol/generated/describe-user-scram-credentials.js';
import type { Input } from '../protocol/primitives.js';
import type { CredentialStore } from '../security/sasl/credentials.js';
import { SCRAM, SCRAM_MECHANISMS } from '../security/sasl/credentials.js';
import { defineHandler } from './context.js';

export default defineHandler<DescribeUserScramCredentialsRequest>({
  apiKey: 50,
  handle(ctx, req): Input<DescribeUserScramCredentialsResponse> {
    const store = ctx.services.sasl?.credentials as CredentialStore | undefined;
    if (ctx.services.acl && !ctx.services.acl.canCluster(ctx, 'DESCRIBE')) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', results: [] };
    }
    const describe = (user: string) => {
      const infos = store ? SCRAM_MECHANISMS.flatMap((m) => {
        const c = store.scram(user, m);
        return c ? [{ mechanism: SCRAM[m].code, iterations: c.iterations }] : [];
      }) : [];
      if (infos.length === 0) {
        return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] };
      }
      return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos };
    };
    // null or empty: every user with a credential.
    if (!req.users || req.users.length === 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results: (store?.scramUsers() ?? []).map(describe) };
    }
    const counts = new Map<string, number>();
    for (const u of req.users) counts.set(u.name, (counts.get(u.name) ?? 0) + 1);
    const results = [...counts].map(([user, n]) => n > 1
      ? { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentialInfos: [] }
      : describe(user));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
  },
});
