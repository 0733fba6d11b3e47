// --warm-up: V8 optimizes the request path only after thousands of requests, and a fresh broker's first minutes
// pay for it twice: the unoptimized code is slower, and the optimizing compiler's jobs hold up the main thread
// (docs/performance.md, findings 11, 13 and 19). This runs that many produce → long-poll fetch round trips through
// private in-memory brokers in the same process, over loopback, right after start-up, so that the compile work is
// done early. The code is shared by every broker of the process, so the real brokers' clients find it optimized;
// the private brokers' topics, ports and data are never seen by them and are gone when the warm-up ends. Its traffic
// imitates clients' lifecycles (new topics, new and closed connections, varied batches): whatever the optimized code
// has not seen deoptimizes it at a real client's first request of that kind (finding 19 lists what did).
import net from 'node:net';
import type { Logger } from 'pino';
import type { Writer } from './protocol/primitives.js';
import type { BrokerOptions, RunningBroker } from './kafkalite.js';
import { createLogger } from './logger.js';
import { encodeApiVersionsRequest, encodeFetchRequest, encodeMetadataRequest, encodeProduceRequest } from './protocol/generated/index.js';
import { encodeRequestWith } from './protocol/messages.js';
import { encodeBatch } from './protocol/records/records.js';

/**
 * Round trips, by the real broker's engine (docs/performance.md finding 19). A fresh memory-engine broker's clients saw
 * the same e2e p99 after 3,000 as after 10,000 (0.58-0.72 ms), at half the CPU and with 20 MB less RSS; a file-engine
 * broker's p99 kept falling up to 10,000 (0.86 → 0.56 ms, medians): its own append and read code is not exercised here,
 * so it gains only from how settled the shared request path's optimized code is.
 */
export const WARM_UP_ROUNDS = { memory: 3_000, file: 10_000 };
/** A new topic (and connections) every rounds / TOPICS round trips, so that what a topic's first requests
 *  and a connection's last do is optimized too; the topics are shared out between BROKERS private brokers. */
const TOPICS = 10;
const BROKERS = 2;
const CLIENT_ID = 'kafkalite-warm-up';
/** A request frame, its body encoded by `encode` (one of the four imported above, not encodeRequest: that would
 *  bundle every API's encoder). */
const frame = (encode: (w: Writer, body: any, version: number) => void, apiKey: number, version: number, correlationId: number, body: any): Buffer =>
  encodeRequestWith(encode, apiKey, version, correlationId, CLIENT_ID, body);
// The versions today's clients send: kafkajs 2.2 and librdkafka 2.0 (Produce v7, Fetch v11, non-flexible) and
// newer ones (flexible: Produce v9, Fetch v12), alternated so that both encodings are optimized.
const VERSIONS = [{ produce: 7, fetch: 11 }, { produce: 9, fetch: 12 }];

export interface WarmUp {
  /** Resolves when the private brokers are stopped: with how many round trips ran and for how long, or with undefined
   *  when the warm-up failed (it is best effort: the real brokers do not depend on it). */
  done: Promise<{ rounds: number; ms: number; complete: boolean } | undefined>;
  /** Ends the warm-up early (on shutdown). */
  stop(): Promise<void>;
}

export function startWarmUp(start: (o: BrokerOptions) => Promise<RunningBroker>, logger: Logger, rounds: number): WarmUp {
  let stopped = false;
  const t0 = performance.now();
  const done = (async () => {
    let i = 0;
    // Two private brokers, one after the other: what stopping a broker does to its objects then happens during the
    // warm-up too (it deoptimized the request path when only the last one stopped).
    for (let b = 0; b < BROKERS && i < rounds && !stopped; b++) {
      // A silent logger of its own: nothing of the private broker reaches the real one's log.
      const broker = await start({ memory: true, port: 0, logger: createLogger('silent') });
      try {
        for (let t = 0; t < TOPICS / BROKERS && i < rounds && !stopped; t++) {
          i = await topicRoundTrips(broker.port, `kafkalite-warm-up-${b}-${t}`, i, Math.min(rounds, i + Math.ceil(rounds / TOPICS)), () => stopped);
        }
      } finally {
        await broker.stop();
      }
    }
    const ms = Math.round(performance.now() - t0);
    logger.info({ rounds: i, ms }, 'warm-up done');
    return { rounds: i, ms, complete: i === rounds };
  })().catch((err) => {
    logger.warn({ err }, 'warm-up failed (the brokers are not affected)');
    return undefined;
  });
  return { done, stop: async () => { stopped = true; await done; } };
}

/**
 * Round trips `from` up to `to` (returns where it stopped) with a new topic, on new connections closed at the end:
 * what a topic's first requests and a connection's end do (socket and stream state, the broker's bookkeeping) would
 * otherwise first happen to a real client's, and deoptimize the request path.
 */
async function topicRoundTrips(port: number, topic: string, from: number, to: number, stopped: () => boolean): Promise<number> {
  const sockets: Client[] = [];
  let i = from;
  try {
    const [producer, consumer] = [await connect(port, sockets), await connect(port, sockets)];
    // Created by Metadata, as most clients' first produce to a topic creates it (auto.create.topics.enable).
    await producer.request(frame(encodeMetadataRequest, 3, 9, 0, { topics: [{ name: topic }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }));
    const produce = await produceFrames(topic);
    // Every client also sends ApiVersions and Metadata: interleaved so that the code shared by all requests (framing,
    // dispatch, the handler table) is optimized for more than two kinds of request, as it will meet them.
    const session = [frame(encodeApiVersionsRequest, 18, 3, 0, { clientSoftwareName: 'kafkalite', clientSoftwareVersion: '0' }),
      frame(encodeApiVersionsRequest, 18, 2, 0, {}),
      frame(encodeMetadataRequest, 3, 9, 0, { topics: [{ name: topic }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }),
      frame(encodeMetadataRequest, 3, 1, 0, { topics: [{ name: topic }] })];
    let offset = 0;
    for (; i < to && !stopped(); i++) {
      const v = i % VERSIONS.length;
      if (i % 50 === 0) await producer.request(session[(i / 50) % session.length]);
      // The fetch parks (no data at its offset yet) and the produce wakes it, as a consumer waiting on a producer.
      // Mostly read_committed, the default of kafkajs, librdkafka and the Java client.
      const fetched = consumer.request(frame(encodeFetchRequest, 1, VERSIONS[v].fetch, i, {
        replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, isolationLevel: i % 4 === 3 ? 0 : 1, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [], rackId: '',
      }));
      const b = (i >> 1) % 16;
      await Promise.all([producer.request(produce[v][b]), fetched]);
      offset += 1 + (b % 3);
    }
    return i;
  } finally {
    for (const c of sockets) c.close();
  }
}

interface Client {
  request(frame: Buffer): Promise<void>;
  close(): void;
}

/**
 * Produce requests of each version for `topic`, 16 batches each that differ as clients' do (CRCs above and below
 * 2^31, keys or none, one to three records): V8 specializes optimized code to the values it has seen, and one constant
 * batch would teach it that a CRC always fits in 31 bits, a deoptimization waiting for the first real batch.
 */
async function produceFrames(topic: string): Promise<Buffer[][]> {
  const out: Buffer[][] = [];
  for (const v of VERSIONS) {
    const frames: Buffer[] = [];
    for (let b = 0; b < 16; b++) {
      const records = await encodeBatch(Array.from({ length: 1 + (b % 3) }, (_, r) => ({ key: b % 2 ? null : Buffer.from(`k${r}`), value: Buffer.alloc(100, 97 + b) })));
      frames.push(frame(encodeProduceRequest, 0, v.produce, 0, {
        transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
      }));
    }
    out.push(frames);
  }
  return out;
}

/** A loopback connection (added to `all` once open) that sends one request at a time and resolves at its response. */
async function connect(port: number, all: Client[]): Promise<Client> {
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.setNoDelay(true);
  await new Promise<void>((res, rej) => { sock.once('connect', res); sock.once('error', rej); });
  let pending: { resolve: () => void; reject: (e: Error) => void } | undefined;
  let need = 4, header = true, buffered = 0;
  sock.on('data', (d: Buffer) => {
    // Only frame boundaries matter here: a response's content is not looked at.
    for (let pos = 0; pos < d.length;) {
      if (header) {
        for (; pos < d.length && buffered < 4; pos++, buffered++) need = buffered === 0 ? d[pos] : (need << 8) | d[pos];
        if (buffered === 4) { header = false; buffered = 0; }
        continue;
      }
      const take = Math.min(need - buffered, d.length - pos);
      pos += take;
      buffered += take;
      if (buffered === need) {
        header = true;
        buffered = 0;
        const p = pending;
        pending = undefined;
        p?.resolve();
      }
    }
  });
  const fail = (e: Error) => { pending?.reject(e); pending = undefined; };
  sock.on('error', fail);
  sock.on('close', () => fail(new Error('warm-up connection closed')));
  const client: Client = {
    request(frame) {
      return new Promise((resolve, reject) => {
        pending = { resolve, reject };
        sock.write(frame);
      });
    },
    close: () => sock.destroy(),
  };
  all.push(client);
  return client;
}
