// The kafkalite command: flags (each also as KAFKALITE_<NAME> env var), start, one line with the bootstrap address.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startBroker, type BrokerOptions, type StartupTopic } from './kafkalite.js';
import { createLogger } from './logger.js';
import { BROKER_CONFIGS } from './cluster/config.js';
import { PRESETS } from './presets.js';
import { keepGcHeadroom } from './gc-headroom.js';
import { lowerV8WorkerPriority } from './v8-workers.js';

interface Flag {
  type: 'string' | 'boolean';
  multiple?: boolean;
  help: string;
  default?: string;
}

const EMULATED = BROKER_CONFIGS['kafkalite.emulate.version'].valid ?? [];

// Subsystems add their flags here (security, cluster control...); `--help` lists them all.
export const FLAGS: Record<string, Flag> = {
  port: { type: 'string', help: 'PLAINTEXT port of broker 0 (0 picks a free port)', default: '9092' },
  host: { type: 'string', help: 'address to bind', default: '127.0.0.1' },
  'advertised-host': { type: 'string', help: 'host name advertised in Metadata (default: the bind address)' },
  listeners: { type: 'string', help: 'Kafka-style listeners, e.g. PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093' },
  'advertised-listeners': { type: 'string', help: 'what Metadata advertises per listener, NAME://host:port,...' },
  brokers: { type: 'string', help: 'number of brokers in this process (node ids node.id..node.id+N-1, node.id 0 unless overridden)', default: '1' },
  'broker-racks': { type: 'string', help: 'broker.rack of each broker, comma-separated by node id (e.g. RACK0,RACK1,RACK2)' },
  'data-dir': { type: 'string', help: 'directory of the durable log', default: './kafkalite-data' },
  memory: { type: 'boolean', help: 'keep everything in memory (no disk)' },
  fsync: { type: 'string', help: 'always | interval | never (interval = fsync every second)', default: 'interval' },
  'num-partitions': { type: 'string', help: 'default partitions of new topics (num.partitions)' },
  'default-replication-factor': { type: 'string', help: 'default.replication.factor' },
  'auto-create-topics': { type: 'string', help: 'auto.create.topics.enable (true|false)' },
  topic: { type: 'string', multiple: true, help: 'a topic to have at start-up, NAME[:PARTITIONS[:REPLICATION_FACTOR]][:config=value...] (repeatable)' },
  'cluster-id': { type: 'string', help: 'cluster id (default: random per data dir)' },
  preset: { type: 'string', help: `a named configuration: ${Object.keys(PRESETS).join(', ')}` },
  'client-metrics-topic': { type: 'string', help: 'receive the metrics clients push (KIP-714) into this topic (kafkalite.client.metrics.topic)' },
  'emulate-kafka': { type: 'string', help: `topic configs, defaults and limits of Kafka ${EMULATED.join(' | ')} (kafkalite.emulate.version)`, default: EMULATED[0] },
  'log-level': { type: 'string', help: 'trace | debug | info | warn | error', default: 'info' },
  override: { type: 'string', multiple: true, help: 'any Kafka broker config, key=value (repeatable)' },
  'ssl-cert': { type: 'string', help: 'PEM certificate (chain) for SSL / SASL_SSL listeners' },
  'ssl-key': { type: 'string', help: 'PEM private key of --ssl-cert' },
  'ssl-key-password': { type: 'string', help: 'passphrase of --ssl-key (ssl.key.password)' },
  'ssl-ca': { type: 'string', help: 'PEM CA certificates that sign client certificates (mTLS)' },
  'ssl-client-auth': { type: 'string', help: 'ssl.client.auth for SSL listeners: required | requested | none' },
  'ssl-self-signed': { type: 'boolean', help: 'generate a development CA + localhost certificate with openssl (logged: where the CA is)' },
  'sasl-users': { type: 'string', help: 'SASL users user:password,... (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)' },
  'sasl-users-file': { type: 'string', help: 'JSON {"users": {"name": {"password": "...", "SCRAM-SHA-256": "..."}}}' },
  authorizer: { type: 'boolean', help: 'enforce ACLs (as authorizer.class.name); see allow.everyone.if.no.acl.found' },
  'super-users': { type: 'string', help: 'super.users, e.g. User:admin;User:CN=client,O=kafkalite' },
  'control-port': { type: 'string', help: 'HTTP fault-injection endpoint on 127.0.0.1 (0 = free port; off by default)' },
  'late-jit': { type: 'boolean', help: 'V8 optimizes 16x later: fewer latency spikes while a fresh broker warms up, slower first minutes' },
  'warm-up': { type: 'boolean', help: 'after start-up, run produce/fetch round trips through private in-process brokers so that V8 optimizes the request path before clients need it: 10,000 with the file engine (~0.8 s of CPU, ~50 MB of RSS), 3,000 with --memory (~0.4 s, ~30 MB)' },
  'v8-workers-nice': { type: 'string', help: "nice value (0-19) of V8's compiler and GC threads (Linux): on an otherwise idle machine a fresh broker's requests wait less behind its compile work (e2e p99 ~2 -> ~1 ms at 19), but on a CPU-saturated one the main thread can stall behind a starved worker's locks (up to ~1 s seen at 19)", default: '0' },
  help: { type: 'boolean', help: 'show this help' },
  version: { type: 'boolean', help: 'print the version of kafkalite and of the Kafka protocol it speaks' },
};

export class UsageError extends Error {}

/** On SIGINT/SIGTERM, how long in-flight requests may take to be answered before connections close. */
const SHUTDOWN_GRACE_MS = 2000;

function usage(): string {
  const lines = ['Usage: kafkalite [options]', '', 'Options (each also as an environment variable KAFKALITE_<NAME>, e.g. KAFKALITE_PORT):'];
  for (const [name, f] of Object.entries(FLAGS)) {
    const arg = f.type === 'string' ? ` <${f.multiple ? 'key=value' : 'value'}>` : '';
    lines.push(`  --${name}${arg}`.padEnd(40) + f.help + (f.default ? ` (default ${f.default})` : ''));
  }
  return lines.join('\n');
}

/** The version in kafkalite's package.json, found upwards from this module (dist/cli.js or dist/bundle/). */
function packageVersion(): string {
  for (let dir = new URL('.', import.meta.url); dir.pathname !== '/'; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir);
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'kafkalite') return pkg.version ?? 'unknown';
  }
  return 'unknown';
}

function envName(flag: string): string {
  return 'KAFKALITE_' + flag.toUpperCase().replace(/-/g, '_');
}

function int(name: string, v: string, min = 0): number {
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${v}"`);
  return Number(v);
}

/** Parses argv + env into broker options. Throws UsageError for bad input. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): { help: boolean; version?: boolean; opts: BrokerOptions; v8WorkersNice?: number } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(FLAGS).map(([k, f]) => [k, f.multiple ? { type: f.type, multiple: true } : { type: f.type }])),
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v: Record<string, any> = {};
  for (const [name, f] of Object.entries(FLAGS)) {
    const given = (parsed.values as any)[name];
    // --help and --version are commands, not settings: a KAFKALITE_VERSION in the environment must not stop a start.
    const fromEnv = name === 'help' || name === 'version' ? undefined : env[envName(name)];
    if (given !== undefined) v[name] = given;
    else if (fromEnv !== undefined) v[name] = f.type === 'boolean' ? /^(1|true|yes)$/i.test(fromEnv) : f.multiple ? fromEnv.split(/\s+/).filter(Boolean) : fromEnv;
  }
  if (v.help) return { help: true, opts: {} };
  if (v.version) return { help: false, version: true, opts: {} };
  const preset = v.preset ? PRESETS[v.preset] : undefined;
  if (v.preset && !preset) throw new UsageError(`unknown preset "${v.preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
  const overrides: Record<string, string> = { ...(preset?.overrides ?? {}) };
  for (const kv of v.override ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--override expects key=value, got "${kv}"`);
    overrides[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
  }
  if (v['num-partitions'] !== undefined) overrides['num.partitions'] = String(int('num-partitions', v['num-partitions'], 1));
  if (v['default-replication-factor'] !== undefined) overrides['default.replication.factor'] = String(int('default-replication-factor', v['default-replication-factor'], 1));
  if (v['auto-create-topics'] !== undefined) {
    if (!/^(true|false)$/.test(v['auto-create-topics'])) throw new UsageError('--auto-create-topics must be true or false');
    overrides['auto.create.topics.enable'] = v['auto-create-topics'];
  }
  if (v['client-metrics-topic'] !== undefined) overrides['kafkalite.client.metrics.topic'] = v['client-metrics-topic'];
  if (v['emulate-kafka'] !== undefined) {
    if (!EMULATED.includes(v['emulate-kafka'])) throw new UsageError(`--emulate-kafka must be one of ${EMULATED.join(', ')}, got "${v['emulate-kafka']}"`);
    overrides['kafkalite.emulate.version'] = v['emulate-kafka'];
  }
  const fsync = v.fsync ?? FLAGS.fsync.default;
  if (!['always', 'interval', 'never'].includes(fsync)) throw new UsageError(`--fsync must be always, interval or never, got "${fsync}"`);
  const level = v['log-level'] ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(level)) throw new UsageError(`--log-level: unknown level "${level}"`);
  const opts: BrokerOptions = {
    ...(preset?.options ?? {}),
    host: v.host ?? FLAGS.host.default,
    advertisedHost: v['advertised-host'] ?? preset?.options?.advertisedHost,
    listeners: v.listeners ?? preset?.options?.listeners,
    advertisedListeners: v['advertised-listeners'],
    brokers: int('brokers', v.brokers ?? String(preset?.options?.brokers ?? FLAGS.brokers.default), 1),
    memory: !!v.memory,
    dataDir: v['data-dir'] ?? FLAGS['data-dir'].default,
    fsync: fsync as BrokerOptions['fsync'],
    overrides,
    clusterId: v['cluster-id'],
    logLevel: level,
    cli: v,
    controlPort: v['control-port'] !== undefined ? int('control-port', v['control-port']) : undefined,
    warmUp: !!v['warm-up'],
  };
  if (v.topic !== undefined) opts.topics = v.topic.map(parseTopic);
  if (v['broker-racks'] !== undefined) {
    const racks = String(v['broker-racks']).split(',').map((r) => r.trim());
    if (racks.length !== opts.brokers || racks.some((r) => !r)) throw new UsageError(`--broker-racks needs one rack per broker (${opts.brokers}), got "${v['broker-racks']}"`);
    if (overrides['broker.rack'] !== undefined) throw new UsageError('--broker-racks and --override broker.rack=... both set racks; give one');
    opts.racks = racks;
  }
  // Security (src/security): TLS material, SASL users, the ACL authorizer.
  const security: [string, string][] = [['ssl-cert', 'sslCert'], ['ssl-key', 'sslKey'], ['ssl-key-password', 'sslKeyPassword'], ['ssl-ca', 'sslCa'],
    ['ssl-client-auth', 'sslClientAuth'], ['ssl-self-signed', 'sslSelfSigned'], ['sasl-users', 'saslUsers'], ['sasl-users-file', 'saslUsersFile'], ['authorizer', 'authorizer']];
  for (const [flag, key] of security) if (v[flag] !== undefined) opts[key] = v[flag];
  if (v['ssl-client-auth'] !== undefined && !['required', 'requested', 'none'].includes(v['ssl-client-auth'])) {
    throw new UsageError(`--ssl-client-auth must be required, requested or none, got "${v['ssl-client-auth']}"`);
  }
  if (v['super-users'] !== undefined) overrides['super.users'] = v['super-users'];
  // --port is the PLAINTEXT shorthand; with --listeners it adds a PLAINTEXT listener only when given.
  if (v.port !== undefined || !opts.listeners) opts.port = int('port', v.port ?? FLAGS.port.default);
  const v8WorkersNice = int('v8-workers-nice', v['v8-workers-nice'] ?? FLAGS['v8-workers-nice'].default);
  if (v8WorkersNice > 19) throw new UsageError(`--v8-workers-nice must be 0..19, got "${v8WorkersNice}"`);
  return { help: false, opts, v8WorkersNice };
}

/** `--topic orders:3`, `--topic events:1:1:cleanup.policy=compact:retention.ms=60000` (topic names hold no ':'). */
function parseTopic(spec: string): StartupTopic {
  const [name, ...rest] = spec.split(':');
  const topic: StartupTopic = { name };
  const sizes: number[] = [];
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq > 0) (topic.configs ??= {})[part.slice(0, eq)] = part.slice(eq + 1);
    else if (/^\d+$/.test(part) && Number(part) >= 1 && sizes.length < 2 && !topic.configs) sizes.push(Number(part));
    else throw new UsageError(`--topic expects NAME[:PARTITIONS[:REPLICATION_FACTOR]][:config=value...], got "${spec}"`);
  }
  if (!name) throw new UsageError(`--topic needs a topic name, got "${spec}"`);
  [topic.partitions, topic.replicationFactor] = sizes;
  return topic;
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  let parsed;
  try {
    parsed = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`kafkalite: ${e.message}\n(see kafkalite --help)\n`);
      process.exit(2);
    }
    throw e;
  }
  if (parsed.help) {
    process.stdout.write(usage() + '\n');
    return;
  }
  if (parsed.version) {
    process.stdout.write(`kafkalite ${packageVersion()} (Kafka ${EMULATED[0]} protocol and configs)\n`);
    return;
  }
  const logger = createLogger(parsed.opts.logLevel);
  parsed.opts.logger = logger;
  if (parsed.v8WorkersNice) {
    const threads = lowerV8WorkerPriority(parsed.v8WorkersNice);
    logger.debug({ threads, nice: parsed.v8WorkersNice }, 'V8 worker threads deprioritized');
  }
  keepGcHeadroom();
  let broker;
  try {
    broker = await startBroker(parsed.opts);
  } catch (e) {
    process.stderr.write(`kafkalite: ${(e as Error).message}\n`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    broker.stop(SHUTDOWN_GRACE_MS).then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  const storage = parsed.opts.memory ? 'memory' : `data in ${parsed.opts.dataDir}`;
  process.stdout.write(`kafkalite ready: bootstrap ${broker.bootstrap} (${broker.brokers.length} broker${broker.brokers.length > 1 ? 's' : ''}, ${storage})\n`);
  if (broker.controlPort !== undefined) process.stdout.write(`kafkalite control endpoint: http://127.0.0.1:${broker.controlPort}/\n`);
}
