#!/usr/bin/env node
// What an idle gap costs on this machine, without a broker: encodes and decodes one single-record Produce request
// with kafkalite's codec (after 20,000 warm-up calls), once right after another call and once after sleeping,
// and prints the time of the call after the gap. A call that takes several times its back-to-back time after
// the gap, while a second call right after it is fast again, means the gap emptied the caches, not that the
// code got slower (docs/performance.md, finding 9).
//   node bench/idle-gap.mjs [--samples 300] [--gaps 0,1,10]
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeRequest, encodeRequest } from '../dist/protocol/messages.js';
import { encodeBatch } from '../dist/protocol/records/index.js';

const { values: a } = parseArgs({ options: { samples: { type: 'string', default: '300' }, gaps: { type: 'string', default: '0,1,10' } } });
const records = await encodeBatch([{ value: Buffer.alloc(100, 97) }]);
const body = { transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'idle-gap', partitionData: [{ index: 0, records }] }] };
const codecCall = () => decodeRequest(encodeRequest(0, 7, 1, 'idle-gap', body).subarray(4));
for (let i = 0; i < 20000; i++) codecCall();

const timed = () => {
  const t0 = process.hrtime.bigint();
  codecCall();
  return Number(process.hrtime.bigint() - t0) / 1000;
};
const pct = (xs, q) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(xs.length * q))].toFixed(1);
for (const gap of a.gaps.split(',').map(Number)) {
  const first = [];
  const second = [];
  for (let i = 0; i < Number(a.samples); i++) {
    if (gap > 0) await sleep(gap);
    else codecCall();
    first.push(timed());
    second.push(timed());
  }
  console.log(`gap ${String(gap).padStart(3)} ms: first call p50 ${pct(first, 0.5)} µs, p90 ${pct(first, 0.9)} µs; the call right after it p50 ${pct(second, 0.5)} µs`);
}
