#!/usr/bin/env node
// rawload: broker CPU per message without a client library in the way. Produces N records of SIZE bytes
// over one raw connection shaped like kafkajs's traffic (PARTITIONS batches per request, INFLIGHT requests
// pipelined, acks -1), then fetches them all back (Fetch v11, 1 MiB per partition), and prints the broker's
// CPU time (all threads, /proc/PID/task/*/schedstat) per 100k records for each phase.
//
//   node bench/rawload.mjs --brokers host:port --pid PID [--messages 200000] [--size 100] [--batch 250]
//                          [--partitions 4] [--inflight 4] [--runs 3]
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { encodeBatch } from '../dist/protocol/records/index.js';
import { encodeRequest } from '../dist/protocol/messages.js';
import { schedCpuMs } from './lib/procs.mjs';
import { median, rawConnection, waitForLeaders } from './lib/raw.mjs';

const { values: a } = parseArgs({ options: {
  brokers: { type: 'string' }, pid: { type: 'string' }, messages: { type: 'string', default: '200000' }, size: { type: 'string', default: '100' },
  batch: { type: 'string', default: '250' }, partitions: { type: 'string', default: '4' }, inflight: { type: 'string', default: '4' }, runs: { type: 'string', default: '3' },
} });
if (!a.brokers || !a.pid) { console.error('usage: node bench/rawload.mjs --brokers host:port --pid PID [options]'); process.exit(2); }
const [N, SIZE, BATCH, P, INFLIGHT, RUNS] = ['messages', 'size', 'batch', 'partitions', 'inflight', 'runs'].map((k) => Number(a[k]));

/** The offset after the last complete batch in a fetched records buffer (a partial batch at the end is skipped). */
function nextOffset(records, from) {
  const b = Buffer.isBuffer(records) ? records : Buffer.concat(records?.chunks ?? []);
  let next = from;
  for (let pos = 0; pos + 61 <= b.length;) {
    const len = b.readInt32BE(pos + 8);
    if (pos + 12 + len > b.length) break;
    next = Number(b.readBigInt64BE(pos)) + b.readInt32BE(pos + 23) + 1;
    pos += 12 + len;
  }
  return next;
}

async function run(c, topic) {
  const records = await encodeBatch(Array.from({ length: BATCH }, (_, i) => ({ value: Buffer.alloc(SIZE, 97 + (i % 26)) })));
  const body = { transactionalId: null, acks: -1, timeoutMs: 30000,
    topicData: [{ name: topic, partitionData: Array.from({ length: P }, (_, index) => ({ index, records })) }] };
  const frame = encodeRequest(0, 7, 1, 'rawload', body);
  const requests = Math.ceil(N / (BATCH * P));
  let c0 = schedCpuMs(a.pid), t0 = performance.now();
  const pending = [];
  for (let i = 0; i < requests; i++) {
    pending.push(c.send(frame, 0, 7));
    if (pending.length >= INFLIGHT) await pending.shift();
  }
  await Promise.all(pending);
  const produce = { cpu: schedCpuMs(a.pid) - c0, ms: performance.now() - t0, records: requests * BATCH * P };
  c0 = schedCpuMs(a.pid); t0 = performance.now();
  const offsets = new Array(P).fill(0);
  let fetched = 0, fetches = 0;
  while (fetched < produce.records) {
    const r = await c.request(1, 11, { replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 10 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: offsets.map((fetchOffset, partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1, partitionMaxBytes: 1 << 20 })) }],
      forgottenTopicsData: [], rackId: '' });
    fetches++;
    for (const p of r.responses[0].partitions) {
      const next = nextOffset(p.records, offsets[p.partitionIndex]);
      fetched += next - offsets[p.partitionIndex];
      offsets[p.partitionIndex] = next;
    }
  }
  const consume = { cpu: schedCpuMs(a.pid) - c0, ms: performance.now() - t0, fetches };
  return { produce, consume };
}

const c = await rawConnection(a.brokers);
await c.request(18, 0, {});
const res = [];
for (let i = 0; i < RUNS; i++) {
  const topic = `rawload-${Date.now()}-${i}`;
  // On its own connection: the mock has no CreateTopics and closes the connection (it auto-creates 4 partitions).
  const admin = await rawConnection(a.brokers);
  await admin.request(19, 3, { topics: [{ name: topic, numPartitions: P, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false }).catch(() => {});
  admin.close();
  await waitForLeaders(c, [topic]);
  res.push(await run(c, topic));
}
c.close();
const per100k = (x, n) => (x * 100000) / n;
const line = (name, k) => `${name}: broker CPU ${median(res.map((r) => per100k(r[k].cpu, r.produce.records))).toFixed(1)} ms/100k records, ` +
  `${median(res.map((r) => r.produce.records / r[k].ms * 1000)).toFixed(0)} records/s`;
console.log(`${N} x ${SIZE} B, ${P} partitions x ${BATCH} records per request, ${INFLIGHT} in flight, median of ${RUNS}`);
console.log(line('produce', 'produce'));
console.log(line('consume', 'consume') + ` (${res[0].consume.fetches} fetches)`);
