#!/usr/bin/env node
// warm-up: what `kafkalite --warm-up` buys a fresh broker whose first client comes a little after it is ready (a
// developer's broker, a CI job that starts it before building): kbench (kafkajs, one run) against fresh brokers with
// and without it, and the librdkafka mock, interleaved round by round, each left idle --delay-ms before the client
// starts. Prints each run, then medians: throughput, e2e latency, the broker's CPU for the produce and consume
// phases (what a fresh process pays for its unoptimized code, docs/performance.md findings 11 and 19), its CPU
// from exec to the end (the warm-up included) and its RSS at the end.
//
//   node bench/warm-up.mjs [--rounds 3] [--delay-ms 2000] [--messages 50000] [--size 100] [-- variant ...]
//
// A variant is a target (kl-mem, kl-file, mock), then optionally `|` and kafkalite flags, then `|` and node flags
// ("kl-mem|--warm-up|--env-file=x.env"); by default kl-mem, kl-mem with --warm-up, and the mock.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, memoryMB, parseVariant, schedCpuMs, startTarget } from './lib/procs.mjs';
import { median } from './lib/raw.mjs';

const { values: a, positionals } = parseArgs({ allowPositionals: true, options: {
  rounds: { type: 'string', default: '3' }, 'delay-ms': { type: 'string', default: '2000' },
  messages: { type: 'string', default: '50000' }, size: { type: 'string', default: '100' },
} });
const VARIANTS = positionals.length ? positionals : ['kl-mem', 'kl-mem|--warm-up', 'mock'];

async function once(variant) {
  const { target, brokerArgs, nodeArgs } = parseVariant(variant);
  const broker = await startTarget(target, { brokerArgs, nodeArgs });
  const json = join(tmpdir(), `warm-up-kbench-${process.pid}.json`);
  try {
    await new Promise((r) => setTimeout(r, Number(a['delay-ms'])));
    rmSync(json, { force: true });
    const code = await new Promise((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'bench', 'kbench.mjs'), '--brokers', broker.bootstrap, '--messages', a.messages,
        '--size', a.size, '--pid', String(broker.pid), '--json', json], { stdio: 'ignore' });
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`kbench exited ${code} against ${variant}`);
    const run = JSON.parse(readFileSync(json, 'utf8')).runs[0];
    return { ...run, cpuTotalMs: schedCpuMs(broker.pid), rssMB: memoryMB(broker.pid).rss };
  } finally {
    rmSync(json, { force: true });
    await broker.stop();
  }
}

const COLS = [
  ['produce msg/s', (r) => r.produce?.msgsPerSec],
  ['consume msg/s', (r) => r.consume?.msgsPerSec],
  ['e2e p50 ms', (r) => r.latency?.p50],
  ['e2e p99 ms', (r) => r.latency?.p99],
  ['cpu prod ms', (r) => r.brokerCpuMs.produce],
  ['cpu cons ms', (r) => r.brokerCpuMs.consume],
  ['cpu total ms', (r) => r.cpuTotalMs],
  ['rss MB', (r) => r.rssMB],
];
const row = (label, vals) => label.padEnd(24) + vals.map((v) => String(v == null ? '-' : Math.round(v * 100) / 100).padStart(14)).join('');
console.log(row('', []) + COLS.map(([c]) => c.padStart(14)).join(''));
const results = new Map(VARIANTS.map((v) => [v, []]));
for (let round = 0; round < Number(a.rounds); round++) {
  for (const v of round % 2 ? [...VARIANTS].reverse() : VARIANTS) {
    const r = await once(v);
    results.get(v).push(r);
    console.log(row(v, COLS.map(([, f]) => f(r))));
  }
}
console.log(`\nmedians of ${a.rounds} rounds (${a.messages} × ${a.size} B, kafkajs, the client started ${a['delay-ms']} ms after ready)`);
for (const [n, runs] of results) console.log(row(n, COLS.map(([, f]) => median(runs.map(f).filter((x) => x != null)))));
