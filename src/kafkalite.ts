// Starting and stopping kafkalite in-process: one or more brokers sharing one cluster state.
import type tls from 'node:tls';
import { createDispatcher, supportedApis } from './broker/dispatch.js';
import type { Services } from './broker/context.js';
import { BrokerConfig } from './cluster/config.js';
import { BrokerControl, type BrokerStatus } from './cluster/brokers.js';
import { Cluster, type BrokerNode, type Endpoint } from './cluster/cluster.js';
import type { ControlServer } from './cluster/control-http.js';
import type { CloseFault, DelayFault, ErrorFault, FaultInjector, FaultRule } from './cluster/faults.js';
import type { DelaySelector, ReplicationManager } from './cluster/replication.js';
import type { ClientTelemetryPush } from './coordinator/telemetry/index.js';
import { createLogger, type Logger } from './logger.js';
import { Listener } from './server/listener.js';
import { INSTALLERS } from './services.js';
import { MemoryStorage } from './storage/memory.js';
import type { Storage } from './storage/types.js';
import type { WarmUp } from './warm-up.js';

export interface ListenerSpec {
  name: string;
  securityProtocol: Endpoint['securityProtocol'];
  host: string;
  port: number;
}

export interface BrokerOptions {
  /** PLAINTEXT port of broker 0 (0 = pick a free port). Default 0 in-process, 9092 from the CLI. */
  port?: number;
  host?: string;
  /** Host name put in Metadata (default: the bind host). */
  advertisedHost?: string;
  /** Kafka-style listener list, e.g. `PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093`. */
  listeners?: string;
  /** `NAME://host:port,...` overriding what Metadata advertises per listener (broker 0; others add the stride). */
  advertisedListeners?: string;
  /** Number of brokers in the cluster (node ids node.id..node.id+N-1; node.id defaults to 0). */
  brokers?: number;
  /** broker.rack of each broker, by node id (Metadata, DescribeConfigs, rack-aware fetch); or broker.rack for all. */
  racks?: string[];
  /** Keep everything in memory (default in-process unless dataDir is given). */
  memory?: boolean;
  dataDir?: string;
  fsync?: 'always' | 'interval' | 'never';
  /** fsync=interval: how often dirty partitions are fdatasynced (default 1000 ms). */
  fsyncIntervalMs?: number;
  /** Kafka broker configs by name, e.g. { 'num.partitions': '3' }. */
  overrides?: Record<string, string>;
  clusterId?: string;
  logLevel?: string;
  logger?: Logger;
  /** TLS options for SSL / SASL_SSL listeners. */
  tls?: tls.TlsOptions;
  /** Port of the HTTP fault-injection endpoint on 127.0.0.1 (0 picks a free one; absent: off). */
  controlPort?: number;
  /** Topics to have at start-up, created as CreateTopics would create them unless they exist (`--topic`). */
  topics?: StartupTopic[];
  /** Receives the metrics clients push (KIP-714); with it (or kafkalite.client.metrics.topic) the telemetry APIs are advertised. */
  onClientTelemetry?: (push: ClientTelemetryPush) => void;
  /** Run produce/fetch round trips (true: WARM_UP_ROUNDS of the engine, or this many) through private brokers after
   *  start-up, so that V8 has optimized the request path before most client traffic (src/warm-up.ts): ~0.4 s of CPU and
   *  ~30 MB of RSS with the memory engine, ~0.8 s and ~50 MB with the file engine. */
  warmUp?: boolean | number;
  /** Options for subsystems (SASL users, ACLs, ...), passed to each installer. */
  [key: string]: any;
}

export interface StartupTopic {
  name: string;
  /** Absent: num.partitions. */
  partitions?: number;
  /** Absent: default.replication.factor. */
  replicationFactor?: number;
  /** Topic configs by Kafka name, e.g. { 'cleanup.policy': 'compact' }. */
  configs?: Record<string, string>;
}

export interface RunningBroker {
  /** host:port of every broker on the first listener, comma-separated (what clients take as brokers list). */
  bootstrap: string;
  port: number;
  brokers: { nodeId: number; ports: Record<string, number> }[];
  cluster: Cluster;
  services: Services;
  logger: Logger;
  /** Stops accepting, answers requests already read (for at most `graceMs`, default 0), flushes and closes storage. */
  stop(graceMs?: number): Promise<void>;
  // Fault injection (src/cluster/): brokers, replication and request-level faults.
  /** Stops one broker: its ports close, its partitions fail over to the live ISR; `controlled` also leaves every ISR at once. */
  stopBroker(id: number, opts?: { controlled?: boolean }): Promise<void>;
  /** Starts a stopped broker on the same ports; its replicas rejoin the ISR. */
  startBroker(id: number): Promise<void>;
  restartBroker(id: number): Promise<void>;
  /** Cuts (or with false, restores) replication between this broker and the others; clients still reach it. */
  isolate(id: number, isolated?: boolean): void;
  /** Delays follower fetches (all, or of one topic/partition/follower broker); 0 removes the delay. */
  setReplicationDelay(ms: number, sel?: DelaySelector): void;
  /** The next `count` (default 1) requests of an API answer with a Kafka error. */
  injectError(f: ErrorFault): FaultRule;
  /** Delays requests of an API (or all) by `ms`. */
  delay(f: DelayFault): FaultRule;
  /** The next `count` requests of an API (or any) close their connection. */
  closeConnection(f?: CloseFault): FaultRule;
  /** Removes every injected request fault. */
  clearFaults(): void;
  /** Drops the open client connections of one broker (all when omitted); returns how many. */
  dropConnections(id?: number): number;
  brokerStatus(): BrokerStatus[];
  /** Port of the HTTP control endpoint when started with controlPort. */
  controlPort?: number;
  /** With `warmUp`: settles when the process's warm-up has ended (undefined if it failed); one per process. */
  warmedUp?: Promise<{ rounds: number; ms: number; complete: boolean } | undefined>;
}

/** The process's warm-up, once a broker has asked for one (see startBroker). */
let processWarmUp: WarmUp | undefined;

export function parseListeners(spec: string): ListenerSpec[] {
  return spec.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(s);
    if (!m) throw new Error(`invalid listener "${s}": expected NAME://host:port`);
    const name = m[1].toUpperCase();
    const proto = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'].includes(name) ? name : 'PLAINTEXT';
    return { name, securityProtocol: proto as Endpoint['securityProtocol'], host: m[2] || '127.0.0.1', port: Number(m[3]) };
  });
}

/** The file engine's directory, or undefined for the memory engine. */
const fileDataDir = (opts: BrokerOptions): string | undefined => (opts.memory ? undefined : opts.dataDir);

async function openStorage(opts: BrokerOptions, config: BrokerConfig, logger: Logger): Promise<Storage> {
  // Kafka's log manager timers; per-topic retention/cleaner settings are read by the engine at each pass.
  const timers = {
    logger,
    retentionCheckIntervalMs: config.int('log.retention.check.interval.ms'),
    cleanerIntervalMs: config.bool('log.cleaner.enable') ? config.int('log.cleaner.backoff.ms') : 0,
  };
  const dataDir = fileDataDir(opts);
  if (!dataDir) return new MemoryStorage(timers);
  const mod = await import('./storage/file/index.js');
  return mod.FileStorage.open({ dataDir, fsync: opts.fsync ?? 'interval', fsyncIntervalMs: opts.fsyncIntervalMs, ...timers });
}

/** Creates the topics asked for at start-up that do not exist yet, with CreateTopics's checks and error messages. */
async function createStartupTopics(cluster: Cluster, topics: StartupTopic[]): Promise<void> {
  for (const t of topics) {
    if (cluster.topics.has(t.name)) continue;
    try {
      cluster.checkNewTopic(t.name, t.configs ?? {});
      await cluster.createTopic(t.name, { numPartitions: t.partitions ?? -1, replicationFactor: t.replicationFactor ?? -1, configs: t.configs });
    } catch (e) {
      throw new Error(`topic ${t.name}: ${(e as Error).message}`);
    }
  }
}

/** The first broker's id: node.id (KRaft's name) or broker.id, which must agree when both are set, as in Kafka. */
function firstNodeId(config: BrokerConfig): number {
  const nodeId = config.explicit('node.id');
  const brokerId = config.explicit('broker.id');
  if (nodeId !== undefined && brokerId !== undefined && Number(nodeId) !== Number(brokerId)) {
    throw new Error(`If both broker.id and node.id are set, they must match: broker.id=${brokerId}, node.id=${nodeId}`);
  }
  const id = Number(nodeId ?? brokerId ?? 0);
  if (!Number.isInteger(id) || id < 0) throw new Error(`node.id must be a non-negative integer, got ${nodeId ?? brokerId}`);
  return id;
}

export async function startBroker(opts: BrokerOptions = {}): Promise<RunningBroker> {
  const logger = opts.logger ?? createLogger(opts.logLevel ?? 'warn');
  const host = opts.host ?? '127.0.0.1';
  let specs = opts.listeners ? parseListeners(opts.listeners) : [];
  if (opts.port !== undefined || specs.length === 0) {
    if (!specs.some((s) => s.name === 'PLAINTEXT')) specs = [{ name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host, port: opts.port ?? 0 }, ...specs];
  }
  const advertised = opts.advertisedListeners ? parseListeners(opts.advertisedListeners) : [];
  const n = opts.brokers ?? 1;
  const config = new BrokerConfig(opts.overrides ?? {});
  if (opts.racks && config.get('broker.rack') !== null) throw new Error('give the brokers\' racks either as racks (--broker-racks) or as broker.rack, not both');
  if (opts.racks && opts.racks.length !== n) throw new Error(`racks lists ${opts.racks.length} racks for ${n} brokers`);
  const firstId = firstNodeId(config);
  const storage = await openStorage(opts, config, logger);

  // Broker i listens on each base port + i * (number of listeners), as the kafkajs suite's layout expects.
  const nodes: BrokerNode[] = [];
  for (let i = 0; i < n; i++) {
    nodes.push({
      nodeId: firstId + i,
      rack: opts.racks?.[i] ?? config.get('broker.rack'),
      alive: true,
      endpoints: specs.map((s) => {
        const adv = advertised.find((a) => a.name === s.name);
        const port = s.port === 0 ? 0 : s.port + i * specs.length;
        return {
          name: s.name,
          securityProtocol: s.securityProtocol,
          host: s.host,
          port,
          advertisedHost: adv?.host ?? opts.advertisedHost ?? (s.host === '0.0.0.0' || s.host === '::' ? 'localhost' : s.host),
          advertisedPort: adv && adv.port !== 0 ? adv.port + i * specs.length : port,
        };
      }),
    });
  }
  const cluster = new Cluster({ clusterId: opts.clusterId, brokers: nodes, config, storage, logger });
  await cluster.load();
  const services: Services = { cluster, logger, supportedApis: () => supportedApis(services), options: opts };
  for (const inst of INSTALLERS) await inst.install(services, opts);

  const limits = { maxRequestBytes: config.int('socket.request.max.bytes'), maxInFlight: 64 };
  const listeners: Listener[] = [];
  const started: { node: BrokerNode; listeners: Listener[] }[] = [];
  try {
    await createStartupTopics(cluster, opts.topics ?? []);
    for (const node of nodes) {
      const mine: Listener[] = [];
      for (const ep of node.endpoints) {
        const secure = ep.securityProtocol === 'SSL' || ep.securityProtocol === 'SASL_SSL';
        if (secure && !opts.tls && !services.tls) throw new Error(`listener ${ep.name} needs TLS options (--ssl-cert/--ssl-key or --ssl-self-signed)`);
        const l = new Listener({
          host: ep.host,
          port: ep.port,
          tls: secure ? (opts.tls ?? services.tls) : undefined,
          limits,
          logger,
          handler: createDispatcher(services, node, ep),
          onConnection: (c) => services.onConnection?.(c, node, ep),
        });
        const port = await l.listen();
        if (ep.advertisedPort === 0 || ep.advertisedPort === ep.port) ep.advertisedPort = port;
        ep.port = port;
        listeners.push(l);
        mine.push(l);
      }
      started.push({ node, listeners: mine });
    }
  } catch (e) {
    await Promise.all(listeners.map((l) => l.close()));
    await cluster.close();
    throw e;
  }
  services.brokerListeners = started;
  const control = new BrokerControl(services);
  services.brokerControl = control;
  let controlServer: ControlServer | undefined;
  if (opts.controlPort !== undefined && opts.controlPort !== null) {
    try {
      // Loaded on demand: node:http costs start-up time that brokers without the endpoint need not pay.
      const { startControlServer } = await import('./cluster/control-http.js');
      controlServer = await startControlServer(services, Number(opts.controlPort));
    } catch (e) {
      await Promise.all(listeners.map((l) => l.close()));
      for (const inst of [...INSTALLERS].reverse()) await inst.stop?.(services);
      await cluster.close();
      throw e;
    }
  }
  const faults = (): FaultInjector => services.faults;
  const replication = (): ReplicationManager => services.replication;

  const first = nodes.map((b) => b.endpoints[0]);
  // Loaded on demand, as the control endpoint: brokers without it need not parse it (nor its request encoders).
  // Once per process: the optimized code is shared by all its brokers, so a second warm-up would only cost CPU.
  // Brokers asking for one while one runs, or after one completed, report that one's; it ends with the broker that
  // started it, and one that ended early (stopped, failed) leaves the next broker to start another.
  let warmUp: WarmUp | undefined;
  if (opts.warmUp && !processWarmUp) {
    const { startWarmUp, WARM_UP_ROUNDS } = await import('./warm-up.js');
    const rounds = opts.warmUp === true ? WARM_UP_ROUNDS[fileDataDir(opts) ? 'file' : 'memory'] : Number(opts.warmUp);
    const started = startWarmUp(startBroker, logger, rounds);
    processWarmUp = warmUp = started;
    void started.done.then((r) => { if (!r?.complete && processWarmUp === started) processWarmUp = undefined; });
  }
  const warmedUp = opts.warmUp ? processWarmUp?.done : undefined;
  let stopped = false;
  return {
    bootstrap: first.map((e) => `${e.advertisedHost}:${e.advertisedPort}`).join(','),
    port: first[0].port,
    brokers: nodes.map((b) => ({ nodeId: b.nodeId, ports: Object.fromEntries(b.endpoints.map((e) => [e.name, e.port])) })),
    cluster,
    services,
    logger,
    controlPort: controlServer?.port,
    warmedUp,
    stopBroker: (id, o) => control.stop(id, o),
    startBroker: (id) => control.start(id),
    restartBroker: (id) => control.restart(id),
    isolate: (id, isolated = true) => replication().isolate(id, isolated),
    setReplicationDelay: (ms, sel) => replication().setReplicationDelay(ms, sel),
    injectError: (f) => faults().injectError(f),
    delay: (f) => faults().delay(f),
    closeConnection: (f) => faults().closeConnection(f),
    clearFaults: () => faults().clear(),
    dropConnections: (id) => control.dropConnections(id),
    brokerStatus: () => control.status(),
    async stop(graceMs = 0) {
      if (stopped) return;
      stopped = true;
      await warmUp?.stop();
      await controlServer?.close();
      const closing = Promise.all(listeners.map((l) => l.close(graceMs)));
      // Parked long-poll fetches see their connection closing and answer with what they have.
      for (const t of cluster.topics.values()) for (const p of t.partitions) p.wake();
      await closing;
      for (const inst of [...INSTALLERS].reverse()) await inst.stop?.(services);
      await cluster.close();
    },
  };
}
