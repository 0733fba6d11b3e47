// Random SASL exchanges on a SASL_PLAINTEXT listener: a handshake (v0 raw tokens or v1 framed, every mechanism and
// unknown ones), then up to three tokens that are valid ones mutated (PLAIN credentials, SCRAM client-first and
// client-final messages, OAUTHBEARER bearer tokens). The broker must answer each or close that connection - never
// fail inside a handler or hang - and a proper login must still work afterwards.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { captureLogger, handlerFailures } from '../broker/fuzz/log-capture.js';
import { startTestBroker } from '../compat/helpers.js';
import { mutate } from '../protocol/helpers/mutate.js';
import { mulberry32 } from '../protocol/helpers/samples.js';
import { RawClient, unsecuredJwt } from './raw-client.js';

const HANDSHAKE = 17;
const AUTHENTICATE = 36;
const METADATA = 3;
const ROUNDS = Number(process.env.KAFKALITE_FUZZ_ROUNDS ?? 300);
const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER', 'GSSAPI', ''];
const TOKENS: Record<string, string[]> = {
  PLAIN: ['\0test\0testtest', 'test\0test\0testtest', '\0bob\0wrong'],
  SCRAM: ['n,,n=test,r=fyko+d2lbbFgONRv9qkxdawL', 'c=biws,r=fyko+d2lbbFgONRv9qkxdawLserver,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=', 'y,a=test,n=test,r=abc', 'n,,n=te=2Cst,r=x,e=ext'],
  OAUTHBEARER: [`n,,\x01auth=Bearer ${unsecuredJwt({ sub: 'test', exp: Math.floor(Date.now() / 1000) + 3600 })}\x01\x01`, 'n,a=test,\x01auth=Bearer x.y.\x01host=h\x01\x01', '\x01'],
};

describe('random SASL exchanges', () => {
  let broker: RunningBroker;
  const { logger, lines } = captureLogger();
  beforeAll(async () => {
    broker = await startTestBroker({ port: undefined, listeners: 'SASL_PLAINTEXT://127.0.0.1:0', saslUsers: 'test:testtest', logger });
  });
  afterAll(() => broker?.stop());

  test(`${ROUNDS} exchanges: each answered or closed, no handler failure, a proper login still works`, async () => {
    const rnd = mulberry32(Number(process.env.KAFKALITE_FUZZ_SEED ?? 7));
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const port = broker.brokers[0].ports.SASL_PLAINTEXT;
    const outcomes = { accepted: 0, refused: 0, closed: 0 };
    for (let i = 0; i < ROUNDS; i++) {
      const c = await RawClient.connect(port);
      try {
        const mechanism = pick(MECHANISMS);
        const v0 = rnd() < 0.3;
        const hs = await c.request(HANDSHAKE, v0 ? 0 : 1, { mechanism: rnd() < 0.9 ? mechanism : mechanism.toLowerCase() });
        expect(hs).toHaveProperty('errorCode');
        const family = mechanism.startsWith('SCRAM') ? 'SCRAM' : TOKENS[mechanism] ? mechanism : pick(Object.keys(TOKENS));
        for (let step = 0; step < 1 + Math.floor(rnd() * 3) && !c.closed; step++) {
          const valid = Buffer.from(pick(TOKENS[family]));
          const token = rnd() < 0.8 ? mutate(valid, rnd) : valid;
          if (v0 && hs.errorCode === 0) {
            if ((await c.rawToken(token)) === null) outcomes.closed++;
          } else {
            outcomes[(await c.request(AUTHENTICATE, Math.floor(rnd() * 3), { authBytes: token })).errorCode === 0 ? 'accepted' : 'refused']++;
          }
        }
      } catch (e) {
        if (!/connection closed/.test((e as Error).message)) throw e;
        outcomes.closed++;
      } finally {
        c.close();
      }
    }
    expect(handlerFailures(lines)).toEqual([]);
    // Each kind of ending happened: logins (unmutated tokens), refusals and closed connections.
    expect(Object.values(outcomes).every((n) => n > 0), JSON.stringify(outcomes)).toBe(true);

    const c = await RawClient.connect(port);
    try {
      expect((await c.request(HANDSHAKE, 1, { mechanism: 'PLAIN' })).errorCode).toBe(0);
      expect((await c.request(AUTHENTICATE, 2, { authBytes: Buffer.from('\0test\0testtest') })).errorCode).toBe(0);
      expect((await c.request(METADATA, 12, { topics: null })).brokers).toHaveLength(1);
    } finally {
      c.close();
    }
  }, 120_000);
});
