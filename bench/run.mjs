#!/usr/bin/env node
// The benchmark suite (npm run bench): kafkalite with the memory and the file engine against librdkafka's
// mock cluster as the peer, through real clients (kbench.mjs with kafkajs and @platformatic/kafka), plus
// process start-up and memory, and end-to-end latency through librdkafka (lib/rdkafka-e2e.mjs). Prints a table
// with the ratio kafkalite/peer for each figure, writes bench/results/<date>.json (merged with earlier runs of the
// same day) and an SVG chart of throughput.
//
//   node bench/run.mjs [--quick] [--runs R] [--scale | --all] [--targets kl-mem,kl-file,mock] [--out FILE]
//
// --scale runs the scale cases instead (10,000 partitions, 200 connections, start-up with a 1 GB log);
// --all runs both. Not part of npm test: the figures depend on the machine and its load.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { ROOT, TARGETS, cpuMs, ensureBuilt, idleMemory, memoryMB, startTarget } from './lib/procs.mjs';
import { median } from './lib/raw.mjs';
import { runRdkafkaE2e, printRdkafkaE2e } from './lib/rdkafka-e2e.mjs';
import { runScale, printScale } from './lib/scale.mjs';
import { throughputSvg } from './lib/svg.mjs';
import { measureE2e, measureRtt } from './rtt.mjs';

const { values: a } = parseArgs({
  options: {
    quick: { type: 'boolean' }, runs: { type: 'string' }, scale: { type: 'boolean' }, all: { type: 'boolean' },
    targets: { type: 'string', default: 'kl-mem,kl-file,mock' }, out: { type: 'string' }, help: { type: 'boolean' },
  },
});
if (a.help) {
  console.log('usage: node bench/run.mjs [--quick] [--runs R] [--scale | --all] [--targets kl-mem,kl-file,mock] [--out FILE]');
  process.exit(0);
}
const quick = !!a.quick;
const RUNS = Number(a.runs ?? (quick ? 1 : 3));
const targets = a.targets.split(',');
for (const t of targets) if (!TARGETS[t]) throw new Error(`unknown target ${t} (known: ${Object.keys(TARGETS).join(', ')})`);
const PEER = 'mock';
// The mock keeps 5 MiB per partition and auto-creates 4 partitions, so the 10 KiB case stays under 20 MiB.
const SIZES = [
  { size: 100, messages: quick ? 10000 : 50000, partitions: 4, latencySamples: quick ? 50 : 150 },
  { size: 10240, messages: quick ? 600 : 1800, partitions: 4, latencySamples: 0 },
];
const CLIENTS = ['kafkajs', 'platformatic'];
// The mock answers ApiVersions only up to v2; @platformatic/kafka needs v3 and cannot connect.
const unsupported = (target, client) => (target === 'mock' && client === 'platformatic' ? 'n/a: mock has no ApiVersions v3' : null);

const RESULTS = join(ROOT, 'bench', 'results');
const TMP = join(RESULTS, 'tmp');
mkdirSync(TMP, { recursive: true });
const date = new Date().toISOString().slice(0, 10);
const outFile = a.out ?? join(RESULTS, `${date}.json`);
const log = (...x) => console.error('[bench]', ...x);

function runNode(args, { timeoutMs = 900000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => { clearTimeout(t); resolve({ code, out, err }); });
  });
}

/** One kbench invocation against a freshly started target; adds ready time and memory of that process. */
async function kbenchCase(target, client, spec) {
  const broker = await startTarget(target);
  try {
    const idleRssMB = await idleMemory(broker.pid);
    const json = join(TMP, `kbench-${target}-${client}-${spec.size}.json`);
    rmSync(json, { force: true });
    const args = ['bench/kbench.mjs', '--brokers', broker.bootstrap, '--client', client, '--messages', String(spec.messages),
      '--size', String(spec.size), '--partitions', String(spec.partitions), '--latency-samples', String(spec.latencySamples),
      '--runs', String(RUNS), '--pid', String(broker.pid), '--json', json];
    const r = await runNode(args);
    const mem = memoryMB(broker.pid);
    if (!existsSync(json)) return { error: `kbench failed (exit ${r.code}): ${(r.err || r.out).trim().split('\n').slice(-3).join(' | ')}` };
    const k = JSON.parse(readFileSync(json, 'utf8'));
    const m = k.medians;
    // CPU per 100k messages from the sums over all runs (kbench reads /proc at 10 ms resolution per phase), and
    // over the runs after the first: a fresh kafkalite runs its request path unoptimized at first (V8's JIT).
    const cpuOf = (runs) => runs.reduce((s, run) => s + (run.brokerCpuMs.produce ?? NaN) + (run.brokerCpuMs.consume ?? NaN), 0);
    const per100k = (runs) => (runs.length ? (cpuOf(runs) / (runs.length * spec.messages)) * 1e5 : null);
    const errors = k.runs.flatMap((run) => run.errors);
    return {
      produceMsgs: m['produce msg/s'], produceMBs: m['produce MB/s'], consumeMsgs: m['consume msg/s'], consumeMBs: m['consume MB/s'],
      e2eP50: m['e2e p50 ms'], e2eP99: m['e2e p99 ms'], ackP50: m['produce ack p50 ms'], joinMs: m['group join ms'],
      cpuMsPer100k: per100k(k.runs), cpuMsPer100kWarm: per100k(k.runs.slice(1)),
      readyMs: broker.readyMs, idleRssMB, loadedRssMB: mem.hwm,
      verified: k.runs.every((run) => run.verified), errors, client: k.client,
    };
  } finally {
    await broker.stop();
  }
}

// name, key, decimals, which way is better
const METRICS = [
  ['produce msg/s', 'produceMsgs', 0, 'higher'], ['produce MB/s', 'produceMBs', 1, 'higher'],
  ['consume msg/s', 'consumeMsgs', 0, 'higher'], ['consume MB/s', 'consumeMBs', 1, 'higher'],
  ['e2e p50 ms', 'e2eP50', 2, 'lower'], ['e2e p99 ms', 'e2eP99', 2, 'lower'], ['produce ack p50 ms', 'ackP50', 2, 'lower'],
  ['broker CPU ms/100k msg', 'cpuMsPer100k', 0, 'lower'], ['  after the 1st run', 'cpuMsPer100kWarm', 0, 'lower'], ['group join ms', 'joinMs', 1, 'lower'],
  ['ready ms (exec->ready)', 'readyMs', 1, 'lower'], ['idle RSS MB', 'idleRssMB', 1, 'lower'], ['loaded RSS MB (peak)', 'loadedRssMB', 1, 'lower'],
];

function ratios(c) {
  const out = {};
  const peer = c.targets[PEER];
  for (const t of targets) {
    if (t === PEER || !c.targets[t]) continue;
    const r = {};
    for (const [, key] of METRICS) {
      const x = c.targets[t][key], y = peer?.[key];
      r[key] = typeof x === 'number' && typeof y === 'number' && y !== 0 ? x / y : null;
    }
    out[`${t}/${PEER}`] = r;
  }
  return out;
}

const fmt = (x, d) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : x ?? '-');

function printCases(cases) {
  const w = 11;
  const ratioCols = targets.filter((t) => t !== PEER && targets.includes(PEER)).map((t) => `${t}/${PEER}`);
  for (const c of cases) {
    const lines = [`\n${c.client}, ${c.size} B x ${c.messages} (${c.partitions} partitions, acks -1, ${c.runs} runs, medians)`];
    lines.push('metric'.padEnd(26) + targets.map((t) => t.padStart(w)).join('') + ratioCols.map((r) => r.padStart(w + 3)).join(''));
    for (const [label, key, d, better] of METRICS) {
      const cells = targets.map((t) => {
        const r = c.targets[t];
        if (!r) return '-';
        if (r.na) return 'n/a';
        if (r.error) return 'ERROR';
        return fmt(r[key], d);
      });
      const rs = ratioCols.map((rc) => fmt(c.ratios[rc]?.[key], 2));
      lines.push(`${label} ${better === 'higher' ? '^' : 'v'}`.padEnd(26) + cells.map((x) => String(x).padStart(w)).join('') + rs.map((x) => String(x).padStart(w + 3)).join(''));
    }
    for (const t of targets) {
      const r = c.targets[t];
      if (r?.na) lines.push(`  ${t}: ${r.na}`);
      if (r?.error) lines.push(`  ${t}: ${r.error}`);
      if (r && !r.na && !r.error && (!r.verified || r.errors.length)) lines.push(`  ${t}: verified=${r.verified} ${r.errors.join('; ')}`);
    }
    console.log(lines.join('\n'));
  }
  console.log('\n^ higher is better, v lower is better; ratio = kafkalite / peer');
}

async function startup() {
  const out = {};
  const samples = quick ? 3 : 7;
  // node itself: exec -> exit of an empty script, the floor under any Node program's ready time
  const base = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await runNode(['-e', '0']);
    base.push(performance.now() - t);
  }
  out.nodeBaselineMs = median(base);
  out.nodeBaselineMinMs = Math.min(...base);
  for (const t of targets) {
    const ready = [], readyCpu = [], idle = [];
    for (let i = 0; i < samples; i++) {
      const b = await startTarget(t);
      ready.push(b.readyMs);
      readyCpu.push(b.readyCpuMs);
      if (i === 0) idle.push(await idleMemory(b.pid));
      await b.stop();
    }
    out[t] = { readyMs: median(ready), minReadyMs: Math.min(...ready), readySamples: ready.map((x) => Number(x.toFixed(1))), readyCpuMs: median(readyCpu), idleRssMB: idle[0] };
  }
  const r = await runNode(['bench/lib/inproc-start.mjs']);
  out.inProcess = r.code === 0 ? JSON.parse(r.out.trim().split('\n').pop()) : { error: r.err.trim() };
  // Raw round trips (no client library): per-request latency of the broker itself.
  for (const t of targets) {
    const b = await startTarget(t);
    try {
      out[t].rttUs = await measureRtt(b.bootstrap, { requests: quick ? 500 : 2000 });
      // The mock never wakes a parked fetch: each sample would wait the full max wait (1 s).
      out[t].rttUs.e2e = t === 'mock' ? { p50: 'n/a', p99: 'no wake-up' } : await measureE2e(b.bootstrap, { samples: quick ? 100 : 500 });
    } catch (e) { out[t].rttUs = { error: e.message }; }
    await b.stop();
  }
  return out;
}

function printStartup(s) {
  const lines = ['\nprocess start-up and footprint (fresh process each; ready = exec -> ready line / bootstrap file)',
    `node -e 0 (exec -> exit): median ${fmt(s.nodeBaselineMs, 1)} ms, min ${fmt(s.nodeBaselineMinMs, 1)} ms`];
  lines.push('target'.padEnd(10) + 'ready ms med/min'.padStart(18) + 'CPU to ready'.padStart(14) + 'idle RSS MB'.padStart(13) +
    'Metadata rtt p50/p99 us'.padStart(25) + 'Produce rtt p50/p99 us'.padStart(24) + 'e2e (raw) p50/p99 us'.padStart(22));
  for (const t of targets) {
    const x = s[t];
    const rtt = (k) => (x.rttUs?.[k] ? `${x.rttUs[k].p50}/${x.rttUs[k].p99}` : x.rttUs?.error ?? '-');
    lines.push(t.padEnd(10) + `${fmt(x.readyMs, 1)}/${fmt(x.minReadyMs, 1)}`.padStart(18) + fmt(x.readyCpuMs, 0).padStart(14) + fmt(x.idleRssMB, 1).padStart(13) +
      rtt('metadata').padStart(25) + rtt('produce').padStart(24) + rtt('e2e').padStart(22));
  }
  const ip = s.inProcess;
  if (ip) lines.push(ip.error ? `in-process: ${ip.error}` : `in-process: import ${fmt(ip.importMs, 1)} ms, first startBroker() ${fmt(ip.firstStartMs, 1)} ms, later startBroker() ${fmt(ip.laterStartMs, 2)} ms`);
  console.log(lines.join('\n'));
}

function machine() {
  const cpus = os.cpus();
  return { cpus: cpus.length, cpuModel: cpus[0]?.model, memGB: Number((os.totalmem() / 2 ** 30).toFixed(1)), node: process.version, kernel: os.release() };
}

async function main() {
  ensureBuilt();
  const t0 = performance.now();
  const prev = existsSync(outFile) ? JSON.parse(readFileSync(outFile, 'utf8')) : {};
  const result = { ...prev, date, machine: machine() };
  const load = [os.loadavg()[0]];
  if (!a.scale || a.all) {
    log(`main cases: ${targets.join(', ')} x ${CLIENTS.join(', ')} x ${SIZES.map((s) => s.size).join(', ')} B, ${RUNS} runs`);
    result.startup = await startup();
    result.rdkafkaE2e = await runRdkafkaE2e({ targets, runs: RUNS, quick, log });
    const cases = [];
    for (const client of CLIENTS) {
      for (const spec of SIZES) {
        const c = { client, size: spec.size, messages: spec.messages, partitions: spec.partitions, runs: RUNS, targets: {} };
        for (const t of targets) {
          const na = unsupported(t, client);
          log(`${client} ${spec.size} B on ${t}${na ? ' (n/a)' : ''}`);
          c.targets[t] = na ? { na } : await kbenchCase(t, client, spec).catch((e) => ({ error: e.message }));
        }
        c.ratios = ratios(c);
        cases.push(c);
      }
    }
    result.config = { runs: RUNS, quick, sizes: SIZES, clients: CLIENTS, targets, peer: PEER, acks: -1 };
    result.cases = cases;
    printStartup(result.startup);
    printRdkafkaE2e(result.rdkafkaE2e);
    printCases(cases);
    const svg = throughputSvg(result, TARGETS);
    writeFileSync(`${outFile.replace(/\.json$/, '')}-throughput.svg`, svg); // next to the JSON (--out too)
  }
  if (a.scale || a.all) {
    log('scale cases');
    result.scale = await runScale({ targets, quick, log });
    printScale(result.scale);
  }
  load.push(os.loadavg()[0]);
  // Per section, since --scale runs merge into the same file: the 1-minute load average before and after.
  const section = a.all ? 'all' : a.scale ? 'scale' : 'main';
  result.loadAverage = { ...(prev.loadAverage?.start === undefined ? prev.loadAverage : {}), [section]: { start: load[0], end: load[1] },
    note: 'the 1-minute load average: other work on the machine skews every figure' };
  result.seconds = { ...(typeof prev.seconds === 'object' ? prev.seconds : {}), [section]: Math.round((performance.now() - t0) / 1000) };
  writeFileSync(outFile, JSON.stringify(result, (k, x) => (typeof x === 'number' ? Number(x.toFixed(3)) : x), 2) + '\n');
  log(`wrote ${outFile} in ${result.seconds[section]} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
