#!/usr/bin/env node
// Markdown tables from a bench/results/<date>.json (for docs/performance.md and the README).
//   node bench/report.mjs [bench/results/DATE.json] [--headline]
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
const args = process.argv.slice(2);
const file = args.find((x) => !x.startsWith('--')) ?? join(dir, readdirSync(dir).filter((f) => /^\d{4}-\d\d-\d\d\.json$/.test(f)).sort().pop());
const r = JSON.parse(readFileSync(file, 'utf8'));
const headline = args.includes('--headline');

const n = (x, d = 0) => (typeof x === 'number' ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : x ?? '–');
const ratio = (x, y) => (typeof x === 'number' && typeof y === 'number' && y ? `${(x / y).toFixed(2)}×` : 'n/a');
const size = (b) => (b >= 1024 ? `${b / 1024} KiB` : `${b} B`);
const client = (c) => (c === 'platformatic' ? '@platformatic/kafka' : c);
const cell = (t, key, d) => (t?.na ? 'n/a' : t?.error ? 'error' : n(t?.[key], d));
const out = [];

if (headline) {
  out.push('| client, record size | produce msg/s: kafkalite (mem) / mock | consume msg/s: kafkalite (mem) / mock | e2e p50 / p99 ms: kafkalite / mock |');
  out.push('|---|---|---|---|');
  for (const c of r.cases) {
    const k = c.targets['kl-mem'], m = c.targets.mock;
    const e2e = typeof k?.e2eP50 === 'number' ? `${n(k.e2eP50, 2)} / ${n(k.e2eP99, 2)} — ${m?.na ? 'n/a' : `${n(m?.e2eP50, 0)} / ${n(m?.e2eP99, 0)}`}` : '–';
    out.push(`| ${client(c.client)}, ${size(c.size)} | ${n(k?.produceMsgs)} / ${m?.na ? 'n/a' : n(m?.produceMsgs)} (${ratio(k?.produceMsgs, m?.produceMsgs)}) | ${n(k?.consumeMsgs)} / ${m?.na ? 'n/a' : n(m?.consumeMsgs)} (${ratio(k?.consumeMsgs, m?.consumeMsgs)}) | ${e2e} |`);
  }
  const s = r.startup;
  out.push('');
  out.push(`Start-up (exec → ready): ${n(s['kl-mem'].readyMs)} ms (memory), ${n(s['kl-file'].readyMs)} ms (file) vs ${n(s.mock.readyMs)} ms for the mock; ` +
    `\`node -e 0\` alone takes ${n(s.nodeBaselineMs)} ms. Idle RSS ${n(s['kl-mem'].idleRssMB, 1)} MB (mock ${n(s.mock.idleRssMB, 1)} MB). ` +
    `In-process \`startBroker()\`: ${n(s.inProcess.firstStartMs, 1)} ms.`);
  console.log(out.join('\n'));
  process.exit(0);
}

const M = r.machine;
out.push(`Measured ${r.date} on ${M.cpus} cores (${M.cpuModel}), ${M.memGB} GB, Node ${M.node}, Linux ${M.kernel}; ` +
  `1-minute load average ${JSON.stringify(Object.fromEntries(Object.entries(r.loadAverage ?? {}).filter(([k]) => k !== 'note')))} (other work shared the machine).`);
out.push('');
const T = r.config.targets.filter((t) => t !== 'mock');
for (const c of r.cases) {
  out.push(`**${client(c.client)}, ${size(c.size)} records** × ${n(c.messages)} (${c.partitions} partitions, acks -1, median of ${c.runs} runs)`);
  out.push('');
  out.push(`| metric | ${T.map((t) => `kafkalite ${t === 'kl-mem' ? 'memory' : 'file'}`).join(' | ')} | librdkafka mock | ${T.map((t) => `${t === 'kl-mem' ? 'memory' : 'file'}/mock`).join(' | ')} |`);
  out.push(`|---|${T.map(() => '---:').join('|')}|---:|${T.map(() => '---:').join('|')}|`);
  const rows = [
    ['produce msg/s ↑', 'produceMsgs', 0], ['produce MB/s ↑', 'produceMBs', 1], ['consume msg/s ↑', 'consumeMsgs', 0], ['consume MB/s ↑', 'consumeMBs', 1],
    ['e2e p50 ms ↓', 'e2eP50', 2], ['e2e p99 ms ↓', 'e2eP99', 2], ['produce ack p50 ms ↓', 'ackP50', 2], ['broker CPU ms / 100k msgs ↓', 'cpuMsPer100k', 0], ['same, runs after the first ↓', 'cpuMsPer100kWarm', 0],
    ['group join ms ↓', 'joinMs', 1], ['ready ms (exec → ready) ↓', 'readyMs', 0], ['idle RSS MB ↓', 'idleRssMB', 1], ['peak RSS MB ↓', 'loadedRssMB', 1],
  ];
  for (const [label, key, d] of rows) {
    if (c.targets['kl-mem']?.[key] === null || c.targets['kl-mem']?.[key] === undefined) continue;
    out.push(`| ${label} | ${T.map((t) => cell(c.targets[t], key, d)).join(' | ')} | ${cell(c.targets.mock, key, d)} | ${T.map((t) => (c.targets.mock?.na ? 'n/a' : ratio(c.targets[t]?.[key], c.targets.mock?.[key]))).join(' | ')} |`);
  }
  out.push('');
}
const s = r.startup;
if (s) {
  out.push('**Start-up, footprint and raw round trips** (fresh process each; raw = one connection, no client library)');
  out.push('');
  out.push('| target | ready ms (median / min) | CPU until ready ms | idle RSS MB | Metadata rtt p50 / p99 µs | Produce rtt p50 / p99 µs | e2e to a parked Fetch p50 / p99 µs |');
  out.push('|---|---:|---:|---:|---:|---:|---:|');
  for (const t of r.config.targets) {
    const x = s[t];
    const rtt = (k) => (x.rttUs?.[k] ? `${x.rttUs[k].p50} / ${x.rttUs[k].p99}` : '–');
    out.push(`| ${t} | ${n(x.readyMs)} / ${n(x.minReadyMs)} | ${n(x.readyCpuMs)} | ${n(x.idleRssMB, 1)} | ${rtt('metadata')} | ${rtt('produce')} | ${t === 'mock' ? 'no wake-up (waits max wait)' : rtt('e2e')} |`);
  }
  out.push('');
  out.push(`\`node -e 0\`: ${n(s.nodeBaselineMs)} ms (min ${n(s.nodeBaselineMinMs)}). In-process: import ${n(s.inProcess.importMs)} ms, first \`startBroker()\` ${n(s.inProcess.firstStartMs, 1)} ms, later ones ${n(s.inProcess.laterStartMs, 2)} ms.`);
  out.push('');
}
const rk = r.rdkafkaE2e;
if (rk?.skipped) out.push(`**End to end through librdkafka**: ${rk.skipped}`, '');
else if (rk) {
  out.push(`**End to end through librdkafka 2.0.2** (\`bench/rdkafka-e2e\`: one 100 B record every 5–15 ms, acks all, linger 0; ` +
    `${rk.samples} samples after ${rk.warmup}, median of ${rk.runs} runs)`);
  out.push('');
  out.push('| case | fetch.wait.max.ms | send → consumed p50 / p99 / max µs | send → ack p50 / p99 / max µs | 1-min load |');
  out.push('|---|---:|---:|---:|---:|');
  const f = (s) => `${n(s.p50)} / ${n(s.p99)} / ${n(s.max)}`;
  const label = { 'kl-mem': 'kafkalite memory', 'kl-file': 'kafkalite file', mock: 'librdkafka mock', 'mock-poll': 'librdkafka mock, polling consumer' };
  const warmNote = rk.warm ? `, after ${n(rk.warm.records)} warm-up records` : '';
  for (const [key, c] of Object.entries(rk.cases)) {
    const base = key.replace(/-(warm|warm-up|nice)$/, '');
    const suffix = { warm: warmNote, 'warm-up': ', `--warm-up`', nice: ', `--v8-workers-nice 19`' }[key.slice(base.length + 1)] ?? '';
    const name = (label[base] ?? base) + suffix;
    const e2e = key === 'mock' ? `${f(c.e2e)} (no wake-up: the wait)` : f(c.e2e);
    out.push(`| ${name} | ${c.fetchWaitMaxMs} | ${c.errors.length && c.e2e.p50 === null ? 'error' : e2e} | ${f(c.ack)} | ${c.load1.map((l) => n(l, 1)).join(', ')} |`);
  }
  out.push('');
}
const sc = r.scale;
if (sc) {
  out.push('**Scale** (raw connections)');
  out.push('');
  out.push('| case | kafkalite memory | kafkalite file | librdkafka mock |');
  out.push('|---|---|---|---|');
  const p = (t) => {
    const x = sc.partitions10k[t];
    if (!x || x.na) return 'n/a (no CreateTopics)';
    if (x.error) return `error: ${x.error}`;
    return `create ${n(x.createMs)} ms; Metadata(topic) p50 ${n(x.metadataTopic.p50, 1)} ms, p99 ${n(x.metadataTopic.p99, 1)} ms (${n(x.metadataTopic.responseBytes / 1024)} KiB); RSS ${n(x.idleRssMB)} → ${n(x.rssMB)} MB` +
      (x.restartReadyMs !== undefined ? `; restart ready ${n(x.restartReadyMs)} ms, RSS ${n(x.restartIdleRssMB)} MB` : '');
  };
  out.push(`| one topic with ${n(sc.partitions10k['kl-mem']?.partitions ?? 10000)} partitions | ${p('kl-mem')} | ${p('kl-file')} | ${p('mock')} |`);
  const c2 = (t) => {
    const x = sc.connections200[t];
    if (!x || x.error) return x?.error ?? '–';
    return `connect all ${n(x.connectAllMs)} ms; RSS ${n(x.idleRssMB)} → ${n(x.rssWithConnectionsMB)} MB; ${n(x.requestsPerSec)} Metadata/s, p50 ${n(x.latencyP50Ms, 1)} ms, p99 ${n(x.latencyP99Ms, 1)} ms; ${n(x.brokerCpuUsPerRequest, 1)} µs CPU/request`;
  };
  out.push(`| 200 concurrent connections | ${c2('kl-mem')} | ${c2('kl-file')} | ${c2('mock')} |`);
  const g = sc.log1g;
  if (g && !g.error) {
    out.push(`| start-up with a ${n(g.logMB)} MB log | – | filled at ${n(g.fillMBs)} MB/s; ready ${n(g.afterCleanStop?.readyMs)} ms after a clean stop, ${n(g.afterKill?.readyMs)} ms after SIGKILL (log intact: ${g.afterCleanStop?.intact && g.afterKill?.intact}) | n/a (keeps 5 MiB per partition) |`);
  }
  out.push('');
}
console.log(out.join('\n'));
