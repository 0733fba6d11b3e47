// Replication semantics without copying bytes: all replicas of a partition share one PartitionLog, but each
// follower has its own log end offset (LEO), advanced by a simulated fetch — at once for a live, reachable
// follower, or after a configurable delay (fault injection). The high watermark is the minimum LEO over the
// ISR; acks=-1 produces wait for it. Followers that have not caught up for replica.lag.time.max.ms leave the
// ISR and rejoin once caught up, as Kafka's leader does (Partition.maybeShrinkIsr / maybeExpandIsr).
import type { Logger } from 'pino';
import { KafkaError } from '../protocol/errors.js';
import type { Services } from '../broker/context.js';
import type { Cluster, Partition } from './cluster.js';
import { autoRebalance, changeLeader, loadEpochs } from './election.js';

interface Waiter {
  /** The produce is complete once the high watermark reaches this offset. */
  offset: number;
  resolve(): void;
  reject(e: KafkaError): void;
}

interface ReplicaState {
  /** Follower LEOs (the leader's LEO is the log's). */
  leo: Map<number, number>;
  /** Kafka's lastCaughtUpTimeMs per follower. */
  caughtUp: Map<number, number>;
  /** Followers with a delayed fetch in flight. */
  fetching: Set<number>;
  waiters: Set<Waiter>;
}

export interface DelaySelector {
  topic?: string;
  partition?: number;
  /** The follower broker whose fetches are delayed. */
  brokerId?: number;
}

interface DelayRule extends DelaySelector {
  ms: number;
}

/** Produce timeout when the caller does not pass one (kafkajs' and Java's default request timeout). */
const DEFAULT_ACK_TIMEOUT_MS = 30000;

export class ReplicationManager {
  private readonly states = new WeakMap<Partition, ReplicaState>();
  private readonly isolatedBrokers = new Set<number>();
  private delays: DelayRule[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly fences = new Map<number, NodeJS.Timeout>();
  private ticker?: NodeJS.Timeout;
  private rebalancer?: NodeJS.Timeout;
  private stopped = false;
  private saving?: Promise<void>;
  private saveAgain = false;

  constructor(
    readonly cluster: Cluster,
    readonly logger: Logger,
  ) {}

  start(): void {
    this.scheduleTick();
    this.scheduleRebalance();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.ticker);
    clearTimeout(this.rebalancer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const t of this.fences.values()) clearTimeout(t);
    this.fences.clear();
    for (const p of this.partitions()) this.failWaiters(p, new KafkaError('NOT_LEADER_OR_FOLLOWER', 'The broker is shutting down'));
    await this.saving;
  }

  /** Every partition of every topic (live view). */
  *partitions(): Iterable<Partition> {
    for (const t of this.cluster.topics.values()) yield* t.partitions;
  }

  state(p: Partition): ReplicaState {
    let st = this.states.get(p);
    if (!st) {
      // First sight of the partition: every replica holds what the log holds (the shared bytes).
      const now = Date.now();
      const leo = p.log.logEndOffset;
      st = { leo: new Map(), caughtUp: new Map(), fetching: new Set(), waiters: new Set() };
      for (const r of p.replicas) {
        st.leo.set(r, leo);
        st.caughtUp.set(r, now);
      }
      this.states.set(p, st);
    }
    return st;
  }

  /** Snapshots every partition's replica state (before a broker stops, so its replicas freeze where they are). */
  ensureAll(): void {
    for (const p of this.partitions()) this.state(p);
  }

  /** The LEO of `broker`'s replica of p. */
  replicaLeo(p: Partition, broker: number): number {
    const end = p.log.logEndOffset;
    if (broker === p.leader) return end;
    return Math.min(this.state(p).leo.get(broker) ?? 0, end);
  }

  isIsolated(broker: number): boolean {
    return this.isolatedBrokers.has(broker);
  }

  /** Whether the follower can fetch from p's leader right now. */
  canReplicate(p: Partition, follower: number): boolean {
    if (p.leader < 0 || follower === p.leader) return false;
    const leader = this.cluster.broker(p.leader);
    const f = this.cluster.broker(follower);
    return !!leader?.alive && !!f?.alive && !this.isolatedBrokers.has(p.leader) && !this.isolatedBrokers.has(follower);
  }

  private exists(p: Partition): boolean {
    return this.cluster.topics.get(p.topic.name) === p.topic;
  }

  /** Called by Produce after appending to p: replicate, then wait as acks asks. */
  async afterAppend(p: Partition, acks: number, timeoutMs = DEFAULT_ACK_TIMEOUT_MS): Promise<void> {
    const st = this.state(p);
    const target = p.log.logEndOffset;
    this.pump(p);
    this.updateHighWatermark(p);
    if (acks !== -1) return;
    if (p.leader < 0) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `Partition ${p.topic.name}-${p.index} has no leader`);
    if (p.highWatermark >= target) return this.checkMinIsrAfterAppend(p);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        st.waiters.delete(w);
        reject(new KafkaError('REQUEST_TIMED_OUT', `Timed out after ${timeoutMs} ms waiting for the in-sync replicas of ${p.topic.name}-${p.index} to acknowledge the batch`));
      }, timeoutMs);
      const w: Waiter = {
        offset: target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      st.waiters.add(w);
    });
    this.checkMinIsrAfterAppend(p);
  }

  private checkMinIsrAfterAppend(p: Partition): void {
    const min = p.topic.configNumber('min.insync.replicas');
    if (p.isr.length < min) {
      throw new KafkaError('NOT_ENOUGH_REPLICAS_AFTER_APPEND', `The size of the current ISR ${JSON.stringify(p.isr)} is insufficient to satisfy the min.isr requirement of ${min} for partition ${p.topic.name}-${p.index}`);
    }
  }

  /** Fails every acks=-1 produce waiting on p (its leader changed: Kafka answers NOT_LEADER_OR_FOLLOWER). */
  failWaiters(p: Partition, e: KafkaError): void {
    const st = this.state(p);
    for (const w of st.waiters) w.reject(e);
    st.waiters.clear();
  }

  /** High watermark = min LEO over the ISR; completes acks=-1 produces it now covers. */
  updateHighWatermark(p: Partition): void {
    if (p.leader < 0) return;
    let hw = Infinity;
    for (const r of p.isr) hw = Math.min(hw, this.replicaLeo(p, r));
    if (hw !== Infinity) p.advanceHighWatermark(hw);
    const st = this.state(p);
    for (const w of st.waiters) {
      if (p.highWatermark >= w.offset) {
        st.waiters.delete(w);
        w.resolve();
      }
    }
  }

  /** Lets every reachable follower of p fetch. */
  pump(p: Partition): void {
    for (const f of p.replicas) if (f !== p.leader) this.fetch(p, f);
  }

  delayFor(p: Partition, follower: number): number {
    let ms = 0;
    for (const d of this.delays) {
      if ((d.topic === undefined || d.topic === p.topic.name) && (d.partition === undefined || d.partition === p.index) && (d.brokerId === undefined || d.brokerId === follower)) ms = d.ms;
    }
    return ms;
  }

  /** One simulated follower fetch: immediate, or completing after the follower's replication delay. */
  private fetch(p: Partition, f: number): void {
    if (!this.canReplicate(p, f)) return;
    const st = this.state(p);
    const end = p.log.logEndOffset;
    const now = Date.now();
    const ms = this.delayFor(p, f);
    if (ms <= 0 || this.replicaLeo(p, f) >= end) {
      if (ms <= 0) st.leo.set(f, end);
      if (this.replicaLeo(p, f) >= end) st.caughtUp.set(f, now);
      this.followerProgressed(p, f);
      return;
    }
    if (st.fetching.has(f)) return;
    st.fetching.add(f);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      st.fetching.delete(f);
      if (this.stopped || !this.exists(p) || !this.canReplicate(p, f)) return;
      st.leo.set(f, Math.max(this.replicaLeo(p, f), Math.min(end, p.log.logEndOffset)));
      // Kafka: a follower that reached the leader's LEO as of its fetch was caught up at fetch time.
      st.caughtUp.set(f, now);
      this.followerProgressed(p, f);
      if (this.replicaLeo(p, f) < p.log.logEndOffset) this.fetch(p, f);
    }, ms);
    timer.unref?.();
    this.timers.add(timer);
  }

  /** After a follower fetch: rejoin the ISR when caught up to the high watermark, and move the HW. */
  private followerProgressed(p: Partition, f: number): void {
    if (!p.isr.includes(f)) {
      const leo = this.replicaLeo(p, f);
      const epochStart = p.epochStarts?.[p.epochStarts.length - 1]?.startOffset ?? 0;
      if (leo >= p.highWatermark && leo >= Math.min(epochStart, p.log.logEndOffset)) {
        this.setIsr(p, p.replicas.filter((r) => r === f || p.isr.includes(r)));
        this.logger.info({ topic: p.topic.name, partition: p.index, broker: f, isr: p.isr }, 'ISR expanded');
      }
    }
    this.updateHighWatermark(p);
  }

  setIsr(p: Partition, isr: number[]): void {
    p.isr = isr;
  }

  /** Removes followers that have not caught up within replica.lag.time.max.ms (Kafka's isr-expiration task). */
  checkIsr(): void {
    const lagMax = this.cluster.config.int('replica.lag.time.max.ms');
    const now = Date.now();
    for (const p of this.partitions()) {
      if (p.leader < 0 || !this.cluster.broker(p.leader)?.alive) continue;
      this.pump(p);
      const st = this.state(p);
      const lagging = p.isr.filter((r) => r !== p.leader && now - (st.caughtUp.get(r) ?? 0) > lagMax);
      if (lagging.length === 0) continue;
      this.setIsr(p, p.isr.filter((r) => !lagging.includes(r)));
      this.logger.info({ topic: p.topic.name, partition: p.index, removed: lagging, isr: p.isr }, 'ISR shrunk');
      this.updateHighWatermark(p);
    }
  }

  private scheduleTick(): void {
    if (this.stopped) return;
    const lagMax = this.cluster.config.int('replica.lag.time.max.ms');
    this.ticker = setTimeout(() => {
      try {
        this.checkIsr();
      } catch (err) {
        this.logger.error({ err }, 'ISR check failed');
      }
      this.scheduleTick();
    }, Math.max(10, Math.min(lagMax / 2, 5000)));
    this.ticker.unref?.();
  }

  private scheduleRebalance(): void {
    if (this.stopped) return;
    const secs = this.cluster.config.int('leader.imbalance.check.interval.seconds');
    this.rebalancer = setTimeout(() => {
      const run = this.cluster.config.bool('auto.leader.rebalance.enable') ? autoRebalance(this) : Promise.resolve();
      run.catch((err) => this.logger.error({ err }, 'leader rebalance failed')).finally(() => this.scheduleRebalance());
    }, Math.max(100, secs * 1000));
    this.rebalancer.unref?.();
  }

  /**
   * A broker that stopped without a controlled shutdown is fenced by Kafka's controller once its session
   * expires (broker.session.timeout.ms): it then leaves every ISR it is not the last member of.
   */
  scheduleFence(broker: number): void {
    this.cancelFence(broker);
    const t = setTimeout(() => {
      this.fences.delete(broker);
      if (this.stopped || this.cluster.broker(broker)?.alive) return;
      this.removeFromIsrs(broker);
    }, this.cluster.config.int('broker.session.timeout.ms'));
    t.unref?.();
    this.fences.set(broker, t);
  }

  cancelFence(broker: number): void {
    clearTimeout(this.fences.get(broker));
    this.fences.delete(broker);
  }

  /** Takes `broker` out of every ISR where it is not the last member (controlled shutdown, fencing). */
  removeFromIsrs(broker: number): void {
    for (const p of this.partitions()) {
      if (!p.isr.includes(broker) || p.isr.length <= 1) continue;
      this.setIsr(p, p.isr.filter((r) => r !== broker));
      this.logger.info({ topic: p.topic.name, partition: p.index, removed: [broker], isr: p.isr }, 'ISR shrunk');
      this.updateHighWatermark(p);
    }
  }

  // ---- fault injection -------------------------------------------------------------------------------

  /** Delays follower fetches matching the selector by `ms` (0 removes the delay). */
  setReplicationDelay(ms: number, sel: DelaySelector = {}): void {
    this.ensureAll();
    this.delays = this.delays.filter((d) => d.topic !== sel.topic || d.partition !== sel.partition || d.brokerId !== sel.brokerId);
    if (ms > 0) this.delays.push({ ...sel, ms });
    for (const p of this.partitions()) this.pump(p);
  }

  replicationDelays(): DelayRule[] {
    return this.delays.map((d) => ({ ...d }));
  }

  /** Cuts replication between `broker` and every other broker (clients still reach it); false heals. */
  isolate(broker: number, isolated = true): void {
    this.ensureAll();
    if (isolated) this.isolatedBrokers.add(broker);
    else this.isolatedBrokers.delete(broker);
    if (!isolated) for (const p of this.partitions()) this.pump(p);
  }

  /** Called when a replica set changes (reassignment): new replicas start from the shared log, if alive. */
  replicasChanged(p: Partition, added: number[]): void {
    const st = this.state(p);
    const now = Date.now();
    for (const r of added) {
      st.leo.set(r, this.cluster.broker(r)?.alive ? p.log.logEndOffset : 0);
      st.caughtUp.set(r, now);
    }
    this.pump(p);
    this.updateHighWatermark(p);
  }

  /** Bookkeeping after a leader change (called by election.ts). */
  leaderMoved(p: Partition, oldLeader: number, oldLeaderLeo: number): void {
    const st = this.state(p);
    if (oldLeader >= 0) {
      st.leo.set(oldLeader, oldLeaderLeo);
      st.caughtUp.set(oldLeader, Date.now());
    }
    st.fetching.clear();
    this.failWaiters(p, new KafkaError('NOT_LEADER_OR_FOLLOWER', `Leader of ${p.topic.name}-${p.index} changed`));
    this.pump(p);
    this.updateHighWatermark(p);
    p.wake();
  }

  /** Elects `leader` for p (see election.ts). */
  elect(p: Partition, leader: number, unclean = false): Promise<void> {
    return changeLeader(this, p, leader, unclean);
  }

  /** Saves leader epochs; saves requested while one is running coalesce into one more (a broker stop changes many). */
  persistEpochs(): Promise<void> {
    this.saveAgain = true;
    this.saving ??= (async () => {
      try {
        while (this.saveAgain) {
          this.saveAgain = false;
          await this.saveEpochs();
        }
      } finally {
        this.saving = undefined;
      }
    })();
    return this.saving;
  }

  private async saveEpochs(): Promise<void> {
    const out: Record<string, { leader: number; leaderEpoch: number; epochStarts?: { epoch: number; startOffset: number }[] }[]> = {};
    for (const t of this.cluster.topics.values()) {
      out[t.id] = t.partitions.map((p) => ({ leader: p.leader, leaderEpoch: p.leaderEpoch, epochStarts: p.epochStarts }));
    }
    await this.cluster.storage.saveMeta('leader-epochs', out);
  }

  async load(): Promise<void> {
    await loadEpochs(this);
  }
}

export const replicationInstaller = {
  name: 'replication',
  async install(services: Services): Promise<void> {
    const mgr = new ReplicationManager(services.cluster, services.logger);
    await mgr.load();
    mgr.start();
    services.replication = mgr;
  },
  async stop(services: Services): Promise<void> {
    await (services.replication as ReplicationManager | undefined)?.stop();
  },
};
