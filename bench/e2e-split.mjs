#!/usr/bin/env node
// Splits end-to-end latency through librdkafka (bench/rdkafka-e2e) into the broker's part and the client's, from
// a packet capture on loopback: for each sample, the broker's part is produce request in -> fetch response out
// (and -> produce response out), as the packets pass `lo`; the rest of the probe's send -> consumed time is
// librdkafka's own (queueing, its broker thread waking the consumer thread). Needs tcpdump and the right to
// capture (root). Used for finding 11 of docs/performance.md.
//
//   node bench/e2e-split.mjs --broker 127.0.0.1:9092 [--samples 1000] [--rows] [-- extra e2e args, e.g. -w 5000 -W 0,1]
//
// --rows prints every sample to stderr: index, e2e, broker's produce response, broker's fetch response (µs), and
// the capture time of the produce request (ms since the epoch), for lining samples up with a broker's own logs.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/procs.mjs';

const { values: a, positionals } = parseArgs({
  options: { broker: { type: 'string' }, samples: { type: 'string', default: '1000' }, rows: { type: 'boolean' }, help: { type: 'boolean' } },
  allowPositionals: true,
});
if (a.help || !a.broker) {
  console.error('usage: node bench/e2e-split.mjs --broker HOST:PORT [--samples N] [--rows] [-- extra e2e args]');
  process.exit(a.help ? 0 : 2);
}
const port = Number(a.broker.split(':').pop());
const probe = join(ROOT, 'bench', 'rdkafka-e2e', 'e2e');
if (!existsSync(probe)) { console.error('the probe is missing: make -C bench/rdkafka-e2e (needs librdkafka-dev)'); process.exit(2); }
const dir = mkdtempSync(join(tmpdir(), 'e2e-split-'));
const pcap = join(dir, 'lo.pcap');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Only segments that carry data (PSH): requests and responses, not bare ACKs.
const tcpdump = spawn('tcpdump', ['-i', 'lo', '-n', '-U', '--immediate-mode', '-w', pcap, `tcp port ${port} and (tcp[tcpflags] & tcp-push != 0)`], { stdio: 'ignore' });
tcpdump.on('error', (e) => { console.error(`tcpdump: ${e.message}`); process.exit(1); });
await sleep(500);
let stderr = '';
const e2e = spawn(probe, ['-b', a.broker, '-n', a.samples, '-v', ...positionals], { stdio: ['ignore', 'pipe', 'pipe'] });
let summary = '';
e2e.stdout.on('data', (d) => { summary += d; });
e2e.stderr.on('data', (d) => { stderr += d; });
const code = await new Promise((r) => e2e.on('exit', r));
await sleep(1000);
tcpdump.kill('SIGINT');
await new Promise((r) => tcpdump.on('exit', r));
if (code !== 0) { console.error(`e2e exited ${code}: ${stderr.slice(-500)}`); process.exit(1); }

// Packets: time (µs), source port, destination port, payload length.
const packets = execFileSync('tcpdump', ['-r', pcap, '-n', '-tt'], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] })
  .split('\n').map((l) => l.match(/^(\d+\.\d+) IP [\d.]+\.(\d+) > [\d.]+\.(\d+):.*length (\d+)/)).filter(Boolean)
  .map((m) => ({ t: Number(m[1]) * 1e6, src: Number(m[2]), dst: Number(m[3]), len: Number(m[4]) }));
rmSync(dir, { recursive: true, force: true });

// The producer's connection is the one whose requests are answered at once on both connections (its ack and
// the woken fetch); the consumer's fetch requests are followed by a response elsewhere only at the next record.
const counts = new Map();
for (const p of packets) if (p.dst === port) counts.set(`${p.src}:${p.len}`, (counts.get(`${p.src}:${p.len}`) ?? 0) + 1);
const candidates = [...counts].sort((x, y) => y[1] - x[1]).map(([k]) => k.split(':').map(Number));
function split([src, len]) {
  const out = [];
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i];
    if (p.src !== src || p.dst !== port || p.len !== len) continue;
    let ack = null, fetch = null;
    for (let j = i + 1; j < packets.length && packets[j].t - p.t < 1e6 && (ack === null || fetch === null); j++) {
      const q = packets[j];
      if (q.src !== port) continue;
      if (q.dst === src) ack ??= q.t - p.t;
      else fetch ??= q.t - p.t;
    }
    out.push({ t: p.t, ack, fetch });
  }
  return out;
}
const median = (xs) => xs.sort((x, y) => x - y)[xs.length >> 1];
const answered = (s) => s.filter((r) => r.fetch !== null && r.ack !== null);
const broker = candidates.slice(0, 4).map(split).filter((s) => s.length >= Number(a.samples) && answered(s).length > 0.95 * s.length)
  .sort((x, y) => median(answered(x).map((r) => Math.max(r.ack, r.fetch))) - median(answered(y).map((r) => Math.max(r.ack, r.fetch))))[0];
if (!broker) { console.error('could not find the producer connection in the capture'); process.exit(1); }

// The probe's lines: index, send time (ms since the epoch), e2e µs, ack µs; warm-up records included. Each
// sample is matched to the first produce request captured after its send time (tcpdump stamps packets on the
// same clock), so a packet the capture dropped costs one sample, not the pairing of the rest.
const client = stderr.trim().split('\n').map((l) => l.split(' ').map(Number)).filter((x) => x.length === 4).slice(-Number(a.samples));
const firstAfter = (t) => {
  let lo = 0, hi = broker.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (broker[mid].t < t) lo = mid + 1; else hi = mid; }
  return broker[lo];
};
const rows = [];
for (const c of client) {
  const sent = c[1] * 1000;
  const b = firstAfter(sent);
  // The request went out between the send call and its ack; one captured later belongs to a later record.
  if (b && b.t - sent < Math.min(c[3], 5000)) rows.push({ t: b.t, e2e: c[2], ack: b.ack, fetch: b.fetch });
}
const pct = (xs, p) => { const s = xs.filter((x) => x !== null).sort((x, y) => x - y); return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]); };
const line = (name, xs) => `${name.padEnd(44)} p50 ${String(pct(xs, 50)).padStart(6)}  p99 ${String(pct(xs, 99)).padStart(6)}  max ${String(pct(xs, 100)).padStart(6)}`;
console.log(summary.trim());
console.log(`${rows.length} of ${client.length} samples matched to the capture, µs`);
console.log(line('send -> consumed (probe)', rows.map((r) => r.e2e)));
console.log(line('broker: produce in -> fetch response out', rows.map((r) => r.fetch)));
console.log(line('broker: produce in -> produce response out', rows.map((r) => r.ack)));
console.log(line('client: the rest of send -> consumed', rows.map((r) => (r.fetch === null ? null : r.e2e - r.fetch))));
if (a.rows) for (const [i, r] of rows.entries()) console.error(i, r.e2e, r.ack, r.fetch, Math.round(r.t / 1000));
const slow = rows.filter((r) => r.e2e > 1000);
console.log(`over 1 ms end to end: ${slow.length}; of those the broker's part over 1 ms: ${slow.filter((r) => r.fetch > 1000).length}`);
