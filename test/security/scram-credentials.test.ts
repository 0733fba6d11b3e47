// DescribeUserScramCredentials / AlterUserScramCredentials (KIP-554) through the protocol (kafkajs has no
// admin call for them): the client salts and hashes, the broker keeps StoredKey/ServerKey only, kafkajs then
// logs in with SCRAM as the new user; Kafka's validation errors; credentials survive a restart (file engine).
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { KafkaJSSASLAuthenticationError, type SASLOptions } from 'kafkajs';
import { ErrorCode } from '../../src/protocol/errors.js';
import type { RunningBroker } from '../../src/kafkalite.js';
import { kafkajs, startTestBroker } from '../compat/helpers.js';
import { RawClient } from './raw-client.js';

const DESCRIBE = 50;
const ALTER = 51;
const SHA256 = 1;
const SHA512 = 2;

function upsertion(name: string, mechanism: number, password: string, iterations = 4096) {
  const salt = randomBytes(16);
  const [digest, len] = mechanism === SHA256 ? ['sha256', 32] : ['sha512', 64];
  return { name, mechanism, iterations, salt, saltedPassword: pbkdf2Sync(password, salt, iterations, len as number, digest as string) };
}

async function canLogin(broker: RunningBroker, mechanism: string, username: string, password: string): Promise<boolean> {
  const admin = kafkajs(broker, {
    brokers: [`127.0.0.1:${broker.brokers[0].ports.SASL_PLAINTEXT}`],
    sasl: { mechanism, username, password } as SASLOptions,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch (e) {
    if (e instanceof KafkaJSSASLAuthenticationError) return false;
    throw e;
  } finally {
    await admin.disconnect();
  }
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

describe('SCRAM credential administration', () => {
  test('upsert, describe, log in with kafkajs, delete; configured users are listed too', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'kafkalite-scram-'));
    dirs.push(dataDir);
    const opts = { port: undefined, memory: false, dataDir, listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', saslUsers: 'admin:admin-secret' };
    let broker = await startTestBroker(opts);
    let c = await RawClient.connect(broker.brokers[0].ports.PLAINTEXT);
    try {
      const alter = await c.request(ALTER, 0, {
        deletions: [],
        upsertions: [upsertion('carol', SHA256, 'carol-256'), upsertion('carol', SHA512, 'carol-512', 8192)],
      });
      expect(alter.results).toEqual([{ user: 'carol', errorCode: 0, errorMessage: null }]);

      const all = await c.request(DESCRIBE, 0, { users: null });
      expect(all.errorCode).toBe(0);
      expect(all.results).toEqual([
        { user: 'admin', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: SHA256, iterations: 4096 }, { mechanism: SHA512, iterations: 4096 }] },
        { user: 'carol', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: SHA256, iterations: 4096 }, { mechanism: SHA512, iterations: 8192 }] },
      ]);
      expect(await canLogin(broker, 'scram-sha-256', 'carol', 'carol-256')).toBe(true);
      expect(await canLogin(broker, 'scram-sha-512', 'carol', 'carol-512')).toBe(true);
      expect(await canLogin(broker, 'scram-sha-512', 'carol', 'carol-256')).toBe(false);

      // Change a password: the old one stops working.
      await c.request(ALTER, 0, { deletions: [], upsertions: [upsertion('carol', SHA256, 'carol-new')] });
      expect(await canLogin(broker, 'scram-sha-256', 'carol', 'carol-256')).toBe(false);
      expect(await canLogin(broker, 'scram-sha-256', 'carol', 'carol-new')).toBe(true);

      // A configured (--sasl-users) user's SCRAM credential can be deleted too.
      expect((await c.request(ALTER, 0, { deletions: [{ name: 'admin', mechanism: SHA512 }], upsertions: [] })).results[0].errorCode).toBe(0);
      expect(await canLogin(broker, 'scram-sha-512', 'admin', 'admin-secret')).toBe(false);
      expect(await canLogin(broker, 'scram-sha-256', 'admin', 'admin-secret')).toBe(true);
    } finally {
      c.close();
      await broker.stop();
    }

    // Persisted (salted keys only, never the password), and back after a restart.
    const stored = listFiles(dataDir).map((f) => readFileSync(f).toString('latin1')).join('\n');
    expect(stored).not.toContain('carol-new');
    expect(stored).not.toContain('admin-secret');
    broker = await startTestBroker(opts);
    c = await RawClient.connect(broker.brokers[0].ports.PLAINTEXT);
    try {
      const d = await c.request(DESCRIBE, 0, { users: [{ name: 'carol' }, { name: 'admin' }] });
      expect(d.results).toEqual([
        { user: 'carol', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: SHA256, iterations: 4096 }, { mechanism: SHA512, iterations: 8192 }] },
        { user: 'admin', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: SHA256, iterations: 4096 }] },
      ]);
      expect(await canLogin(broker, 'scram-sha-256', 'carol', 'carol-new')).toBe(true);
      expect(await canLogin(broker, 'scram-sha-512', 'admin', 'admin-secret')).toBe(false);

      await c.request(ALTER, 0, { deletions: [{ name: 'carol', mechanism: SHA256 }, { name: 'carol', mechanism: SHA512 }], upsertions: [] });
      expect((await c.request(DESCRIBE, 0, { users: [{ name: 'carol' }] })).results).toEqual([
        { user: 'carol', errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist', credentialInfos: [] },
      ]);
      expect(await canLogin(broker, 'scram-sha-256', 'carol', 'carol-new')).toBe(false);
    } finally {
      c.close();
      await broker.stop();
    }
  });

  test("Kafka's validation: iterations, mechanism, duplicates, missing users", async () => {
    const broker = await startTestBroker({ listeners: 'PLAINTEXT://127.0.0.1:0', port: undefined });
    const c = await RawClient.connect(broker.brokers[0].ports.PLAINTEXT);
    try {
      const res = await c.request(ALTER, 0, {
        deletions: [{ name: 'ghost', mechanism: SHA256 }, { name: 'dup', mechanism: SHA256 }, { name: 'bad-mech', mechanism: 9 }],
        upsertions: [upsertion('few', SHA256, 'x', 1000), upsertion('many', SHA512, 'x', 20000), upsertion('dup', SHA256, 'x'), upsertion('', SHA256, 'x')],
      });
      const byUser = Object.fromEntries(res.results.map((r: any) => [r.user, [r.errorCode, r.errorMessage]]));
      expect(byUser).toEqual({
        ghost: [ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'],
        dup: [ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request'],
        'bad-mech': [ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism'],
        few: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations'],
        many: [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations'],
        '': [ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty'],
      });
      // Nothing of a failed request was applied.
      expect((await c.request(DESCRIBE, 0, { users: [] })).results).toEqual([]);
      const dupDescribe = await c.request(DESCRIBE, 0, { users: [{ name: 'x' }, { name: 'x' }] });
      expect(dupDescribe.results).toEqual([
        { user: 'x', errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request', credentialInfos: [] },
      ]);
    } finally {
      c.close();
      await broker.stop();
    }
  });

  test('with the authorizer on, altering credentials needs ALTER on the cluster', async () => {
    const broker = await startTestBroker({ listeners: 'PLAINTEXT://127.0.0.1:0', port: undefined, authorizer: true });
    const c = await RawClient.connect(broker.brokers[0].ports.PLAINTEXT);
    try {
      const res = await c.request(ALTER, 0, { deletions: [], upsertions: [upsertion('eve', SHA256, 'x')] });
      expect(res.results).toEqual([{ user: 'eve', errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.' }]);
      expect((await c.request(DESCRIBE, 0, { users: null })).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    } finally {
      c.close();
      await broker.stop();
    }
  });
});
