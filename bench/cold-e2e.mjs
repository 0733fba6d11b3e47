#!/usr/bin/env node
// cold-e2e: a fresh broker's end-to-end latency through librdkafka (bench/rdkafka-e2e) with different node flags,
// one fresh broker per run, the variants interleaved round by round: the A/B of docs/performance.md, finding 13.
//
//   node bench/cold-e2e.mjs [--rounds 3] [--target kl-mem|kl-file] [--e2e="-n 3000"] [--delay-ms 0] [--busy 0] -- "" "--no-opt" "|--warm-up"
//
// Each argument after -- is one variant: the node flags it starts the broker with, separated by spaces ("" = none),
// then optionally `|` and kafkalite flags ("|--late-jit").
// --e2e= passes more arguments to the probe (default: 500 samples after 50, one record every 5-15 ms); --delay-ms leaves
// each broker idle that long between ready and the probe's start (a client that comes later than at once); --busy N
// keeps N busy loops at normal priority running throughout (a CPU-saturated machine, docs/performance.md finding 20). Prints each
// run, then per variant the median of the runs' p50 and p99 and the broker CPU (all threads) from exec to the end.
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ensureProbe, FETCH_WAIT_MS, once } from './lib/rdkafka-e2e.mjs';
import { median } from './lib/raw.mjs';

const { values: a, positionals: variants } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '3' }, target: { type: 'string', default: 'kl-mem' }, e2e: { type: 'string', default: '' }, 'delay-ms': { type: 'string', default: '0' }, busy: { type: 'string', default: '0' } },
});
if (variants.length === 0) variants.push('');
const skipped = ensureProbe();
if (skipped) {
  console.error(skipped);
  process.exit(2);
}

const split = (s) => s.split(' ').filter(Boolean);
const busy = Array.from({ length: Number(a.busy) }, () => spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
process.on('exit', () => busy.forEach((b) => b.kill()));
const results = new Map(variants.map((v) => [v, []]));
for (let round = 0; round < Number(a.rounds); round++) {
  // Alternate the order so that neither variant always runs right after the other's broker.
  for (const v of round % 2 ? [...variants].reverse() : variants) {
    const [node, cli = ''] = v.split('|');
    const r = await once({ target: a.target, nodeArgs: split(node), brokerArgs: split(cli), delayMs: Number(a['delay-ms']), samples: 500, fetchWaitMs: FETCH_WAIT_MS, args: split(a.e2e) }, 50);
    results.get(v).push(r);
    console.log(`${(v || '(no flags)').padEnd(32)} e2e p50 ${r.e2e.p50} p99 ${r.e2e.p99} max ${r.e2e.max} µs; ack p50 ${r.ack.p50} p99 ${r.ack.p99} µs; broker CPU ${Math.round(r.brokerCpuMs)} ms`);
  }
}
console.log('\nmedians over the runs');
for (const [v, runs] of results) {
  const m = (f) => Math.round(median(runs.map(f)));
  console.log(`${(v || '(no flags)').padEnd(32)} e2e p50 ${m((r) => r.e2e.p50)} p99 ${m((r) => r.e2e.p99)} µs; ack p99 ${m((r) => r.ack.p99)} µs; broker CPU ${m((r) => r.brokerCpuMs)} ms`);
}
