// Optional HTTP control endpoint (--control-port, loopback only) to drive fault injection from outside the
// process, e.g. from a test in another language: stop/start brokers, isolate them, inject request errors
// and delays, slow replication, and look at brokers and partitions. JSON in, JSON out.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Services } from '../broker/context.js';
import type { BrokerControl } from './brokers.js';
import type { FaultInjector } from './faults.js';
import type { ReplicationManager } from './replication.js';

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ROUTES = [
  'GET /brokers',
  'POST /brokers/:id/stop[?controlled=true]',
  'POST /brokers/:id/start',
  'POST /brokers/:id/restart',
  'POST /brokers/:id/isolate',
  'DELETE /brokers/:id/isolate',
  'POST /brokers/:id/drop-connections',
  'GET /topics',
  'GET /faults',
  'POST /faults  {"type":"error","apiKey":"Produce","error":"NOT_LEADER_OR_FOLLOWER","count":1,"brokerId":0} | {"type":"delay","apiKey":"Fetch","ms":500} | {"type":"close","apiKey":"Metadata"}',
  'DELETE /faults',
  'DELETE /faults/:id',
  'GET /replication-delay',
  'POST /replication-delay  {"ms":1000,"topic":"t","partition":0,"brokerId":1}',
];

async function readJson(req: http.IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1 << 20) throw new HttpError(413, 'body too large');
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}

function topics(services: Services): unknown[] {
  const repl: ReplicationManager | undefined = services.replication;
  return [...services.cluster.topics.values()].map((t) => ({
    name: t.name,
    id: t.id,
    internal: t.internal,
    partitions: t.partitions.map((p) => ({
      partition: p.index,
      leader: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicas: p.replicas,
      isr: p.isr,
      highWatermark: p.highWatermark,
      logStartOffset: p.logStartOffset,
      logEndOffset: p.log.logEndOffset,
      replicaLogEndOffsets: Object.fromEntries(p.replicas.map((r) => [r, repl ? repl.replicaLeo(p, r) : p.log.logEndOffset])),
    })),
  }));
}

async function route(services: Services, method: string, path: string, query: URLSearchParams, req: http.IncomingMessage): Promise<unknown> {
  const brokers: BrokerControl = services.brokerControl;
  const faults: FaultInjector = services.faults;
  const repl: ReplicationManager = services.replication;
  const parts = path.split('/').filter(Boolean);
  if (method === 'GET' && path === '/') return { routes: ROUTES };
  if (parts[0] === 'brokers') {
    if (parts.length === 1 && method === 'GET') return brokers.status();
    const id = Number(parts[1]);
    if (!/^\d+$/.test(parts[1] ?? '') || !services.cluster.broker(id)) throw new HttpError(404, `no broker with id ${parts[1]}`);
    const action = parts[2];
    if (method === 'POST' && action === 'stop') await brokers.stop(id, { controlled: query.get('controlled') === 'true' });
    else if (method === 'POST' && action === 'start') await brokers.start(id);
    else if (method === 'POST' && action === 'restart') await brokers.restart(id);
    else if (method === 'POST' && action === 'isolate') repl.isolate(id, true);
    else if (method === 'DELETE' && action === 'isolate') repl.isolate(id, false);
    else if (method === 'POST' && action === 'drop-connections') return { dropped: brokers.dropConnections(id) };
    else throw new HttpError(404, `unknown route ${method} ${path}`);
    return brokers.status().find((b) => b.nodeId === id);
  }
  if (path === '/topics' && method === 'GET') return topics(services);
  if (parts[0] === 'faults') {
    if (parts.length === 1 && method === 'GET') return faults.list();
    if (parts.length === 1 && method === 'DELETE') {
      faults.clear();
      return { cleared: true };
    }
    if (parts.length === 2 && method === 'DELETE') return { removed: faults.remove(Number(parts[1])) };
    if (parts.length === 1 && method === 'POST') {
      const b = await readJson(req);
      const type = b.type ?? (b.error !== undefined ? 'error' : b.ms !== undefined ? 'delay' : 'close');
      try {
        if (type === 'error') return faults.injectError(b);
        if (type === 'delay') {
          if (typeof b.ms !== 'number' || b.ms < 0) throw new Error('delay needs "ms" >= 0');
          return faults.delay(b);
        }
        if (type === 'close') return faults.closeConnection(b);
      } catch (e) {
        throw new HttpError(400, (e as Error).message);
      }
      throw new HttpError(400, `unknown fault type "${type}" (error, delay or close)`);
    }
  }
  if (path === '/replication-delay') {
    if (method === 'GET') return repl.replicationDelays();
    if (method === 'POST') {
      const b = await readJson(req);
      if (typeof b.ms !== 'number' || b.ms < 0) throw new HttpError(400, 'replication delay needs "ms" >= 0');
      repl.setReplicationDelay(b.ms, { topic: b.topic, partition: b.partition, brokerId: b.brokerId });
      return repl.replicationDelays();
    }
  }
  throw new HttpError(404, `unknown route ${method} ${path}`);
}

/** Starts the control endpoint on 127.0.0.1:port (0 picks a free port). */
export function startControlServer(services: Services, port: number): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    route(services, req.method ?? 'GET', path, url.searchParams, req).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body ?? {}));
      },
      (e) => {
        const status = e instanceof HttpError ? e.status : 500;
        if (status === 500) services.logger.error({ err: e }, 'control endpoint failed');
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: (e as Error).message }));
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: the endpoint can stop brokers and has no authentication.
    server.listen({ host: '127.0.0.1', port }, () => {
      server.off('error', reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}
