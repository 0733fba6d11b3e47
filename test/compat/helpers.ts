// Shared setup for tests with real clients: an in-process kafkalite on a free port and client factories.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@platformatic/kafka';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { startBroker, type BrokerOptions, type RunningBroker } from '../../src/kafkalite.js';
import { RawClient } from '../coordinator/raw-client.js';

export async function startTestBroker(opts: BrokerOptions = {}): Promise<RunningBroker> {
  return startBroker({ port: 0, memory: true, logLevel: process.env.KAFKALITE_TEST_LOG ?? 'silent', ...opts });
}

/** A broker of the test file's own and a raw connection to it, made before its tests and closed after them. */
export function withBrokerAndRawClient(set: (broker: RunningBroker, c: RawClient) => void, opts: BrokerOptions = {}): void {
  let broker: RunningBroker | undefined;
  let c: RawClient | undefined;
  beforeAll(async () => {
    broker = await startTestBroker(opts);
    c = await RawClient.connect(broker.port);
    set(broker, c);
  });
  afterAll(async () => {
    c?.close();
    await broker?.stop();
  });
}

/** The same with a connection of @platformatic/kafka's, for its low-level API calls. */
export function withBrokerAndConnection(set: (broker: RunningBroker, conn: Connection) => void, opts: BrokerOptions = {}): void {
  let broker: RunningBroker | undefined;
  let conn: Connection | undefined;
  beforeAll(async () => {
    broker = await startTestBroker(opts);
    conn = new Connection('kafkalite-test');
    await conn.connect('127.0.0.1', broker.port);
    set(broker, conn);
  });
  afterAll(async () => {
    await conn?.close();
    await broker?.stop();
  });
}

/** Runs `fn` against a broker of its own on one storage engine (the file engine in a temporary directory), then stops it. */
export async function withEngineBroker(engine: 'memory' | 'file', fn: (broker: RunningBroker) => Promise<void>): Promise<void> {
  const dataDir = engine === 'file' ? mkdtempSync(join(tmpdir(), 'kafkalite-engine-')) : undefined;
  const broker = await startTestBroker(dataDir ? { memory: false, dataDir } : {});
  try {
    await fn(broker);
  } finally {
    await broker.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

export function kafkajs(broker: RunningBroker, extra: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    clientId: 'kafkalite-test',
    brokers: broker.bootstrap.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 50 },
    ...extra,
  });
}

/**
 * The response of one of @platformatic/kafka's low-level API calls, also when it carries error codes: the client
 * throws a ResponseError then, holding the decoded response.
 */
export async function platformaticResponse(call: Promise<unknown>): Promise<any> {
  try {
    return await call;
  } catch (e: any) {
    if (e?.response) return e.response;
    throw e;
  }
}

/** Kafka error codes of a failed @platformatic/kafka admin call (MultipleErrors wrapping ResponseErrors). */
export function apiCodes(err: any): number[] {
  const out: number[] = [];
  const walk = (e: any) => {
    if (!e || typeof e !== 'object') return;
    if (typeof e.apiCode === 'number') out.push(e.apiCode);
    for (const v of Object.values(e.errors ?? {})) walk(v);
    if (e.cause) walk(e.cause);
  };
  walk(err);
  return [...new Set(out)];
}

let seq = 0;
/** A topic name unique within this test run. */
export function topicName(prefix = 'topic'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${seq++}`;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a client program to completion. Asynchronous on purpose: the broker runs in this process, so a blocking
 * spawn (spawnSync/execSync) would starve it.
 */
export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => (stderr += String(err)));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Whether a command can be run here (checked once, before any broker starts). */
export function hasCommand(cmd: string, args: string[] = ['--version']): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

export const hasKcat = hasCommand('kcat', ['-V']);

/** kcat against `broker` (prepends `-b bootstrap`). */
export function kcat(broker: RunningBroker, args: string[], input?: string): Promise<RunResult> {
  return run('kcat', ['-b', broker.bootstrap, ...args], { input });
}
