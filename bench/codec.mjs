// Protocol codec throughput: decode + validate a ~1 MiB Produce request (100-byte records, uncompressed and in each
// codec; for a compressed batch validation includes decompressing it and walking its records, as Kafka does),
// encode a ~1 MiB Fetch response, with CRC32C (@node-rs/crc32, what batch validation spends its time on) beside it.
//
// Node 20 cannot run the TypeScript sources directly, so this benchmarks the compiled output:
//   npm run build && node bench/codec.mjs [--ms 800]
// It imports ../dist/protocol/{messages,primitives}.js and, when present, ../dist/protocol/records/index.js
// (encodeBatch / validateBatch / decodeBatchRecords); without the records layer it builds batches with kafkajs's
// own record-batch encoder and validates with a CRC32C over the batch.
// MB/s is over the frame's bytes; "values MB/s" over the uncompressed record values it carries. decodeRequest
// does not copy record batches (they stay subarrays of the frame) and encodeResponse references them as chunks,
// so those two rows measure the codec's per-field work, not a memcpy; the CRC and record-decoding rows do touch
// every byte.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const dist = new URL('../dist/protocol/', import.meta.url);
if (!existsSync(new URL('messages.js', dist))) {
  console.error('bench/codec.mjs: dist/protocol/messages.js not found - run `npm run build` first');
  process.exit(1);
}
const { decodeRequest, encodeRequest, encodeResponse } = await import(new URL('messages.js', dist).href);
const recordsUrl = new URL('records/index.js', dist);
const records = existsSync(recordsUrl) ? await import(recordsUrl.href) : null;
const { crc32c } = require('@node-rs/crc32');
const { values: opts } = parseArgs({ options: { ms: { type: 'string', default: '800' } } });
const MIN_MS = Number(opts.ms);

const RECORD_BYTES = 100;
const PARTITIONS = 8;
const PER_BATCH = 1150; // 8 x 1150 x ~115 B (value + record framing) = ~1 MiB of batches
const GZIP = 1;

// Semi-realistic 100-byte values (JSON-ish text) so gzip has something to do; a counter keeps them distinct.
function value(i) {
  const s = `{"id":${i},"user":"u${i % 977}","event":"click","ts":${1_700_000_000_000 + i},"pad":"`;
  return Buffer.from(s + 'x'.repeat(RECORD_BYTES - s.length - 2) + '"}');
}

async function makeBatch(p, compression) {
  const msgs = Array.from({ length: PER_BATCH }, (_, i) => ({ key: Buffer.from(`k${i}`), value: value(p * PER_BATCH + i), timestamp: 1_700_000_000_000 + i }));
  if (records) return records.encodeBatch(msgs, { compression });
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
  const recs = msgs.map((m, i) => Record({ key: m.key, value: m.value, offsetDelta: i, timestampDelta: m.timestamp - msgs[0].timestamp }));
  const b = await RecordBatch({ compression, records: recs, firstTimestamp: msgs[0].timestamp, maxTimestamp: msgs.at(-1).timestamp, lastOffsetDelta: recs.length - 1 });
  return Buffer.from(b.buffer);
}

/** Validates one magic-2 batch: framing + CRC32C (the records layer's validateBatch, or a bare CRC check). */
const validate = records
  ? (b) => records.validateBatch(b)
  : (b) => { if ((crc32c(b.subarray(21)) >>> 0) !== b.readUInt32BE(17)) throw new Error('crc'); };

function produceFrame(batches) {
  const body = { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'bench', partitionData: batches.map((records, index) => ({ index, records })) }] };
  return encodeRequest(0, 9, 1, 'bench', body).subarray(4); // Produce v9 (flexible), frame without size prefix
}

function bench(name, bytes, fn) {
  for (let i = 0; i < 5; i++) fn(); // warm up
  let iters = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < MIN_MS) {
    fn();
    iters++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return { name, bytes, usPerOp: (elapsed * 1000) / iters, mbps: (bytes * iters) / (elapsed / 1000) / 1e6 };
}
async function benchAsync(name, bytes, fn) {
  for (let i = 0; i < 3; i++) await fn();
  let iters = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < MIN_MS) {
    await fn();
    iters++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return { name, bytes, usPerOp: (elapsed * 1000) / iters, mbps: (bytes * iters) / (elapsed / 1000) / 1e6 };
}

const rows = [];
for (const [label, compression] of [['uncompressed', 0], ['gzip', GZIP], ['snappy', 2], ['lz4', 3], ['zstd', 4]]) {
  if (compression > GZIP && !records) continue; // kafkajs has no snappy/lz4/zstd codec of its own
  const batches = [];
  for (let p = 0; p < PARTITIONS; p++) batches.push(await makeBatch(p, compression));
  const frame = produceFrame(batches);
  const once = decodeRequest(frame);
  if (!once.ok) throw new Error(`produce frame does not decode: ${once.error}`);
  const payload = PARTITIONS * PER_BATCH * RECORD_BYTES;
  const decodeOnly = () => { const d = decodeRequest(frame); if (!d.ok) throw new Error(d.error); return d; };
  const decodeValidate = () => { for (const t of decodeOnly().body.topicData) for (const p of t.partitionData) validate(p.records); };
  const first = rows.length;
  rows.push(bench(`produce ${label}: decodeRequest`, frame.length, decodeOnly));
  rows.push(bench(`produce ${label}: decode + validate (CRC)`, frame.length, decodeValidate));
  if (records && compression !== 0) {
    rows.push(await benchAsync(`produce ${label}: + decompress, walk records`, frame.length, async () => {
      for (const t of decodeOnly().body.topicData) for (const p of t.partitionData) await records.checkCompressedRecords(p.records, records.validateBatch(p.records));
    }));
  }
  if (records) {
    rows.push(await benchAsync(`produce ${label}: + decode all records`, frame.length, async () => {
      for (const t of decodeOnly().body.topicData) for (const p of t.partitionData) {
        const h = records.validateBatch(p.records);
        await records.decodeBatchRecords(p.records, 0, h);
      }
    }));
  }
  for (const r of rows.slice(first)) r.payloadMbps = (r.mbps * payload) / frame.length;
  rows.at(-1).note = `${PARTITIONS} batches x ${PER_BATCH} records of ${RECORD_BYTES} B; ${(payload / 1048576).toFixed(2)} MiB of values in ${(frame.length / 1048576).toFixed(2)} MiB`;
}

// Fetch response: ~1 MiB of batches across 8 partitions (the broker hands stored batches through untouched).
const fetchBatches = [];
for (let p = 0; p < PARTITIONS; p++) fetchBatches.push(await makeBatch(p, 0));
const fetchBody = {
  throttleTimeMs: 0, errorCode: 0, sessionId: 0,
  responses: [{ topic: 'bench', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: fetchBatches.map((records, partitionIndex) => ({
    partitionIndex, errorCode: 0, highWatermark: 1_000_000, lastStableOffset: 1_000_000, logStartOffset: 0, abortedTransactions: null, preferredReadReplica: -1, records,
  })) }],
};
for (const v of [11, 16]) {
  const size = encodeResponse(1, v, 1, fetchBody).reduce((n, c) => n + c.length, 0);
  rows.push(bench(`fetch v${v} response: encodeResponse (chunks)`, size, () => encodeResponse(1, v, 1, fetchBody)));
  rows.push(bench(`fetch v${v} response: encode + concat`, size, () => Buffer.concat(encodeResponse(1, v, 1, fetchBody))));
}

const mib = Buffer.concat(fetchBatches).subarray(0, 1048576);
rows.push(bench('crc32c @node-rs/crc32, 1 MiB', mib.length, () => crc32c(mib)));

console.log(`kafkalite codec benchmark - node ${process.version}, ${records ? 'records layer from dist/' : 'kafkajs batches (no dist/protocol/records)'}, >= ${MIN_MS} ms per row\n`);
console.log(`${'operation'.padEnd(46)} ${'bytes'.padStart(9)} ${'us/op'.padStart(10)} ${'MB/s'.padStart(8)} ${'values MB/s'.padStart(12)}`);
console.log('-'.repeat(89));
for (const r of rows) {
  const pay = r.payloadMbps === undefined ? '' : r.payloadMbps.toFixed(0);
  console.log(`${r.name.padEnd(46)} ${String(r.bytes).padStart(9)} ${r.usPerOp.toFixed(1).padStart(10)} ${r.mbps.toFixed(0).padStart(8)} ${pay.padStart(12)}`);
  if (r.note) console.log(`  (${r.note})`);
}
