// AlterUserScramCredentials (key 51): upserts (salt + salted password + iterations computed by the client)
// and deletions of SCRAM credentials, one result per user, with Kafka's validation and messages.
import { ErrorCode } from '../protocol/errors.js';
import type { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../protocol/generated/alter-user-scram-credentials.js';
import type { Input } from '../protocol/primitives.js';
import { credentialFromSalted, MAX_ITERATIONS, MIN_ITERATIONS, SCRAM, scramMechanismByCode, type CredentialStore } from '../security/sasl/credentials.js';
import { defineHandler } from './context.js';

interface Result { errorCode: number; errorMessage: string | null }

export default defineHandler<AlterUserScramCredentialsRequest>({
  apiKey: 51,
  async handle(ctx, req): Promise<Input<AlterUserScramCredentialsResponse>> {
    const store = ctx.services.sasl?.credentials as CredentialStore | undefined;
    const users = [...new Set([...req.deletions.map((d) => d.name), ...req.upsertions.map((u) => u.name)])];
    const results = new Map<string, Result>(users.map((u) => [u, { errorCode: ErrorCode.NONE, errorMessage: null }]));
    const fail = (user: string, name: keyof typeof ErrorCode, msg: string) => {
      const r = results.get(user)!;
      if (r.errorCode === ErrorCode.NONE) results.set(user, { errorCode: ErrorCode[name], errorMessage: msg });
    };
    const respond = () => ({ throttleTimeMs: 0, results: users.map((user) => ({ user, ...results.get(user)! })) });
    if (ctx.services.acl && !ctx.services.acl.canCluster(ctx, 'ALTER')) {
      for (const u of users) fail(u, 'CLUSTER_AUTHORIZATION_FAILED', 'Cluster authorization failed.');
      return respond();
    }
    if (!store) {
      for (const u of users) fail(u, 'UNSUPPORTED_SASL_MECHANISM', 'SCRAM is not enabled on this broker');
      return respond();
    }
    // A user/mechanism pair may appear once per request, across deletions and upsertions.
    const seen = new Map<string, number>();
    for (const x of [...req.deletions, ...req.upsertions]) seen.set(`${x.name}\u0000${x.mechanism}`, (seen.get(`${x.name}\u0000${x.mechanism}`) ?? 0) + 1);
    for (const [key, n] of seen) if (n > 1) fail(key.split('\u0000')[0], 'DUPLICATE_RESOURCE', 'A user credential cannot be altered twice in the same request');
    const check = (name: string, mechanism: number) => {
      if (!name) fail(name, 'UNACCEPTABLE_CREDENTIAL', 'Username must not be empty');
      const mech = scramMechanismByCode(mechanism);
      if (!mech) fail(name, 'UNSUPPORTED_SASL_MECHANISM', 'Unknown SCRAM mechanism');
      return mech;
    };
    for (const u of req.upsertions) {
      check(u.name, u.mechanism);
      if (u.iterations < MIN_ITERATIONS) fail(u.name, 'UNACCEPTABLE_CREDENTIAL', 'Too few iterations');
      else if (u.iterations > MAX_ITERATIONS) fail(u.name, 'UNACCEPTABLE_CREDENTIAL', 'Too many iterations');
      const mech = scramMechanismByCode(u.mechanism);
      if (mech && u.saltedPassword.length !== SCRAM[mech].keyLen) fail(u.name, 'UNACCEPTABLE_CREDENTIAL', 'Invalid salted password');
      if (mech && u.salt.length === 0) fail(u.name, 'UNACCEPTABLE_CREDENTIAL', 'Salt must not be empty');
    }
    for (const d of req.deletions) {
      const mech = check(d.name, d.mechanism);
      if (mech && !store.scram(d.name, mech)) fail(d.name, 'RESOURCE_NOT_FOUND', 'Attempt to delete a user credential that does not exist');
    }
    // All-or-nothing per user: a user with any error gets none of its changes applied.
    for (const d of req.deletions) if (results.get(d.name)!.errorCode === ErrorCode.NONE) await store.delete(d.name, scramMechanismByCode(d.mechanism)!);
    for (const u of req.upsertions) {
      if (results.get(u.name)!.errorCode !== ErrorCode.NONE) continue;
      const mech = scramMechanismByCode(u.mechanism)!;
      await store.upsert(u.name, mech, credentialFromSalted(mech, Buffer.from(u.salt), Buffer.from(u.saltedPassword), u.iterations));
    }
    return respond();
  },
});
