// Scale cases of the benchmark suite (bench/run.mjs --scale), on raw connections so that the client is
// not what is measured: a topic with 10,000 partitions (creation, Metadata latency, memory, restart of
// the file engine), 200 concurrent connections (footprint, Metadata throughput and latency) and
// start-up of the file engine over a 1 GB log (clean and after SIGKILL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeRequest } from '../../dist/protocol/messages.js';
import { encodeBatch } from '../../dist/protocol/records/index.js';
import { cpuMs, idleMemory, memoryMB, startTarget } from './procs.mjs';
import { pct, rawConnection, waitForLeaders } from './raw.mjs';

const now = () => performance.now();
const r1 = (x) => (typeof x === 'number' ? Number(x.toFixed(1)) : x);

async function createTopic(c, name, partitions) {
  const r = await c.request(19, 2, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 120000, validateOnly: false });
  const t = r.topics[0];
  if (t.errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${t.errorCode} ${t.errorMessage ?? ''}`);
}

/** Sequential requests: latency percentiles (ms), response bytes and broker CPU per request. */
async function timed(c, pid, n, apiKey, version, body) {
  const xs = [];
  let bytes = 0;
  const cpu0 = cpuMs(pid);
  for (let i = 0; i < n; i++) {
    const t = now();
    const frame = await c.request(apiKey, version, body, { raw: true });
    xs.push(now() - t);
    bytes = frame.length;
  }
  return { p50: r1(pct(xs, 50)), p99: r1(pct(xs, 99)), responseBytes: bytes, brokerCpuMsPerRequest: r1((cpuMs(pid) - cpu0) / n) };
}

export async function partitions10k(kind, { quick }) {
  const P = quick ? 2000 : 10000;
  const b = await startTarget(kind);
  const out = { partitions: P };
  try {
    out.idleRssMB = r1(await idleMemory(b.pid, 500));
    const c = await rawConnection(b.bootstrap);
    await c.request(18, 0, {});
    let t = now();
    await createTopic(c, 'p10k', P);
    out.createMs = r1(now() - t);
    t = now();
    await waitForLeaders(c, ['p10k'], 120000);
    out.leadersReadyMs = r1(now() - t);
    const n = quick ? 10 : 30;
    out.metadataTopic = await timed(c, b.pid, n, 3, 1, { topics: [{ name: 'p10k' }] });
    out.metadataAll = await timed(c, b.pid, n, 3, 1, { topics: null });
    // What clients do on every refresh once they know the topic: kafkajs asks for its topics by name (v6).
    out.metadataTopicV9 = await timed(c, b.pid, n, 3, 9, { topics: [{ name: 'p10k', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const m = memoryMB(b.pid);
    out.rssMB = r1(m.rss);
    out.peakRssMB = r1(m.hwm);
    c.close();
    if (kind === 'kl-file') {
      await b.stop({ keepData: true });
      const again = await startTarget(kind, { dataDir: b.dataDir });
      out.restartReadyMs = r1(again.readyMs);
      out.restartIdleRssMB = r1(await idleMemory(again.pid, 500));
      await again.stop();
      rmSync(b.dataDir, { recursive: true, force: true });
    }
  } finally {
    await b.stop();
  }
  return out;
}

export async function connections200(kind, { quick }) {
  const N = 200;
  const b = await startTarget(kind);
  const out = { connections: N };
  try {
    out.idleRssMB = r1(await idleMemory(b.pid, 500));
    // 20 connects at a time: a storm of 200 at once overflows the mock's listen backlog (ECONNRESET).
    let t = now();
    const conns = [];
    while (conns.length < N) {
      conns.push(...await Promise.all(Array.from({ length: Math.min(20, N - conns.length) }, async () => {
        const c = await rawConnection(b.bootstrap);
        await c.request(18, 0, {});
        return c;
      })));
    }
    out.connectAllMs = r1(now() - t);
    await waitForLeaders(conns[0], ['c200']);
    out.rssWithConnectionsMB = r1(memoryMB(b.pid).rss);
    // Every connection loops Metadata(c200) for a few seconds, all at once.
    const lat = [];
    const cpu0 = cpuMs(b.pid);
    t = now();
    const until = t + (quick ? 1500 : 4000);
    await Promise.all(conns.map(async (c) => {
      while (now() < until) {
        const s = now();
        await c.request(3, 1, { topics: [{ name: 'c200' }] });
        lat.push(now() - s);
      }
    }));
    const secs = (now() - t) / 1000;
    out.requestsPerSec = Math.round(lat.length / secs);
    out.latencyP50Ms = r1(pct(lat, 50));
    out.latencyP99Ms = r1(pct(lat, 99));
    out.brokerCpuUsPerRequest = r1(((cpuMs(b.pid) - cpu0) * 1000) / lat.length);
    out.peakRssMB = r1(memoryMB(b.pid).hwm);
    for (const c of conns) c.close();
  } finally {
    await b.stop();
  }
  return out;
}

/** ListOffsets latest of every partition of `topic`, summed (records in the log). */
async function logEnd(c, topic, partitions) {
  const r = await c.request(2, 1, { replicaId: -1, topics: [{ name: topic, partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, timestamp: -1 })) }] });
  return r.topics[0].partitions.reduce((s, p) => s + Number(p.offset), 0);
}

export async function log1g({ quick }) {
  const totalMB = quick ? 128 : 1024;
  const P = 4;
  const dataDir = mkdtempSync(join(tmpdir(), 'kbench-1g-'));
  const out = { logMB: totalMB, partitions: P };
  try {
    let b = await startTarget('kl-file', { dataDir });
    const c = await rawConnection(b.bootstrap);
    await c.request(18, 0, {});
    await createTopic(c, 'big', P);
    await waitForLeaders(c, ['big']);
    // 1 MiB requests: 1000 records of 1 KiB (minus framing), encoded once per partition and sent again and again.
    const value = Buffer.alloc(1024 - 20, 0x61);
    const batch = await encodeBatch(Array.from({ length: 1000 }, () => ({ value })));
    const frames = Array.from({ length: P }, (_, i) => encodeRequest(0, 3, 1, 'fill', { transactionalId: null, acks: 1, timeoutMs: 30000, topicData: [{ name: 'big', partitionData: [{ index: i, records: batch }] }] }));
    const requests = Math.ceil((totalMB * 2 ** 20) / frames[0].length);
    let sent = 0;
    const t = now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (sent < requests) {
        const i = sent++;
        const r = await c.send(frames[i % P], 0, 3);
        const e = r.responses[0].partitionResponses[0].errorCode;
        if (e !== 0) throw new Error(`produce error ${e}`);
      }
    }));
    out.fillMBs = r1((requests * frames[0].length) / 2 ** 20 / ((now() - t) / 1000));
    out.records = requests * 1000;
    out.loadedRssMB = r1(memoryMB(b.pid).hwm);
    c.close();
    let s = now();
    await b.stop({ keepData: true });
    out.cleanStopMs = r1(now() - s);

    const restart = async (label) => {
      b = await startTarget('kl-file', { dataDir });
      const x = { readyMs: r1(b.readyMs), idleRssMB: r1(await idleMemory(b.pid, 500)) };
      const c2 = await rawConnection(b.bootstrap);
      await c2.request(18, 0, {});
      x.recordsAfterRestart = await logEnd(c2, 'big', P);
      x.intact = x.recordsAfterRestart === out.records;
      c2.close();
      out[label] = x;
    };
    await restart('afterCleanStop');
    // A crash: SIGKILL, so the next start cannot trust its shutdown marker (if the engine keeps one).
    await b.stop({ signal: 'SIGKILL', keepData: true });
    await restart('afterKill');
    await b.stop({ keepData: true });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}

export async function runScale({ targets, quick, log }) {
  const out = { partitions10k: {}, connections200: {}, log1g: null, seconds: {} };
  const timed = async (name, fn) => {
    const t = now();
    try { return await fn(); } finally { out.seconds[name] = Math.round((now() - t) / 1000); }
  };
  for (const t of targets) {
    if (t === 'mock') {
      out.partitions10k[t] = { na: 'n/a: the mock has no CreateTopics (auto-created topics get 4 partitions)' };
      continue;
    }
    log(`10,000 partitions on ${t}`);
    out.partitions10k[t] = await timed(`partitions10k ${t}`, () => partitions10k(t, { quick }).catch((e) => ({ error: e.message })));
  }
  for (const t of targets) {
    log(`200 connections on ${t}`);
    out.connections200[t] = await timed(`connections200 ${t}`, () => connections200(t, { quick }).catch((e) => ({ error: e.message })));
  }
  if (targets.includes('kl-file')) {
    log('start-up with a 1 GB log (file engine)');
    out.log1g = await timed('log1g', () => log1g({ quick }).catch((e) => ({ error: e.message })));
  }
  return out;
}

export function printScale(s) {
  const lines = ['\nscale: one topic with many partitions (raw Metadata v1 / v9, sequential)'];
  for (const [t, x] of Object.entries(s.partitions10k)) {
    if (x.na || x.error) { lines.push(`  ${t}: ${x.na ?? x.error}`); continue; }
    lines.push(`  ${t}: ${x.partitions} partitions created in ${x.createMs} ms (leaders ${x.leadersReadyMs} ms); Metadata(topic) p50 ${x.metadataTopic.p50} ms p99 ${x.metadataTopic.p99} ms ` +
      `(${(x.metadataTopic.responseBytes / 1024).toFixed(0)} KiB, ${x.metadataTopic.brokerCpuMsPerRequest} ms CPU); v9 p50 ${x.metadataTopicV9.p50} ms; Metadata(all) p50 ${x.metadataAll.p50} ms; ` +
      `RSS ${x.idleRssMB} -> ${x.rssMB} MB (peak ${x.peakRssMB})` + (x.restartReadyMs !== undefined ? `; restart ready ${x.restartReadyMs} ms, RSS ${x.restartIdleRssMB} MB` : ''));
  }
  lines.push('scale: 200 concurrent connections, each looping Metadata');
  for (const [t, x] of Object.entries(s.connections200)) {
    if (x.error) { lines.push(`  ${t}: ${x.error}`); continue; }
    lines.push(`  ${t}: connect+ApiVersions all ${x.connectAllMs} ms; RSS ${x.idleRssMB} -> ${x.rssWithConnectionsMB} MB (peak ${x.peakRssMB}); ` +
      `${x.requestsPerSec} req/s, p50 ${x.latencyP50Ms} ms, p99 ${x.latencyP99Ms} ms, broker CPU ${x.brokerCpuUsPerRequest} us/request`);
  }
  const g = s.log1g;
  if (g) {
    lines.push(`scale: file engine start-up with a ${g.logMB} MB log`);
    if (g.error) lines.push(`  ${g.error}`);
    else {
      lines.push(`  filled at ${g.fillMBs} MB/s (${g.records} records, peak RSS ${g.loadedRssMB} MB); clean stop ${g.cleanStopMs} ms`);
      for (const k of ['afterCleanStop', 'afterKill']) {
        const x = g[k];
        if (x) lines.push(`  ${k}: ready ${x.readyMs} ms, idle RSS ${x.idleRssMB} MB, log intact: ${x.intact} (${x.recordsAfterRestart} records)`);
      }
    }
  }
  lines.push(`seconds per case: ${JSON.stringify(s.seconds)}`);
  console.log(lines.join('\n'));
}
