// The SASL state machine at the protocol level, with exact requests: what Kafka answers in each state
// (ILLEGAL_SASL_STATE, UNSUPPORTED_SASL_MECHANISM, SASL_AUTHENTICATION_FAILED and their messages), the raw
// token flow after SaslHandshake v0, OAUTHBEARER's error challenge, re-authentication and session expiry.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.js';
import type { RunningBroker } from '../../src/kafkalite.js';
import { startTestBroker } from '../compat/helpers.js';
import { RawClient, unsecuredJwt } from './raw-client.js';

const HANDSHAKE = 17;
const AUTHENTICATE = 36;
const METADATA = 3;
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

const plainToken = (user: string, password: string, authzid = '') => Buffer.from(`${authzid}\0${user}\0${password}`);

/** The client side of SCRAM (RFC 5802), to drive the server through raw or framed tokens. */
function scramClient(mech: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string, password: string, finalNonce = (full: string, _client: string) => full) {
  const digest = mech === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const keyLen = digest === 'sha256' ? 32 : 64;
  const nonce = randomBytes(16).toString('base64url');
  const first = `n=${user},r=${nonce}`;
  let serverSignature = '';
  return {
    first: () => Buffer.from(`n,,${first}`),
    final(serverFirst: string) {
      const attrs = Object.fromEntries(serverFirst.split(',').map((kv) => [kv[0], kv.slice(2)]));
      expect(attrs.r.startsWith(nonce)).toBe(true);
      const salted = pbkdf2Sync(password, Buffer.from(attrs.s, 'base64'), Number(attrs.i), keyLen, digest);
      const clientKey = createHmac(digest, salted).update('Client Key').digest();
      const storedKey = createHash(digest).update(clientKey).digest();
      const withoutProof = `c=biws,r=${finalNonce(attrs.r, nonce)}`;
      const authMessage = `${first},${serverFirst},${withoutProof}`;
      const sig = createHmac(digest, storedKey).update(authMessage).digest();
      const proof = Buffer.from(clientKey.map((b, i) => b ^ sig[i]));
      serverSignature = createHmac(digest, createHmac(digest, salted).update('Server Key').digest()).update(authMessage).digest('base64');
      return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
    },
    verify(serverFinal: string) {
      expect(serverFinal).toBe(`v=${serverSignature}`);
    },
  };
}

describe('SASL at the protocol level', () => {
  let broker: RunningBroker;
  const clients: RawClient[] = [];
  beforeAll(async () => {
    broker = await startTestBroker({
      port: undefined,
      listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0',
      saslUsers: 'test:testtest,bob:bobbob',
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await broker?.stop();
  });
  const connect = async (listener: 'PLAINTEXT' | 'SASL_PLAINTEXT' = 'SASL_PLAINTEXT') => {
    const c = await RawClient.connect(broker.brokers[0].ports[listener]);
    clients.push(c);
    return c;
  };
  async function login(c: RawClient, user = 'test', password = 'testtest', version = 2) {
    expect(await c.request(HANDSHAKE, 1, { mechanism: 'PLAIN' })).toMatchObject({ errorCode: 0, mechanisms: MECHANISMS });
    return c.request(AUTHENTICATE, version, { authBytes: plainToken(user, password) });
  }

  test('on a PLAINTEXT listener SASL requests get ILLEGAL_SASL_STATE', async () => {
    const c = await connect('PLAINTEXT');
    expect(await c.request(HANDSHAKE, 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
    expect(await c.request(AUTHENTICATE, 1, { authBytes: plainToken('test', 'testtest') })).toMatchObject({
      errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received after successful authentication',
    });
    expect((await c.request(METADATA, 12, { topics: null })).brokers).toHaveLength(1);
  });

  test('requests other than ApiVersions/SaslHandshake before authentication close the connection', async () => {
    const c = await connect();
    expect((await c.request(18, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' })).errorCode).toBe(0);
    await expect(c.request(METADATA, 12, { topics: null })).rejects.toThrow(/connection closed/);
  });

  test('an unsupported mechanism: UNSUPPORTED_SASL_MECHANISM with the enabled list, then the connection closes', async () => {
    const c = await connect();
    expect(await c.request(HANDSHAKE, 1, { mechanism: 'GSSAPI' })).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: MECHANISMS });
    expect(await c.waitClosed()).toBe(true);
  });

  test('SaslAuthenticate without SaslHandshake: ILLEGAL_SASL_STATE, then close', async () => {
    const c = await connect();
    expect(await c.request(AUTHENTICATE, 2, { authBytes: plainToken('test', 'testtest') })).toMatchObject({ errorCode: ErrorCode.ILLEGAL_SASL_STATE });
    expect(await c.waitClosed()).toBe(true);
  });

  test('PLAIN through SaslAuthenticate v0, v1 and v2; the wrong password gets Kafka\'s message and a close', async () => {
    for (const v of [0, 1, 2]) {
      const c = await connect();
      expect(await login(c, 'test', 'testtest', v)).toMatchObject({ errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0) });
      expect((await c.request(METADATA, 12, { topics: null })).brokers).toHaveLength(1);
    }
    const bad = await connect();
    expect(await login(bad, 'test', 'nope')).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed: Invalid username or password', sessionLifetimeMs: 0,
    });
    expect(await bad.waitClosed()).toBe(true);
    const noUser = await connect();
    await noUser.request(HANDSHAKE, 1, { mechanism: 'PLAIN' });
    expect(await noUser.request(AUTHENTICATE, 2, { authBytes: Buffer.from('only-one-token') })).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN',
    });
  });

  test('SCRAM through SaslAuthenticate; a bad proof fails with the generic SCRAM message', async () => {
    for (const mech of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      const c = await connect();
      expect((await c.request(HANDSHAKE, 1, { mechanism: mech })).errorCode).toBe(0);
      const scram = scramClient(mech, 'bob', 'bobbob');
      const first = await c.request(AUTHENTICATE, 2, { authBytes: scram.first() });
      expect(first.errorCode).toBe(0);
      expect(first.authBytes.toString()).toMatch(/^r=.+,s=.+,i=4096$/);
      const final = await c.request(AUTHENTICATE, 2, { authBytes: scram.final(first.authBytes.toString()) });
      expect(final.errorCode).toBe(0);
      scram.verify(final.authBytes.toString());
    }
    // librdkafka < 2.6.1 sends its client nonce once more in front of the full nonce; Kafka 3.8.1-3.9 accept it.
    const dup = await connect();
    await dup.request(HANDSHAKE, 1, { mechanism: 'SCRAM-SHA-256' });
    const old = scramClient('SCRAM-SHA-256', 'bob', 'bobbob', (full, client) => client + full);
    const oldFirst = await dup.request(AUTHENTICATE, 2, { authBytes: old.first() });
    expect((await dup.request(AUTHENTICATE, 2, { authBytes: old.final(oldFirst.authBytes.toString()) })).errorCode).toBe(0);
    // Only the client's nonce (no server part) is a replay: refused.
    const replay = await connect();
    await replay.request(HANDSHAKE, 1, { mechanism: 'SCRAM-SHA-256' });
    const r = scramClient('SCRAM-SHA-256', 'bob', 'bobbob', (_full, client) => client);
    const rFirst = await replay.request(AUTHENTICATE, 2, { authBytes: r.first() });
    expect((await replay.request(AUTHENTICATE, 2, { authBytes: r.final(rFirst.authBytes.toString()) })).errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);

    const c = await connect();
    await c.request(HANDSHAKE, 1, { mechanism: 'SCRAM-SHA-256' });
    const scram = scramClient('SCRAM-SHA-256', 'bob', 'not-bobs');
    const first = await c.request(AUTHENTICATE, 2, { authBytes: scram.first() });
    expect(await c.request(AUTHENTICATE, 2, { authBytes: scram.final(first.authBytes.toString()) })).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
    });
    expect(await c.waitClosed()).toBe(true);
  });

  test('SaslHandshake v0: raw size-prefixed tokens without Kafka headers (PLAIN and SCRAM), then Kafka requests', async () => {
    const c = await connect();
    expect(await c.request(HANDSHAKE, 0, { mechanism: 'PLAIN' })).toEqual({ errorCode: 0, mechanisms: MECHANISMS });
    expect(await c.rawToken(plainToken('test', 'testtest'))).toEqual(Buffer.alloc(0));
    expect((await c.request(METADATA, 1, { topics: null })).brokers).toHaveLength(1);

    const s = await connect();
    await s.request(HANDSHAKE, 0, { mechanism: 'SCRAM-SHA-512' });
    const scram = scramClient('SCRAM-SHA-512', 'test', 'testtest');
    const serverFirst = await s.rawToken(scram.first());
    const serverFinal = await s.rawToken(scram.final(serverFirst!.toString()));
    scram.verify(serverFinal!.toString());
    expect((await s.request(METADATA, 1, { topics: null })).brokers).toHaveLength(1);

    const bad = await connect();
    await bad.request(HANDSHAKE, 0, { mechanism: 'PLAIN' });
    expect(await bad.rawToken(plainToken('test', 'wrong'))).toBeNull();
    expect(bad.closed).toBe(true);
  });

  test('a Kafka request pipelined right behind the last raw token is decoded as a request', async () => {
    const c = await connect();
    await c.request(HANDSHAKE, 0, { mechanism: 'PLAIN' });
    const pending = c.rawToken(plainToken('test', 'testtest'));
    const meta = c.request(METADATA, 1, { topics: null });
    expect(await pending).toEqual(Buffer.alloc(0));
    expect((await meta).brokers).toHaveLength(1);

    // The same through SaslAuthenticate: the handshake, token and a request written at once.
    const p = await connect();
    const handshake = p.request(HANDSHAKE, 1, { mechanism: 'PLAIN' });
    const auth = p.request(AUTHENTICATE, 2, { authBytes: plainToken('test', 'testtest') });
    const meta2 = p.request(METADATA, 12, { topics: null });
    expect((await handshake).errorCode).toBe(0);
    expect((await auth).errorCode).toBe(0);
    expect((await meta2).brokers).toHaveLength(1);
  });

  test('OAUTHBEARER: an invalid token gets {"status":"invalid_token"}, the client\'s \\x01 then fails the exchange', async () => {
    const ok = await connect();
    await ok.request(HANDSHAKE, 1, { mechanism: 'OAUTHBEARER' });
    const exp = Math.floor(Date.now() / 1000) + 600;
    const good = await ok.request(AUTHENTICATE, 2, { authBytes: Buffer.from(`n,,\x01auth=Bearer ${unsecuredJwt({ sub: 'svc', exp })}\x01\x01`) });
    expect(good).toMatchObject({ errorCode: 0, authBytes: Buffer.alloc(0) });
    // The session lasts until the token expires, so the client re-authenticates with a fresh one.
    expect(good.sessionLifetimeMs).toBeGreaterThan(590_000);
    expect(good.sessionLifetimeMs).toBeLessThanOrEqual(600_000);

    const c = await connect();
    await c.request(HANDSHAKE, 1, { mechanism: 'OAUTHBEARER' });
    const expired = await c.request(AUTHENTICATE, 2, { authBytes: Buffer.from(`n,,\x01auth=Bearer ${unsecuredJwt({ sub: 'svc', exp: 1 })}\x01\x01`) });
    expect(expired.errorCode).toBe(0);
    expect(expired.authBytes.toString()).toBe('{"status":"invalid_token"}');
    expect(await c.request(AUTHENTICATE, 2, { authBytes: Buffer.from([1]) })).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: '{"status":"invalid_token"}',
    });
    expect(await c.waitClosed()).toBe(true);

    const signed = await connect();
    await signed.request(HANDSHAKE, 1, { mechanism: 'OAUTHBEARER' });
    const withSig = `${unsecuredJwt({ sub: 'svc', exp })}c2ln`;
    expect((await signed.request(AUTHENTICATE, 2, { authBytes: Buffer.from(`n,,\x01auth=Bearer ${withSig}\x01\x01`) })).authBytes.toString()).toBe('{"status":"invalid_token"}');

    const wrongAuthz = await connect();
    await wrongAuthz.request(HANDSHAKE, 1, { mechanism: 'OAUTHBEARER' });
    expect(await wrongAuthz.request(AUTHENTICATE, 2, { authBytes: Buffer.from(`n,a=other,\x01auth=Bearer ${unsecuredJwt({ sub: 'svc', exp })}\x01\x01`) })).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: "Authentication failed: Client requested an authorization id (other) that is different from the token's principal name (svc)",
    });
  });

  test('re-authentication (KIP-368): same principal accepted, another principal or mechanism refused', async () => {
    const c = await connect();
    expect((await login(c)).errorCode).toBe(0);
    const before = broker.services.sasl.stats.reauthentications;
    expect((await login(c)).errorCode).toBe(0);
    expect(broker.services.sasl.stats.reauthentications).toBe(before + 1);
    expect((await c.request(METADATA, 12, { topics: null })).brokers).toHaveLength(1);
    expect(await login(c, 'bob', 'bobbob')).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: 'Cannot change principals during re-authentication from User.test: User.bob',
    });
    expect(await c.waitClosed()).toBe(true);

    const m = await connect();
    expect((await login(m)).errorCode).toBe(0);
    expect((await m.request(HANDSHAKE, 1, { mechanism: 'SCRAM-SHA-256' })).errorCode).toBe(0);
    expect(await m.request(AUTHENTICATE, 2, { authBytes: Buffer.from('n,,n=test,r=abc') })).toMatchObject({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: "SASL mechanism 'SCRAM-SHA-256' requested by client is not supported for re-authentication of mechanism 'PLAIN'",
    });

    // A client that authenticated with SaslAuthenticate v0 cannot re-authenticate: KafkaApis answers the handshake.
    const old = await connect();
    expect((await login(old, 'test', 'testtest', 0)).errorCode).toBe(0);
    expect(await old.request(HANDSHAKE, 1, { mechanism: 'PLAIN' })).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
  });
});

describe('SASL session lifetime (connections.max.reauth.ms)', () => {
  test('the lifetime is reported, and a request after it without re-authentication closes the connection', async () => {
    const broker = await startTestBroker({
      port: undefined, listeners: 'SASL_PLAINTEXT://127.0.0.1:0', saslUsers: 'test:testtest', overrides: { 'connections.max.reauth.ms': '300' },
    });
    const c = await RawClient.connect(broker.brokers[0].ports.SASL_PLAINTEXT);
    try {
      await c.request(HANDSHAKE, 1, { mechanism: 'PLAIN' });
      expect(await c.request(AUTHENTICATE, 2, { authBytes: plainToken('test', 'testtest') })).toMatchObject({ errorCode: 0, sessionLifetimeMs: 300 });
      expect((await c.request(METADATA, 12, { topics: null })).brokers).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 350));
      // Re-authenticating renews the session...
      await c.request(HANDSHAKE, 1, { mechanism: 'PLAIN' });
      expect((await c.request(AUTHENTICATE, 2, { authBytes: plainToken('test', 'testtest') })).errorCode).toBe(0);
      expect((await c.request(METADATA, 12, { topics: null })).brokers).toHaveLength(1);
      // ...letting it lapse ends the connection at the next request.
      await new Promise((r) => setTimeout(r, 350));
      await expect(c.request(METADATA, 12, { topics: null })).rejects.toThrow(/connection closed/);
    } finally {
      c.close();
      await broker.stop();
    }
  });
});
