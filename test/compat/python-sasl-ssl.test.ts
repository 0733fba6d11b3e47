// Python clients against SSL / SASL listeners, each as a child process against the in-process broker:
// kafka-python, whose SaslHandshake v0 sends the SASL tokens raw (size-prefixed, no Kafka header), with PLAIN,
// SCRAM-SHA-256/512 and OAUTHBEARER; and confluent-kafka (librdkafka: SaslHandshake v1 + SaslAuthenticate)
// with SCRAM, OAUTHBEARER (unsecured JWT) and a client certificate. Skipped when a package is missing
// (apt-get install -y python3-kafka python3-confluent-kafka).
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningBroker } from '../../src/kafkalite.js';
import { startTestBroker, topicName } from './helpers.js';

const PY = '/usr/bin/python3';
const hasModule = (m: string) => spawnSync(PY, ['-c', `import ${m}`]).status === 0;
const hasKafkaPython = hasModule('kafka');
const hasConfluent = hasModule('confluent_kafka');
if (!hasKafkaPython) console.warn('python3-kafka not installed: skipping the kafka-python SASL v0 (raw token) tests');
if (!hasConfluent) console.warn('python3-confluent-kafka not installed: skipping the librdkafka SASL/SSL tests');

function python(script: string, env: Record<string, string>): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(PY, ['-c', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (status !== 0) return reject(new Error(`python exited ${status}: ${stderr.slice(-3000)}\n${stdout.slice(-2000)}`));
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`no JSON result: ${stdout.slice(-2000)} ${stderr.slice(-2000)}`));
      }
    });
  });
}

let broker: RunningBroker;
beforeAll(async () => {
  broker = await startTestBroker({
    port: undefined,
    listeners: 'SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0',
    advertisedHost: 'localhost',
    sslSelfSigned: true,
    sslClientAuth: 'requested',
    saslUsers: 'test:testtest',
    scramUsers: { testscram: { 'SCRAM-SHA-256': 'testtestscram=256', 'SCRAM-SHA-512': 'testtestscram=512' } },
  });
  // Record each connection's transport principal (the clients are gone by the time we look).
  const installed = broker.services.onConnection;
  broker.services.onConnection = (c: any, node: any, ep: any) => {
    installed(c, node, ep);
    if (c.state.principal) sslPrincipals.push(c.state.principal);
  };
});
const sslPrincipals: string[] = [];
afterAll(() => broker?.stop());

// One producer + consumer round trip per case; a failing login is reported, not raised.
const KAFKA_PYTHON = String.raw`
import json, os, time, base64
from kafka import KafkaProducer, KafkaConsumer
from kafka.oauth.abstract import AbstractTokenProvider
cases = json.loads(os.environ['CASES'])
class Jwt(AbstractTokenProvider):
    def token(self):
        enc = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b'=').decode()
        return enc({'alg': 'none'}) + '.' + enc({'sub': 'py-jwt', 'exp': int(time.time()) + 600}) + '.'
out = []
for c in cases:
    conf = dict(bootstrap_servers=c['bootstrap'], security_protocol=c['protocol'], sasl_mechanism=c['mechanism'],
                request_timeout_ms=5000, api_version_auto_timeout_ms=5000)
    if c['mechanism'] == 'OAUTHBEARER':
        conf['sasl_oauth_token_provider'] = Jwt()
    else:
        conf['sasl_plain_username'] = c['user']; conf['sasl_plain_password'] = c['password']
    if c['protocol'] == 'SASL_SSL':
        conf['ssl_cafile'] = os.environ['CA']
    t0 = time.time()
    try:
        p = KafkaProducer(**conf)
        p.send(c['topic'], c['value'].encode()).get(timeout=10)
        p.flush(); p.close()
        consumer = KafkaConsumer(c['topic'], auto_offset_reset='earliest', consumer_timeout_ms=5000, **conf)
        found = False
        for m in consumer:
            if m.value.decode() == c['value']:
                found = True
                break
        consumer.close()
        out.append({'ok': found, 's': round(time.time() - t0, 2)})
    except Exception as e:
        out.append({'ok': False, 'error': type(e).__name__ + ': ' + str(e), 's': round(time.time() - t0, 2)})
print(json.dumps(out))
`;

describe.skipIf(!hasKafkaPython)('kafka-python (SaslHandshake v0, raw SASL tokens)', () => {
  test('PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER over SASL_PLAINTEXT and SASL_SSL; wrong passwords fail', async () => {
    const topic = topicName('py-sasl');
    await broker.cluster.createTopic(topic, { numPartitions: 1, replicationFactor: 1 });
    const ports = broker.brokers[0].ports;
    const cases = [
      ['SASL_PLAINTEXT', 'PLAIN', 'test', 'testtest'],
      ['SASL_SSL', 'PLAIN', 'test', 'testtest'],
      ['SASL_PLAINTEXT', 'SCRAM-SHA-256', 'testscram', 'testtestscram=256'],
      ['SASL_SSL', 'SCRAM-SHA-512', 'testscram', 'testtestscram=512'],
      ['SASL_SSL', 'SCRAM-SHA-256', 'test', 'testtest'],
      ['SASL_PLAINTEXT', 'OAUTHBEARER', '', ''],
      ['SASL_PLAINTEXT', 'PLAIN', 'test', 'wrong'],
      ['SASL_SSL', 'SCRAM-SHA-512', 'testscram', 'testtestscram=256'],
    ].map(([protocol, mechanism, user, password], i) => ({
      protocol, mechanism, user, password, topic, value: `py-${i}`, bootstrap: `localhost:${ports[protocol]}`,
    }));
    const before = broker.services.sasl.stats.authentications;
    const res = await python(KAFKA_PYTHON, { CASES: JSON.stringify(cases), CA: broker.services.tlsFiles.ca });
    expect(res.slice(0, 6).map((r: any) => r.ok)).toEqual(Array(6).fill(true));
    // A failed raw-mode login just closes the connection (Kafka sends no error in that mode).
    expect(res[6]).toMatchObject({ ok: false, error: expect.stringMatching(/NoBrokersAvailable/) });
    expect(res[7]).toMatchObject({ ok: false, error: expect.stringMatching(/NoBrokersAvailable/) });
    expect(broker.services.sasl.stats.authentications).toBeGreaterThan(before);
  }, 60000);
});

const CONFLUENT = String.raw`
import json, os, time
from confluent_kafka import Producer, Consumer
cases = json.loads(os.environ['CASES'])
out = []
for c in cases:
    conf = dict(c['conf'])
    conf['bootstrap.servers'] = c['bootstrap']
    errors = []
    conf['error_cb'] = lambda e: errors.append(str(e))
    p = Producer(conf)
    delivered = []
    p.produce(c['topic'], c['value'].encode(), on_delivery=lambda err, msg: delivered.append(err is None))
    p.flush(8)
    ok = delivered == [True]
    if ok:
        cc = dict(conf); cc.update({'group.id': c['value'], 'auto.offset.reset': 'earliest'})
        cons = Consumer(cc); cons.subscribe([c['topic']])
        got = set(); end = time.time() + 10
        while time.time() < end and c['value'] not in got:
            m = cons.poll(0.2)
            if m is not None and m.error() is None: got.add(m.value().decode())
        cons.close()
        ok = c['value'] in got
    out.append({'ok': ok, 'errors': errors[:3]})
print(json.dumps(out))
`;

describe.skipIf(!hasConfluent)('confluent-kafka / librdkafka (SaslHandshake v1 + SaslAuthenticate, SSL)', () => {
  test('SCRAM over SASL_SSL, OAUTHBEARER (unsecured JWT), a client certificate on SSL; a wrong password fails', async () => {
    const topic = topicName('rdkafka-sasl');
    await broker.cluster.createTopic(topic, { numPartitions: 1, replicationFactor: 1 });
    const ports = broker.brokers[0].ports;
    const files = broker.services.tlsFiles;
    const ssl = { 'ssl.ca.location': files.ca };
    const cases = [
      { listener: 'SASL_SSL', conf: { 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.username': 'testscram', 'sasl.password': 'testtestscram=512', ...ssl } },
      { listener: 'SASL_PLAINTEXT', conf: { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'test', 'sasl.password': 'testtest' } },
      { listener: 'SASL_PLAINTEXT', conf: { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'OAUTHBEARER', 'sasl.oauthbearer.config': 'principal=rdkafka-jwt', 'enable.sasl.oauthbearer.unsecure.jwt': true } },
      { listener: 'SSL', conf: { 'security.protocol': 'SSL', 'ssl.certificate.location': files.clientCert, 'ssl.key.location': files.clientKey, ...ssl } },
      { listener: 'SASL_PLAINTEXT', conf: { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.username': 'test', 'sasl.password': 'bad', 'message.timeout.ms': 3000 } },
    ].map((c, i) => ({ conf: c.conf, topic, value: `rd-${i}-${Date.now()}`, bootstrap: `localhost:${ports[c.listener]}` }));
    const res = await python(CONFLUENT, { CASES: JSON.stringify(cases) });
    expect(res.slice(0, 4).map((r: any) => r.ok)).toEqual([true, true, true, true]);
    expect(res[4].ok).toBe(false);
    expect(res[4].errors.join(' ')).toMatch(/Authentication failed/);
    expect(sslPrincipals).toContain('User:CN=client,O=kafkalite');
  }, 60000);
});
