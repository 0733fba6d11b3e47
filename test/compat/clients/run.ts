// Shared helpers for the non-kafkajs client tests: run a client as a child process without blocking the
// in-process broker, and look at what the broker actually stored.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import type { RunningBroker } from '../../../src/kafkalite.js';
import { COMPRESSION_NAMES, Compression, readBatchHeader, type BatchHeader } from '../../../src/protocol/records/index.js';

export const CLIENTS_DIR = dirname(fileURLToPath(import.meta.url));
export const clientPath = (...p: string[]): string => join(CLIENTS_DIR, ...p);

/** Debian's python: a pyenv shim earlier in PATH would not see the python3-kafka / python3-confluent-kafka packages. */
export const PYTHON = '/usr/bin/python3';

/** True when `/usr/bin/python3 -c <code>` exits 0 (run synchronously at collection time, before any broker runs). */
export function pythonSucceeds(code: string): boolean {
  return spawnSync(PYTHON, ['-c', code]).status === 0;
}

export const hasPythonModule = (module: string): boolean => pythonSucceeds(`import ${module}`);

/** Where Debian's golang-*-dev packages put their sources. */
export const GOPATH = '/usr/share/gocode';

/** Why a test of a Go client must skip ('' when it can run): no toolchain, or no `file` from `debianPackage`. */
export function goSkipReason(file: string, debianPackage: string): string {
  if (spawnSync('go', ['version']).status !== 0) return 'no go toolchain (apt-get install golang-go)';
  if (!existsSync(join(GOPATH, 'src', file))) return `no ${file} in ${GOPATH} (apt-get install ${debianPackage})`;
  return '';
}

export interface GoClient {
  /** Runs the client with `-key=value` flags and returns the JSON object of its last stdout line. */
  json(flags: Record<string, string | number>): Promise<any>;
  cleanup(): void;
}

/**
 * Builds test/compat/clients/<name>/main.go offline: GOPATH mode over Debian's packaged sources, with a build cache
 * that outlives the run so reruns are fast.
 */
export async function buildGoClient(name: string, env: Record<string, string> = {}): Promise<GoClient> {
  const dir = mkdtempSync(join(tmpdir(), `kafkalite-${name}-`));
  const bin = join(dir, `${name}-compat`);
  const goEnv = { GO111MODULE: 'off', GOPATH, GOFLAGS: '', GOPROXY: 'off', GOCACHE: join(tmpdir(), `kafkalite-${name}-gocache`), ...env };
  const build = await run('go', ['build', '-o', bin, 'main.go'], { cwd: clientPath(name), env: goEnv, timeoutMs: 180000 });
  if (build.status !== 0) throw new Error(`go build of ${name} failed:\n${build.stderr}`);
  return {
    json: (flags) => runJson(bin, Object.entries(flags).map(([k, v]) => `-${k}=${v}`), { timeoutMs: 30000 }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command asynchronously: the broker lives in the test process, so spawnSync/execSync would freeze it and
 * the client would time out. Killed after `timeoutMs`.
 */
export function run(cmd: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; input?: string; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 25000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (e) => (stderr += String(e)));
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/**
 * Runs a client program that prints one JSON object as its last stdout line (the contract of every script in
 * test/compat/clients/) and returns it; rejects with the tail of stderr when it fails.
 */
export async function runJson(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): Promise<any> {
  const r = await run(cmd, args, opts);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-1000)}`);
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`${cmd} printed no JSON result:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  }
}

/** Headers of every record batch stored in a topic, partition by partition, in log order. */
export async function storedBatches(broker: RunningBroker, topic: string): Promise<(BatchHeader & { partition: number })[]> {
  const t = broker.cluster.topics.get(topic);
  if (!t) throw new Error(`no topic ${topic}`);
  const out: (BatchHeader & { partition: number })[] = [];
  for (const p of t.partitions) {
    let offset = p.logStartOffset;
    while (offset < p.log.logEndOffset) {
      const { chunks } = await p.log.read(offset, 1 << 20);
      if (chunks.length === 0) break;
      for (const chunk of chunks) {
        for (let pos = 0; pos < chunk.length; ) {
          const h = readBatchHeader(chunk, pos);
          if (h.baseOffset >= offset) out.push({ ...h, partition: p.index });
          offset = Math.max(offset, h.baseOffset + h.lastOffsetDelta + 1);
          pos += h.size;
        }
      }
    }
  }
  return out;
}

/** Codec names of every batch stored in a topic (proof that the client really compressed, not just claimed to). */
export async function storedCodecs(broker: RunningBroker, topic: string): Promise<string[]> {
  const names = new Set((await storedBatches(broker, topic)).map((h) => COMPRESSION_NAMES[h.compression as Compression] ?? String(h.compression)));
  return [...names].sort();
}

export interface SeenRequest {
  api: string;
  v: number;
  client: string | null;
}

/**
 * A debug-level logger for startTestBroker({ logger }) that records every request the dispatcher logs (API name,
 * version, client id) and drops the rest: proof of which protocol versions a client really used.
 */
export function requestRecorder(): { logger: Logger; requests: SeenRequest[]; versions(client: string): Record<string, number[]> } {
  const requests: SeenRequest[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line.includes('"msg":"request"')) continue;
        const o = JSON.parse(line);
        requests.push({ api: o.api, v: o.v, client: o.client ?? null });
      }
      done();
    },
  });
  const logger = pino({ level: 'debug', base: undefined }, sink);
  const versions = (client: string) => {
    const out: Record<string, number[]> = {};
    for (const r of requests) if (r.client === client) out[r.api] = [...new Set([...(out[r.api] ?? []), r.v])].sort((a, b) => a - b);
    return out;
  };
  return { logger, requests, versions };
}
