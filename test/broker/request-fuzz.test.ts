// Random requests against a live broker (test/broker/fuzz/requests.ts makes them). Whatever they ask, the broker
// must answer each with a response the client can decode, or close the connection for a reason Kafka would too;
// never fail inside a handler, never crash. A kafkajs producer and consumer working meanwhile must get all their
// records, once each, in order; afterwards every partition's log must still read back as valid batches with
// increasing offsets. `npm run fuzz` runs many more rounds.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BrokerOptions, RunningBroker } from '../../src/kafkalite.js';
import { API_SCHEMAS } from '../../src/protocol/generated/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { encodeRequest } from '../../src/protocol/messages.js';
import { ZERO_UUID } from '../../src/protocol/primitives.js';
import { API, RawClient } from '../coordinator/raw-client.js';
import { kafkajs, startTestBroker } from '../compat/helpers.js';
import { mulberry32 } from '../protocol/helpers/samples.js';
import { RequestFuzzer, type FuzzRequest, type FuzzWorld } from './fuzz/requests.js';
import { startBystander } from './fuzz/bystander.js';
import { captureLogger, handlerFailures } from './fuzz/log-capture.js';
import { checkLogs } from './fuzz/log-check.js';

const ROUNDS = Number(process.env.KAFKALITE_FUZZ_ROUNDS ?? 1200);
const SEED = Number(process.env.KAFKALITE_FUZZ_SEED ?? 1);
const WORKERS = 4;
/** A file to append each request to (origin and frame in hex) before it is sent: what to replay when the process dies. */
const TRACE = process.env.KAFKALITE_FUZZ_TRACE;
/** APIs that may legitimately wait longer than a round's timeout (joins wait for the rest of their group). */
const MAY_WAIT = new Set<number>([API.JoinGroup, API.SyncGroup]);
/** Closing reasons Kafka shares: it closes a connection after a failed acks=0 produce, so the client notices. */
const KAFKA_CLOSES = /acks=0/;
/** Produce errors that come before a batch reaches its partition's log and record checks. */
const BEFORE_THE_LOG = new Set([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_ID, ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE, ErrorCode.INVALID_REQUIRED_ACKS, ErrorCode.TOPIC_AUTHORIZATION_FAILED]);

interface Failure { origin: string; what: string }
interface Stats { outcomes: Map<string, number>; reachedLog: number }

/** The fuzz topics as a CreateTopics v5 request: created at set-up and re-created during the storm. */
function fuzzTopics(broker: RunningBroker) {
  const replicationFactor = broker.brokers.length > 1 ? 3 : 1;
  const topic = (name: string, numPartitions: number, configs: { name: string; value: string }[] = []) => ({ name, numPartitions, replicationFactor, assignments: [], configs });
  return { topics: [topic('fz-a', 3), topic('fz-b', 1, [{ name: 'cleanup.policy', value: 'compact' }])], timeoutMs: 1000, validateOnly: false };
}

async function setUpWorld(broker: RunningBroker): Promise<FuzzWorld> {
  const c = await RawClient.connect(broker.port);
  expect((await c.send(API.CreateTopics, 5, fuzzTopics(broker))).topics.map((t: any) => t.errorCode)).toEqual([0, 0]);
  const kafka = kafkajs(broker);
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  for (const topic of ['fz-a', 'fz-b']) await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 3}`, value: `v${i}` })) });
  await producer.disconnect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.setOffsets({ groupId: 'fz-g', topic: 'fz-a', partitions: [{ partition: 0, offset: '2' }] });
  await admin.disconnect();
  const ids = await c.send(API.Metadata, 12, { topics: [{ topicId: ZERO_UUID, name: 'fz-a' }, { topicId: ZERO_UUID, name: 'fz-b' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
  const producerIds: number[] = [];
  for (const transactionalId of [null, 'fz-tx']) {
    const r = await c.send(API.InitProducerId, 4, { transactionalId, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });
    producerIds.push(r.producerId);
  }
  c.close();
  return { topics: ['fz-a', 'fz-b'], topicIds: ids.topics.map((t: any) => t.topicId), groups: ['fz-g'], transactionalIds: ['fz-tx'], producerIds, memberIds: [], epochs: [] };
}

/** One worker: its own connection and request stream; reconnects after a close or an abandoned wait. */
async function storm(broker: RunningBroker, worker: number, fuzzer: RequestFuzzer, rounds: number, logs: any[], failures: Failure[], stats: Stats): Promise<void> {
  const recreate = fuzzTopics(broker);
  const ports = broker.brokers.map((b) => Object.values(b.ports)[0]);
  // Workers spread over the brokers: each leads only some partitions.
  let port = ports[worker % ports.length];
  let c = await RawClient.connect(port);
  for (let i = 0; i < rounds; i++) {
    // Fuzzed DeleteTopics remove the fuzz topics now and then: bring them back, so produces keep reaching logs.
    if (i % 50 === 0) await c.send(API.CreateTopics, 5, recreate).catch(() => undefined);
    const req: FuzzRequest = await fuzzer.next();
    const name = API_SCHEMAS.get(req.apiKey)!.name;
    if (TRACE) appendFileSync(TRACE, `${req.origin} ${encodeRequest(req.apiKey, req.version, 0, 'fuzz', req.body).toString('hex')}\n`);
    const own = RequestFuzzer.isSasl(req.apiKey) ? await RawClient.connect(port) : c;
    const acks0 = req.apiKey === API.Produce && req.body.acks === 0;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      own.send(req.apiKey, req.version, req.body, 'fuzz').then((res) => {
        fuzzer.learn(res);
        if (req.apiKey === API.Produce) for (const t of res.responses) for (const p of t.partitionResponses) if (!BEFORE_THE_LOG.has(p.errorCode)) stats.reachedLog++;
        return 'answered';
      }, (e: Error) => e.message),
      new Promise<string>((r) => { timer = setTimeout(() => r('no answer'), acks0 ? 20 : MAY_WAIT.has(req.apiKey) ? 1000 : 5000); }),
    ]);
    clearTimeout(timer);
    stats.outcomes.set(`${name} ${outcome}`, (stats.outcomes.get(`${name} ${outcome}`) ?? 0) + 1);
    if (own !== c) own.close();
    if (outcome === 'answered' || (outcome === 'no answer' && acks0)) continue;
    if (outcome === 'connection closed') {
      await new Promise((r) => setTimeout(r, 5));
      const local = own.localPort;
      const reason = logs.find((l) => l.msg === 'closing connection' && l.remote?.endsWith(`:${local}`))?.reason ?? '(no log line)';
      if (!(acks0 && KAFKA_CLOSES.test(reason)) && !RequestFuzzer.isSasl(req.apiKey)) failures.push({ origin: req.origin, what: `connection closed: ${reason}` });
    } else if (!(outcome === 'no answer' && MAY_WAIT.has(req.apiKey))) {
      failures.push({ origin: req.origin, what: outcome });
    }
    // After a close or an abandoned wait: a new connection (the next broker's, on a cluster).
    if (own === c) {
      c.close();
      port = ports[(worker + i) % ports.length];
      c = await RawClient.connect(port);
    }
  }
  c.close();
}

const setups: [string, () => BrokerOptions, () => void][] = [];
let dir: string | undefined;
// Retention and cleaner passes every 50 ms, so fuzzed retention and compaction configs take effect under the storm.
const logPasses = { 'log.retention.check.interval.ms': '50', 'log.cleaner.backoff.ms': '50' };
setups.push(['memory engine', () => ({ overrides: logPasses }), () => {}]);
setups.push(['file engine', () => ({ memory: false, dataDir: (dir = mkdtempSync(join(tmpdir(), 'kafkalite-fuzz-'))), overrides: logPasses }), () => dir && rmSync(dir, { recursive: true, force: true })]);
setups.push(['3 brokers', () => ({ brokers: 3 }), () => {}]);
// ACLs checked on every request; fuzzed CreateAcls/DeleteAcls change them (the bystander's names are never steered to).
// With Kafka 2.4's config surface, as the kafkajs-suite preset runs.
setups.push(['ACL authorizer, Kafka 2.4 configs', () => ({ authorizer: true, overrides: { 'allow.everyone.if.no.acl.found': 'true', 'kafkalite.emulate.version': '2.4' } }), () => {}]);

describe('random requests against a live broker', () => {
  setups.forEach(([label, options, cleanUp], n) => {
    it(`${label}: ${ROUNDS} requests over ${WORKERS} connections: each answered, a client alongside unharmed, logs intact${label === 'file engine' ? ', and after a restart' : ''}`, async () => {
      const { logger, lines } = captureLogger();
      const opts = options();
      let broker = await startTestBroker({ ...opts, logger });
      try {
        const world = await setUpWorld(broker);
        const bystander = await startBystander(broker);
        const failures: Failure[] = [];
        const stats: Stats = { outcomes: new Map(), reachedLog: 0 };
        await Promise.all(Array.from({ length: WORKERS }, (_, w) => {
          const fuzzer = new RequestFuzzer(mulberry32(SEED * 1000 + n * 10 + w), world);
          return storm(broker, w, fuzzer, Math.ceil(ROUNDS / WORKERS), lines, failures, stats);
        }));
        await bystander.finish();
        if (process.env.KAFKALITE_FUZZ_VERBOSE) process.stderr.write(`${label}: ${stats.reachedLog} produced partitions reached the log checks; ${JSON.stringify([...stats.outcomes].sort())}\n`);
        expect(handlerFailures(lines), 'handler failures').toEqual([]);
        expect(failures, 'requests not answered as Kafka would').toEqual([]);
        // The steering must reach the real paths, not only "unknown topic": some produces got past the topic checks.
        expect(stats.reachedLog).toBeGreaterThan(0);
        // The fuzzed ACLs may deny reading the fuzz topics: the log check reads as the broker would for itself.
        await broker.services.acl?.delete([{ resourceType: 1, resourceName: null, patternType: 1, principal: null, host: null, operation: 1, permissionType: 1 }]);
        const ranges = await checkLogs(broker);
        if (opts.dataDir) {
          // What the file engine kept comes back after a restart: the same partitions and log ends, valid batches
          // (the log start may only have moved on: fuzzed retention configs apply at any time).
          await broker.stop();
          broker = await startTestBroker({ ...opts, logger });
          const again = await checkLogs(broker);
          expect([...again.keys()].sort()).toEqual([...ranges.keys()].sort());
          for (const [where, [start, end]] of ranges) {
            expect(again.get(where)![1], `${where} log end after the restart`).toBe(end);
            expect(again.get(where)![0], `${where} log start after the restart`).toBeGreaterThanOrEqual(start);
          }
          expect(handlerFailures(lines), 'handler failures after the restart').toEqual([]);
        }
      } finally {
        await broker.stop();
        cleanUp();
      }
    }, 60_000 + ROUNDS * 20);
  });
});
