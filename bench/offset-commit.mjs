#!/usr/bin/env node
// offset-commit: OffsetCommit round-trip latency through one raw connection. Optionally first fills the broker
// with committed offsets (--groups G, each committing all --partitions P of one topic) so the cost of a commit
// relative to the total group state shows; then times sequential one-partition commits (v8, simple group, as a
// consumer commits after a batch) to one group. Prints p50/p99/max in microseconds. Uses kafkalite's compiled
// codec (npm run build first).
//
//   node bench/offset-commit.mjs --brokers host:port [--groups 200] [--partitions 50] [--commits 2000] [--json]
//   node bench/offset-commit.mjs --bin path/to/bin/kafkalite [--fsync interval|always|never|memory] ...   (starts its own broker)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pct, rawConnection, waitForLeaders } from './lib/raw.mjs';

const commitBody = (groupId, topic, partitions, offset) => ({
  groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
  topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' })) }],
});

function check(r) {
  for (const t of r.topics) for (const p of t.partitions) if (p.errorCode !== 0) throw new Error(`OffsetCommit error ${p.errorCode}`);
}

/** { p50, p99 } in microseconds of `commits` sequential one-partition commits, after filling `groups` groups. */
export async function measureOffsetCommit(hostPort, { groups = 1, partitions = 50, commits = 2000, topic = `oc-${Date.now()}` } = {}) {
  const c = await rawConnection(hostPort);
  try {
    await c.request(19, 4, { topics: [{ name: topic, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: [] }], timeoutMs: 30000, validateOnly: false });
    await waitForLeaders(c, [topic]);
    const all = Array.from({ length: partitions }, (_, i) => i);
    // Pipelined in windows of 20 so filling 200 groups does not take long.
    for (let g = 0; g < groups; g += 20) {
      const batch = [];
      for (let k = g; k < Math.min(groups, g + 20); k++) batch.push(c.request(8, 8, commitBody(`bench-group-${k}`, topic, all, 1000)));
      for (const r of await Promise.all(batch)) check(r);
    }
    const xs = [];
    for (let i = 0; i < commits + 100; i++) {
      const t0 = performance.now();
      check(await c.request(8, 8, commitBody('bench-group-0', topic, [i % partitions], 1000 + i)));
      if (i >= 100) xs.push((performance.now() - t0) * 1000); // the first 100 warm up the JIT
    }
    return { p50: Math.round(pct(xs, 50)), p99: Math.round(pct(xs, 99)), max: Math.round(Math.max(...xs)) };
  } finally {
    c.close();
  }
}

/** Starts `node <bin>` on a fresh data directory; resolves with its bootstrap and a stop function. */
async function startBroker(bin, fsync) {
  const dataDir = mkdtempSync(join(tmpdir(), 'kbench-oc-'));
  const engine = fsync === 'memory' ? ['--memory'] : ['--data-dir', dataDir, '--fsync', fsync];
  const child = spawn(process.execPath, [bin, '--port', '0', '--log-level', 'warn', ...engine], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
  const bootstrap = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /kafkalite ready: bootstrap (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${err}`)));
  });
  return {
    bootstrap,
    async stop() {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: a } = parseArgs({
    options: {
      brokers: { type: 'string' }, bin: { type: 'string' }, fsync: { type: 'string', default: 'interval' },
      groups: { type: 'string', default: '1' }, partitions: { type: 'string', default: '50' },
      commits: { type: 'string', default: '2000' }, json: { type: 'boolean' },
    },
  });
  if (!a.brokers && !a.bin) {
    console.error('usage: node bench/offset-commit.mjs (--brokers host:port | --bin path/to/kafkalite [--fsync M]) [--groups G] [--partitions P] [--commits N] [--json]');
    process.exit(2);
  }
  const broker = a.bin ? await startBroker(a.bin, a.fsync) : null;
  try {
    const opts = { groups: Number(a.groups), partitions: Number(a.partitions), commits: Number(a.commits) };
    const r = await measureOffsetCommit(broker?.bootstrap ?? a.brokers.split(',')[0], opts);
    console.log(a.json ? JSON.stringify({ ...opts, ...r }) : `OffsetCommit (${opts.groups} groups x ${opts.partitions} partitions committed): p50 ${r.p50} us p99 ${r.p99} us max ${r.max} us`);
  } finally {
    await broker?.stop();
  }
}
