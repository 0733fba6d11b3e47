// The kafkalite command as a user runs it (needs dist/: `npm test` builds it first via pretest).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { parseCli, UsageError } from '../src/cli.js';

const BIN = join(__dirname, '..', 'bin', 'kafkalite');

function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ line: string; stop: () => Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('kafkalite ready'));
      if (line) {
        resolve({
          line,
          stop: () => new Promise((res) => { child.on('exit', (code) => res(code)); child.kill('SIGTERM'); }),
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

describe('kafkalite CLI', () => {
  it('--port 0 picks a free port, prints the bootstrap address, serves kafkajs and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkalite-cli-'));
    try {
      // --late-jit only changes when V8 optimizes (bin/kafkalite; its effect is measured by bench/cold-e2e.mjs).
      const { line, stop } = await startCli(['--port', '0', '--data-dir', dir, '--log-level', 'warn', '--late-jit']);
      const bootstrap = /bootstrap (\S+)/.exec(line)![1];
      expect(bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
      const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      const meta = await admin.describeCluster();
      expect(meta.brokers.length).toBe(1);
      await admin.disconnect();
      expect(await stop()).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--topic creates topics at start-up (as CreateTopics would), leaves existing ones alone, refuses bad configs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkalite-cli-'));
    const describe = async (bootstrap: string) => {
      const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: ['orders', 'events'] });
        const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: 'events', configNames: ['cleanup.policy', 'retention.ms'] }] });
        return {
          partitions: Object.fromEntries(topics.map((t) => [t.name, t.partitions.length])),
          events: Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue])),
        };
      } finally {
        await admin.disconnect();
      }
    };
    try {
      const args = ['--port', '0', '--data-dir', dir, '--log-level', 'warn', '--topic', 'orders:3', '--topic', 'events:1:1:cleanup.policy=compact:retention.ms=60000'];
      let cli = await startCli(args);
      const expected = { partitions: { orders: 3, events: 1 }, events: { 'cleanup.policy': 'compact', 'retention.ms': '60000' } };
      expect(await describe(/bootstrap (\S+)/.exec(cli.line)![1])).toEqual(expected);
      expect(await cli.stop()).toBe(0);
      // A restart with other sizes keeps the topics as they are, as a topic tool's --if-not-exists would.
      cli = await startCli([...args, '--topic', 'orders:5']);
      expect(await describe(/bootstrap (\S+)/.exec(cli.line)![1])).toEqual(expected);
      expect(await cli.stop()).toBe(0);
      const bad = spawnSync(process.execPath, [BIN, '--memory', '--port', '0', '--topic', 'x:1:1:cleanup.policy=sometimes'], { encoding: 'utf8' });
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('topic x: Invalid value sometimes for configuration cleanup.policy');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('env vars work like flags', async () => {
    const { line, stop } = await startCli([], { KAFKALITE_PORT: '0', KAFKALITE_MEMORY: 'true', KAFKALITE_LOG_LEVEL: 'warn' });
    expect(line).toMatch(/memory/);
    expect(await stop()).toBe(0);
  });

  it('a bad flag or value exits 2 with a clear message', () => {
    const r = spawnSync(process.execPath, [BIN, '--no-such-flag'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no-such-flag/);
    const r2 = spawnSync(process.execPath, [BIN, '--port', 'abc'], { encoding: 'utf8' });
    expect(r2.status).toBe(2);
    expect(r2.stderr).toMatch(/--port must be an integer/);
  });

  it('--version prints the package version', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`kafkalite ${require('../package.json').version} (Kafka 4.1 protocol and configs)\n`);
  });

  it('--help lists the flags', () => {
    const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const f of ['--port', '--data-dir', '--memory', '--override', '--brokers']) expect(r.stdout).toContain(f);
  });

  it('parses overrides and shorthands into Kafka config names', () => {
    const { opts } = parseCli(['--num-partitions', '3', '--override', 'log.retention.ms=1000', '--auto-create-topics', 'false'], {});
    expect(opts.overrides).toMatchObject({ 'num.partitions': '3', 'log.retention.ms': '1000', 'auto.create.topics.enable': 'false' });
    expect(() => parseCli(['--override', 'novalue'], {})).toThrow(UsageError);
    expect(() => parseCli(['--fsync', 'sometimes'], {})).toThrow(/--fsync/);
  });

  it('--warm-up (or KAFKALITE_WARM_UP=1) asks for the warm-up, which is off by default', () => {
    expect(parseCli([], {}).opts.warmUp).toBe(false);
    expect(parseCli(['--warm-up'], {}).opts.warmUp).toBe(true);
    expect(parseCli([], { KAFKALITE_WARM_UP: '1' }).opts.warmUp).toBe(true);
  });

  it('--warm-up runs 3,000 round trips with --memory and 10,000 with the file engine (WARM_UP_ROUNDS)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkalite-cli-'));
    // The log line the warm-up ends with: the process's only one (the private brokers log nowhere).
    const warmUpDone = (args: string[]) => new Promise<{ rounds: number }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, '--port', '0', '--warm-up', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const line = out.split('\n').find((l) => l.includes('"warm-up done"'));
        if (line) { child.kill('SIGTERM'); resolve(JSON.parse(line)); }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before the warm-up ended: ${out}`)));
    });
    try {
      expect((await warmUpDone(['--memory'])).rounds).toBe(3000);
      expect((await warmUpDone(['--data-dir', dir])).rounds).toBe(10000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--topic takes NAME[:PARTITIONS[:REPLICATION_FACTOR]][:config=value...], repeatable and from KAFKALITE_TOPIC', () => {
    expect(parseCli(['--topic', 'a', '--topic', 'b:3', '--topic', 'c:2:1:cleanup.policy=compact:retention.ms=1000'], {}).opts.topics).toEqual([
      { name: 'a', partitions: undefined, replicationFactor: undefined },
      { name: 'b', partitions: 3, replicationFactor: undefined },
      { name: 'c', partitions: 2, replicationFactor: 1, configs: { 'cleanup.policy': 'compact', 'retention.ms': '1000' } },
    ]);
    expect(parseCli([], { KAFKALITE_TOPIC: 'x:2 y' }).opts.topics?.map((t) => t.name)).toEqual(['x', 'y']);
    for (const bad of ['', ':3', 'a:0', 'a:1:2:3', 'a:x', 'a:retention.ms=1:3']) expect(() => parseCli(['--topic', bad], {}), bad).toThrow(UsageError);
  });

  it('--broker-racks gives one rack per broker', () => {
    expect(parseCli(['--brokers', '3', '--broker-racks', 'r0, r1,r2'], {}).opts.racks).toEqual(['r0', 'r1', 'r2']);
    expect(parseCli([], { KAFKALITE_BROKER_RACKS: 'east' }).opts.racks).toEqual(['east']);
    expect(() => parseCli(['--brokers', '3', '--broker-racks', 'r0,r1'], {})).toThrow(/one rack per broker \(3\)/);
    expect(() => parseCli(['--broker-racks', 'r0', '--override', 'broker.rack=r9'], {})).toThrow(/give one/);
  });
});
