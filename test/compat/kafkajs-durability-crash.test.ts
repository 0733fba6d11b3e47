// The kafkalite command on the file engine, as a process: killed with SIGKILL in the middle of acks=-1
// produces with --fsync always, then restarted on the same directory, every acknowledged record is there at
// its offset and the log is gapless (a torn tail is cut off); and the default `kafkalite` (./kafkalite-data, fsync interval) stopped
// with SIGINT keeps records and committed offsets. Needs dist/ (`npm test` builds it via pretest).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { consume, consumeAndCommitThrough } from './kafkajs-durability-helpers.js';

const BIN = join(__dirname, '..', '..', 'bin', 'kafkalite');

interface Cli {
  child: ChildProcess;
  bootstrap: string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Starts `node bin/kafkalite <args>` (asynchronously: the test process keeps serving its own event loop). */
function startCli(args: string[], cwd?: string): Promise<Cli> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--port', '0', '--log-level', 'warn', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /kafkalite ready: bootstrap (\S+)/.exec(out);
      if (m) resolve({ child, bootstrap: m[1], exited });
    });
    void exited.then((code) => reject(new Error(`kafkalite exited ${code} before it was ready: ${err}`)));
  });
}

function client(cli: Cli, retries = 5): Kafka {
  return new Kafka({ clientId: 'durability-crash', brokers: [cli.bootstrap], logLevel: logLevel.NOTHING, retry: { retries, initialRetryTime: 50 } });
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kafkalite-crash-'));
  dirs.push(d);
  return d;
}

describe('kafkalite process crash and restart', () => {
  it('SIGKILL mid-produce with --fsync always: every acknowledged record survives, the log is gapless', async () => {
    const dataDir = tempDir();
    let cli = await startCli(['--data-dir', dataDir, '--fsync', 'always']);
    const topic = 'crash';
    const admin = client(cli).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'segment.bytes', value: '8192' }] }] });
    await admin.disconnect();

    // Producers with no retries: whatever they saw acknowledged must be on disk.
    const acked = new Map<string, { partition: number; offset: number }>();
    let sent = 0;
    let stopping = false;
    const kafka = client(cli, 0);
    const loops = Array.from({ length: 4 }, async (_, w) => {
      const producer = kafka.producer({ retry: { retries: 0 } });
      await producer.connect();
      for (let i = 0; !stopping; i++) {
        const partition = (w + i) % 2;
        const values = Array.from({ length: 5 }, (_, k) => `w${w}-b${i}-r${k}-${'x'.repeat(80)}`);
        sent++;
        try {
          const [r] = await producer.send({ topic, acks: -1, timeout: 5000, messages: values.map((value) => ({ value, partition })) });
          values.forEach((v, k) => acked.set(v, { partition, offset: Number(r.baseOffset) + k }));
        } catch {
          break; // the broker is gone
        }
      }
      await producer.disconnect().catch(() => undefined);
    });
    // Kill once a good amount is acknowledged (several segment rolls), with sends still in flight.
    const until = Date.now() + 15000;
    while (acked.size < 1500 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    cli.child.kill('SIGKILL');
    expect(await cli.exited).toBeNull();
    stopping = true;
    await Promise.all(loops);
    expect(acked.size).toBeGreaterThanOrEqual(1500);
    expect(sent * 5).toBeGreaterThan(acked.size); // some sends were cut off by the kill
    expect(readdirSync(join(dataDir, `${topic}-0`)).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(3);
    // A power loss could also leave a torn batch at the end of the active segment: recovery cuts it off.
    const p1 = join(dataDir, `${topic}-1`);
    const active = readdirSync(p1).filter((f) => f.endsWith('.log')).sort().pop()!;
    appendFileSync(join(p1, active), Buffer.concat([Buffer.alloc(8), Buffer.from([0, 0, 1, 0]), randomBytes(40)]));

    cli = await startCli(['--data-dir', dataDir, '--fsync', 'always']);
    const k2 = client(cli);
    const admin2 = k2.admin();
    await admin2.connect();
    const offsets = await admin2.fetchTopicOffsets(topic);
    await admin2.disconnect();
    const high = Object.fromEntries(offsets.map((o) => [o.partition, Number(o.high)]));
    const total = high[0] + high[1];
    expect(total).toBeGreaterThanOrEqual(acked.size);
    const got = await consume(k2, topic, total, { timeoutMs: 20000 });
    expect(got).toHaveLength(total);
    for (const p of [0, 1]) {
      // Gapless from 0 to the high watermark, each record once.
      expect(got.filter((m) => m.partition === p).map((m) => m.offset)).toEqual(Array.from({ length: high[p] }, (_, i) => i));
    }
    const at = new Map(got.map((m) => [`${m.partition}/${m.offset}`, m.value]));
    const missing = [...acked].filter(([v, { partition, offset }]) => at.get(`${partition}/${offset}`) !== v);
    expect(missing).toEqual([]);
    expect(new Set(got.map((m) => m.value)).size).toBe(total);

    // The log carries on after the recovered end.
    const producer = k2.producer();
    await producer.connect();
    const [r] = await producer.send({ topic, acks: -1, messages: [{ value: 'after-crash', partition: 0 }] });
    await producer.disconnect();
    expect(Number(r.baseOffset)).toBe(high[0]);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('`kafkalite` with its defaults (./kafkalite-data) stopped by SIGINT keeps records and committed offsets', async () => {
    const cwd = tempDir();
    let cli = await startCli([], cwd);
    const topic = 'defaults';
    const groupId = 'defaults-group';
    let kafka = client(cli);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: 1, messages: Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) }); // auto-created
    await producer.disconnect();
    await consumeAndCommitThrough(kafka, topic, groupId, 59);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(existsSync(join(cwd, 'kafkalite-data', `${topic}-0`))).toBe(true);
    expect(existsSync(join(cwd, 'kafkalite-data', '.lock'))).toBe(false); // released on a clean shutdown

    cli = await startCli([], cwd);
    kafka = client(cli);
    const all = await consume(kafka, topic, 100);
    expect(all.map((m) => m.value)).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`));
    const resumed = await consume(kafka, topic, 40, { groupId });
    expect(resumed[0]).toMatchObject({ offset: 60, value: 'v60' });
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });
});
