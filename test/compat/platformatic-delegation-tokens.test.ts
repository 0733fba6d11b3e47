// Delegation tokens (keys 38-41) through @platformatic/kafka's own codecs: kafkalite answers as a Kafka broker with
// tokens disabled (no delegation.token.secret.key, Kafka's default) — DELEGATION_TOKEN_REQUEST_NOT_ALLOWED over a
// channel that is not authenticated, DELEGATION_TOKEN_AUTH_DISABLED over SASL — instead of closing the connection.
import { Connection, createDelegationTokenV3, describeDelegationTokenV3, expireDelegationTokenV2, renewDelegationTokenV2 } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { platformaticResponse, startTestBroker } from './helpers.js';

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startTestBroker({ port: undefined, listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', saslUsers: { alice: 'alice-secret' } });
});
afterAll(() => broker?.stop());

const call = platformaticResponse;

async function allFour(conn: Connection): Promise<Record<string, any>> {
  const hmac = Buffer.from('not-a-token');
  return {
    create: await call(createDelegationTokenV3.api.async(conn, null, null, [], -1n)),
    renew: await call(renewDelegationTokenV2.api.async(conn, hmac, -1n)),
    expire: await call(expireDelegationTokenV2.api.async(conn, hmac, -1n)),
    describe: await call(describeDelegationTokenV3.api.async(conn, [])),
  };
}

describe('delegation tokens via @platformatic/kafka', () => {
  it('are not allowed over PLAINTEXT', async () => {
    const conn = new Connection('kafkalite-test');
    await conn.connect('127.0.0.1', broker.brokers[0].ports.PLAINTEXT);
    try {
      const r = await allFour(conn);
      for (const k of ['create', 'renew', 'expire', 'describe']) expect(r[k].errorCode, k).toBe(ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED);
      expect(r.create).toMatchObject({ principalType: 'User', principalName: 'ANONYMOUS', tokenRequesterPrincipalName: 'ANONYMOUS', expiryTimestampMs: -1n });
      expect(r.describe.tokens).toEqual([]);
    } finally {
      await conn.close();
    }
  });

  it('are disabled for an authenticated client, as on a Kafka without delegation.token.secret.key', async () => {
    const conn = new Connection('kafkalite-test', { sasl: { mechanism: 'PLAIN', username: 'alice', password: 'alice-secret' } });
    await conn.connect('127.0.0.1', broker.brokers[0].ports.SASL_PLAINTEXT);
    try {
      const r = await allFour(conn);
      for (const k of ['create', 'renew', 'expire', 'describe']) expect(r[k].errorCode, k).toBe(ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED);
      expect(r.create).toMatchObject({ principalName: 'alice', tokenRequesterPrincipalName: 'alice' });
      const other = await call(createDelegationTokenV3.api.async(conn, 'User', 'bob', [{ principalType: 'Group', principalName: 'ops' }], -1n));
      expect(other).toMatchObject({ errorCode: ErrorCode.INVALID_PRINCIPAL_TYPE, principalName: 'bob', tokenRequesterPrincipalName: 'alice' });
    } finally {
      await conn.close();
    }
  });
});
