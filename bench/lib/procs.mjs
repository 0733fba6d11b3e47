// The brokers under test as child processes: kafkalite (memory or file engine) and librdkafka's mock
// cluster. Measures process ready time (exec -> "kafkalite ready" line; for the mock, exec -> bootstrap
// file written) and reads memory and CPU time from /proc.
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'kafkalite');
const MOCK_DIR = join(ROOT, 'bench', 'rdkafka-mock');
const MOCK = join(MOCK_DIR, 'mock');

export const TARGETS = {
  'kl-mem': { label: 'kafkalite memory', kafkalite: true },
  'kl-file': { label: 'kafkalite file (fsync interval)', kafkalite: true },
  mock: { label: 'librdkafka mock 2.0.2', kafkalite: false },
};

/**
 * A variant of the A/B scripts (bench/warm-up.mjs, bench/ci-session.mjs): a target, then optionally `|` and kafkalite
 * flags, then `|` and node flags, flags separated by spaces ("kl-mem|--warm-up|--env-file=x.env").
 */
export function parseVariant(variant) {
  const [target, cli = '', node = ''] = variant.split('|');
  const split = (s) => s.split(' ').filter(Boolean);
  return { target, brokerArgs: split(cli), nodeArgs: split(node) };
}

export function ensureBuilt() {
  if (!existsSync(join(ROOT, 'dist', 'bundle', 'kafkalite-cli.mjs'))) throw new Error('dist/bundle/ is missing: run npm run build first');
  if (!existsSync(MOCK)) execFileSync('make', ['-C', MOCK_DIR], { stdio: 'inherit' });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a target; resolves once it accepts connections. `dataDir` reuses a file-engine directory
 * (restart cases); otherwise kl-file gets a fresh temporary one, removed by stop().
 */
export async function startTarget(kind, { dataDir, timeoutMs = 120000, nodeArgs = [], brokerArgs = [], logTo } = {}) {
  let child;
  let ownDir = null;
  let bootstrapFile = null;
  const t0 = performance.now();
  if (kind === 'mock') {
    ownDir = mkdtempSync(join(tmpdir(), 'kbench-mock-'));
    bootstrapFile = join(ownDir, 'bootstrap');
    child = spawn(MOCK, ['1', bootstrapFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  } else {
    const args = [...nodeArgs, BIN, '--port', '0', '--log-level', 'warn', ...brokerArgs];
    if (kind === 'kl-mem') args.push('--memory');
    else {
      if (!dataDir) dataDir = ownDir = mkdtempSync(join(tmpdir(), 'kbench-data-'));
      args.push('--data-dir', dataDir, '--fsync', 'interval');
    }
    child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  if (logTo) child.stdout?.on('data', (d) => appendFileSync(logTo, d));
  const exited = new Promise((res) => child.once('exit', (code, signal) => res({ code, signal })));
  let gone = null;
  exited.then((x) => { gone = x; });

  let bootstrap;
  if (kind === 'mock') {
    // Poll for the file: its appearance is the mock's "ready" (it listens before writing it).
    const until = t0 + timeoutMs;
    while (!bootstrap) {
      if (gone) throw new Error(`mock exited (${JSON.stringify(gone)}): ${stderr}`);
      try { bootstrap = readFileSync(bootstrapFile, 'utf8').trim() || undefined; } catch {}
      if (!bootstrap) {
        if (performance.now() > until) throw new Error('mock did not start');
        await sleep(1);
      }
    }
  } else {
    bootstrap = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`kafkalite not ready after ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /kafkalite ready: bootstrap (\S+)/.exec(out);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      exited.then((x) => { clearTimeout(timer); reject(new Error(`kafkalite exited (${JSON.stringify(x)}): ${stderr}`)); });
    });
  }
  const readyMs = performance.now() - t0;
  // CPU time spent until ready (all threads, ns resolution): steadier than wall time on a busy machine.
  const readyCpuMs = schedCpuMs(child.pid);
  return {
    kind, pid: child.pid, bootstrap, readyMs, readyCpuMs, dataDir,
    /** Stops the process (SIGTERM: clean shutdown; SIGKILL: crash) and removes a temporary data dir unless `keepData`. */
    async stop({ signal = 'SIGTERM', keepData = false } = {}) {
      if (!gone) {
        child.kill(signal);
        const t = setTimeout(() => child.kill('SIGKILL'), 20000);
        await exited;
        clearTimeout(t);
      }
      if (ownDir && !keepData) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

/** VmRSS and VmHWM (peak RSS) of a process in MB. */
export function memoryMB(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** CPU time (user + system, all threads) of a process in ms, at the kernel's 10 ms tick resolution. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** CPU time of all threads of a process in ms from /proc/PID/task/TID/schedstat (nanoseconds), or null. */
export function schedCpuMs(pid) {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return null;
  }
}

/** Lets a fresh process settle (JIT, lazy init) before its idle footprint is read. */
export async function idleMemory(pid, settleMs = 1000) {
  await sleep(settleMs);
  return memoryMB(pid).rss;
}
