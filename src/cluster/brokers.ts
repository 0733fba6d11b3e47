// Stopping and restarting single brokers of the in-process cluster (fault injection). A stopped broker closes
// its listeners — open connections drop, its ports refuse — and its partitions fail over to the live ISR;
// a restarted one listens on the same ports again and its replicas catch up and rejoin the ISR.
import type { Services } from '../broker/context.js';
import type { Listener } from '../server/listener.js';
import type { BrokerNode } from './cluster.js';
import { brokerStarted, brokerStopped } from './election.js';
import { completePending } from './reassignment.js';
import type { ReplicationManager } from './replication.js';

export interface BrokerStatus {
  nodeId: number;
  alive: boolean;
  isolated: boolean;
  controller: boolean;
  connections: number;
  endpoints: { listener: string; host: string; port: number }[];
}

export class BrokerControl {
  // Serializes stop/start so concurrent calls cannot interleave elections.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly services: Services) {}

  private get entries(): { node: BrokerNode; listeners: Listener[] }[] {
    return this.services.brokerListeners ?? [];
  }

  private get replication(): ReplicationManager | undefined {
    return this.services.replication;
  }

  private entry(id: number): { node: BrokerNode; listeners: Listener[] } {
    const e = this.entries.find((x) => x.node.nodeId === id);
    if (!e) throw new Error(`no broker with id ${id}`);
    return e;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Stops broker `id`: closes its listeners, then elects new leaders for the partitions it led. `controlled`
   * (Kafka's controlled shutdown) also takes it out of every ISR at once instead of after the lag time.
   */
  stop(id: number, opts: { controlled?: boolean } = {}): Promise<void> {
    return this.serial(async () => {
      const e = this.entry(id);
      if (!e.node.alive) return;
      this.replication?.ensureAll();
      e.node.alive = false;
      await Promise.all(e.listeners.map((l) => l.close()));
      if (this.replication) await brokerStopped(this.replication, id, opts.controlled);
      this.services.logger.warn({ broker: id }, 'broker stopped');
    });
  }

  /** Starts broker `id` again on the same ports; its replicas catch up and rejoin the ISR. */
  start(id: number): Promise<void> {
    return this.serial(async () => {
      const e = this.entry(id);
      if (e.node.alive) return;
      for (const l of e.listeners) await l.listen();
      e.node.alive = true;
      e.node.unregistered = false;
      if (this.replication) {
        await brokerStarted(this.replication, id);
        await completePending(this.replication);
      }
      this.services.logger.warn({ broker: id }, 'broker started');
    });
  }

  async restart(id: number): Promise<void> {
    await this.stop(id);
    await this.start(id);
  }

  /** Drops every open client connection of broker `id` (all brokers when omitted); returns how many. */
  dropConnections(id?: number): number {
    let n = 0;
    for (const e of this.entries) {
      if (id !== undefined && e.node.nodeId !== id) continue;
      for (const l of e.listeners) {
        for (const c of [...l.connections]) {
          c.close('connection dropped by fault injection');
          n++;
        }
      }
    }
    return n;
  }

  status(): BrokerStatus[] {
    const controller = this.services.cluster.controllerId;
    return this.entries.map(({ node, listeners }) => ({
      nodeId: node.nodeId,
      alive: node.alive,
      isolated: this.replication?.isIsolated(node.nodeId) ?? false,
      controller: node.alive && node.nodeId === controller,
      connections: listeners.reduce((n, l) => n + l.connections.size, 0),
      endpoints: node.endpoints.map((ep) => ({ listener: ep.name, host: ep.advertisedHost, port: ep.advertisedPort })),
    }));
  }
}
