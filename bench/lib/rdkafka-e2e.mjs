// End-to-end latency through librdkafka (bench/rdkafka-e2e/e2e.c): a native client, so the broker is
// measured where the client is not the bottleneck (kafkajs and @platformatic/kafka add ~1 ms of their own).
// Each target runs `runs` times, interleaved with the others; figures are medians over the runs.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { promisify } from 'node:util';
import { ROOT, TARGETS, schedCpuMs, startTarget } from './procs.mjs';
import { median } from './raw.mjs';

const DIR = join(ROOT, 'bench', 'rdkafka-e2e');
export const PROBE = join(DIR, 'e2e');
export const FETCH_WAIT_MS = 100;

/** Builds the probe on demand; returns null when it is ready, else why it cannot be. */
export function ensureProbe() {
  if (existsSync(PROBE)) return null;
  if (!existsSync('/usr/include/librdkafka/rdkafka.h')) return 'skipped: librdkafka-dev is missing (apt-get install -y librdkafka-dev build-essential)';
  try {
    execFileSync('make', ['-C', DIR], { stdio: ['ignore', 'ignore', 'pipe'] });
    return null;
  } catch (e) {
    return `skipped: make -C bench/rdkafka-e2e failed: ${String(e.stderr ?? e.message).trim().split('\n').pop()}`;
  }
}

/**
 * The cases: every target with the consumer in a long-poll fetch (fetch.wait.max.ms 100, as kbench), and the mock
 * once more with fetch.wait.max.ms 0 — it never wakes a parked fetch, so only a polling consumer shows what
 * librdkafka and a C broker reach end to end. Waiting cases on the mock take ~100 ms a sample, hence fewer.
 */
function cases(targets, samples, warm) {
  const out = targets.map((t) => ({ key: t, target: t, fetchWaitMs: FETCH_WAIT_MS, samples: t === 'mock' ? Math.min(samples, 100) : samples }));
  if (targets.includes('mock')) out.push({ key: 'mock-poll', target: 'mock', fetchWaitMs: 0, samples });
  // The same, after a warm-up of WARM.records at up to 1 ms apart in the same client session: a fresh kafkalite
  // process runs its request path unoptimized for its first several thousand requests (V8's JIT), which a broker
  // that has been up for a while has behind it. The mock has no JIT; its waiting case would take 100 ms a record.
  for (const c of [...out]) {
    if (c.key !== 'mock') out.push({ ...c, key: `${c.key}-warm`, warmup: warm.records, warmupPauseMs: warm.pauseMs });
  }
  // And a fresh kafkalite started with --warm-up, the probe at once (docs/performance.md finding 19).
  for (const t of targets) if (TARGETS[t].kafkalite) out.push({ key: `${t}-warm-up`, target: t, brokerArgs: ['--warm-up'], fetchWaitMs: FETCH_WAIT_MS, samples });
  // And one started with V8's worker threads at nice 19 (finding 20: a fresh broker's p99 on an idle machine).
  for (const t of targets) if (TARGETS[t].kafkalite) out.push({ key: `${t}-nice`, target: t, brokerArgs: ['--v8-workers-nice', '19'], fetchWaitMs: FETCH_WAIT_MS, samples });
  return out;
}

/**
 * One run of the probe against a fresh broker of `c.target`, started with node flags `c.nodeArgs` (bench/cold-e2e.mjs);
 * `c.args` adds probe arguments; `c.delayMs` leaves the broker idle that long after it is ready. Also reports the broker's CPU (all threads) from exec to the end of the run.
 */
export async function once(c, warmup) {
  const broker = await startTarget(c.target, { nodeArgs: c.nodeArgs, brokerArgs: c.brokerArgs });
  try {
    if (c.delayMs) await new Promise((r) => setTimeout(r, c.delayMs)); // the broker idle before its first client
    const load1 = os.loadavg()[0];
    const args = ['-b', broker.bootstrap, '-n', String(c.samples), '-w', String(c.warmup ?? warmup), '-f', String(c.fetchWaitMs)];
    if (c.warmupPauseMs) args.push('-W', c.warmupPauseMs.join(','));
    args.push(...(c.args ?? []));
    const { stdout } = await promisify(execFile)(PROBE, args, { timeout: 300000 });
    return { ...JSON.parse(stdout.trim().split('\n').pop()), load1, brokerCpuMs: schedCpuMs(broker.pid) };
  } finally {
    await broker.stop();
  }
}

export async function runRdkafkaE2e({ targets, runs, quick, log }) {
  const skipped = ensureProbe();
  if (skipped) return { skipped };
  const samples = quick ? 200 : 500, warmup = quick ? 20 : 50;
  const warm = { records: quick ? 2000 : 5000, pauseMs: [0, 1] };
  const list = cases(targets, samples, warm);
  const all = Object.fromEntries(list.map((c) => [c.key, []]));
  for (let r = 0; r < runs; r++) {
    for (const c of list) {
      log(`librdkafka e2e on ${c.key} (run ${r + 1}/${runs})`);
      all[c.key].push(await once(c, warmup).catch((e) => ({ error: String(e.stderr || e.message).trim().split('\n').pop() })));
    }
  }
  const out = { samples, warmup, warm, runs, unit: 'us', cases: {} };
  for (const c of list) {
    const ok = all[c.key].filter((x) => !x.error);
    const med = (k, p) => (ok.length ? Math.round(median(ok.map((x) => x[k][p]))) : null);
    out.cases[c.key] = {
      target: c.target, fetchWaitMaxMs: c.fetchWaitMs, samples: c.samples, warmup: c.warmup ?? warmup,
      e2e: { p50: med('e2e', 'p50'), p99: med('e2e', 'p99'), max: med('e2e', 'max') },
      ack: { p50: med('ack', 'p50'), p99: med('ack', 'p99'), max: med('ack', 'max') },
      load1: all[c.key].map((x) => x.load1 ?? null), runs: all[c.key],
      errors: all[c.key].filter((x) => x.error).map((x) => x.error),
    };
  }
  return out;
}

export function printRdkafkaE2e(x) {
  if (!x) return;
  if (x.skipped) { console.log(`\ne2e through librdkafka: ${x.skipped}`); return; }
  const lines = [`\ne2e through librdkafka 2.0.2 (bench/rdkafka-e2e: 100 B records every 5-15 ms, acks all, ${x.samples} samples after ${x.warmup}, ` +
    `medians of ${x.runs} runs; us)`];
  lines.push('case'.padEnd(16) + 'fetch wait'.padStart(11) + 'e2e p50/p99/max'.padStart(24) + 'ack p50/p99/max'.padStart(24) + '  load (1 min)');
  const f = (s) => `${s.p50 ?? '-'}/${s.p99 ?? '-'}/${s.max ?? '-'}`;
  for (const [key, c] of Object.entries(x.cases)) {
    lines.push(key.padEnd(16) + `${c.fetchWaitMaxMs} ms`.padStart(11) + f(c.e2e).padStart(24) + f(c.ack).padStart(24) + `  ${c.load1.map((l) => l?.toFixed(2)).join(' ')}`);
    for (const e of c.errors) lines.push(`  ${key}: ${e}`);
  }
  lines.push('mock: never wakes a parked fetch, so its e2e with a 100 ms wait is the wait; mock-poll has the consumer poll (fetch.wait.max.ms 0)');
  lines.push(`*-warm: the same after ${x.warm.records} warm-up records at ${x.warm.pauseMs.join('-')} ms apart in the same session; *-warm-up: started with --warm-up; *-nice: with --v8-workers-nice 19`);
  console.log(lines.join('\n'));
}
