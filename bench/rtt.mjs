#!/usr/bin/env node
// rtt: per-request latency of a broker through one raw connection, no client library in the way.
// Sequential Metadata v1 (one topic) and Produce v3 (one 100-byte record, acks -1) round trips, and the
// end-to-end latency of a record to a parked Fetch; prints p50/p99 in microseconds. Uses kafkalite's compiled codec (npm run build first).
//
//   node bench/rtt.mjs --brokers host:port [--requests N] [--topic T] [--json]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { encodeBatch } from '../dist/protocol/records/index.js';
import { pct, rawConnection, waitForLeaders } from './lib/raw.mjs';

/** Round-trip times in microseconds: { metadata: {p50,p99}, produce: {p50,p99} }. */
export async function measureRtt(hostPort, { requests = 2000, topic = `rtt-${Date.now()}` } = {}) {
  const c = await rawConnection(hostPort);
  try {
    await c.request(18, 0, {});
    await waitForLeaders(c, [topic]);
    const records = await encodeBatch([{ value: Buffer.alloc(100, 0x61) }]);
    const produce = { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] };
    const out = {};
    for (const [name, key, version, body] of [['metadata', 3, 1, { topics: [{ name: topic }] }], ['produce', 0, 3, produce]]) {
      const xs = [];
      for (let i = 0; i < requests + 100; i++) {
        const t0 = performance.now();
        const r = await c.request(key, version, body);
        const dt = (performance.now() - t0) * 1000;
        if (key === 0 && r.responses[0].partitionResponses[0].errorCode !== 0) throw new Error(`produce error ${r.responses[0].partitionResponses[0].errorCode}`);
        if (i >= 100) xs.push(dt); // the first 100 warm up the JIT on both sides
      }
      out[name] = { p50: Math.round(pct(xs, 50)), p99: Math.round(pct(xs, 99)) };
    }
    return out;
  } finally {
    c.close();
  }
}

/**
 * Raw end-to-end latency in microseconds: one connection keeps a Fetch parked at the log end (max wait 1 s),
 * another produces one 100-byte record (acks -1); the time from sending the Produce until the Fetch response
 * with the record arrives. A broker that does not wake parked fetches shows its max wait here.
 */
export async function measureE2e(hostPort, { samples = 500, topic = `e2e-${Date.now()}` } = {}) {
  const p = await rawConnection(hostPort);
  const f = await rawConnection(hostPort);
  try {
    await p.request(18, 0, {});
    await f.request(18, 0, {});
    await waitForLeaders(p, [topic]);
    const records = await encodeBatch([{ value: Buffer.alloc(100, 0x62) }]);
    const produce = { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] };
    let next = (await p.request(0, 3, produce)).responses[0].partitionResponses[0].baseOffset + 1;
    const e2e = [], ack = [];
    for (let i = 0; i < samples + 20; i++) {
      const fetch = f.request(1, 4, { replicaId: -1, maxWaitMs: 1000, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 0,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset: next, partitionMaxBytes: 1 << 20 }] }] });
      await new Promise((r) => setTimeout(r, 2)); // let the fetch park
      const t0 = performance.now();
      const acked = p.request(0, 3, produce).then(() => performance.now());
      const r = await fetch;
      const t1 = performance.now();
      const tAck = await acked;
      if (!r.responses[0].partitions[0].records?.length) throw new Error('fetch returned no records');
      next++;
      if (i >= 20) { e2e.push((t1 - t0) * 1000); ack.push((tAck - t0) * 1000); }
    }
    return { p50: Math.round(pct(e2e, 50)), p99: Math.round(pct(e2e, 99)), ackP50: Math.round(pct(ack, 50)) };
  } finally {
    p.close();
    f.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: a } = parseArgs({ options: { brokers: { type: 'string' }, requests: { type: 'string', default: '2000' }, topic: { type: 'string' }, json: { type: 'boolean' } } });
  if (!a.brokers) { console.error('usage: node bench/rtt.mjs --brokers host:port [--requests N] [--topic T] [--json]'); process.exit(2); }
  const r = await measureRtt(a.brokers.split(',')[0], { requests: Number(a.requests), topic: a.topic });
  r.e2e = await measureE2e(a.brokers.split(',')[0], { samples: Math.min(500, Number(a.requests)) });
  console.log(a.json ? JSON.stringify(r) : `metadata p50 ${r.metadata.p50} us p99 ${r.metadata.p99} us; produce p50 ${r.produce.p50} us p99 ${r.produce.p99} us; ` +
    `e2e (parked fetch) p50 ${r.e2e.p50} us p99 ${r.e2e.p99} us, its produce ack p50 ${r.e2e.ackP50} us`);
}
