// Replication semantics without copying bytes: all replicas of a partition share one PartitionLog, but each
// follower has its own log end offset (LEO), advanced by a simulated fetch (follower-fetch.ts) — at once for a
// live, reachable follower, or after a configurable delay (fault injection). The high watermark is the minimum
// LEO over the ISR; acks=-1 produces wait for it (ack-waiters.ts). Followers that have not caught up for
// replica.lag.time.max.ms leave the ISR and rejoin once caught up, as Kafka's leader does
// (Partition.maybeShrinkIsr / maybeExpandIsr). This manager owns that bookkeeping and the timers around it.
import type { Logger } from 'pino';
import { KafkaError } from '../protocol/errors.js';
import type { Services } from '../broker/context.js';
import type { Cluster, Partition } from './cluster.js';
import { AckWaiters, checkMinIsrAfterAppend, DEFAULT_ACK_TIMEOUT_MS } from './ack-waiters.js';
import { autoRebalance, changeLeader } from './election.js';
import { type DelayRule, type DelaySelector, FollowerFetcher, type FollowerProgress } from './follower-fetch.js';
import { EpochSaver, loadEpochs } from './leader-epochs.js';

export type { DelaySelector } from './follower-fetch.js';

interface ReplicaState extends FollowerProgress {
  waiters: AckWaiters;
}

/**
 * After an append to p (Produce, transaction markers, telemetry records): replicate and wait as `acks` asks, or with
 * no replication service (one broker) move the high watermark to the log end. A promise only when there is
 * something to wait for, so Produce's common case stays synchronous.
 */
export function afterAppend(services: Services, p: Partition, acks: number): void | Promise<void> {
  const replication = services.replication as ReplicationManager | undefined;
  if (!replication) p.advanceHighWatermark(p.log.logEndOffset);
  else return replication.afterAppend(p, acks);
}

export class ReplicationManager {
  private readonly states = new WeakMap<Partition, ReplicaState>();
  private readonly fetcher: FollowerFetcher;
  private readonly epochs: EpochSaver;
  private readonly fences = new Map<number, NodeJS.Timeout>();
  private ticker?: NodeJS.Timeout;
  private rebalancer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    readonly cluster: Cluster,
    readonly logger: Logger,
  ) {
    this.fetcher = new FollowerFetcher(cluster, {
      progress: (p) => this.state(p),
      replicaLeo: (p, broker) => this.replicaLeo(p, broker),
      accepts: (p) => !this.stopped && this.exists(p),
      progressed: (p, f) => this.followerProgressed(p, f),
    });
    this.epochs = new EpochSaver(cluster);
  }

  start(): void {
    this.scheduleTick();
    this.scheduleRebalance();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.ticker);
    clearTimeout(this.rebalancer);
    this.fetcher.stop();
    for (const t of this.fences.values()) clearTimeout(t);
    this.fences.clear();
    for (const p of this.partitions()) this.failWaiters(p, new KafkaError('NOT_LEADER_OR_FOLLOWER', 'The broker is shutting down'));
    await this.epochs.pending;
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
      st = { leo: new Map(), caughtUp: new Map(), fetching: new Set(), waiters: new AckWaiters() };
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

  /** When `broker`'s replica of p last caught up with the leader's log end (the leader: now). */
  lastCaughtUp(p: Partition, broker: number): number {
    return broker === p.leader ? Date.now() : this.state(p).caughtUp.get(broker) ?? 0;
  }

  isIsolated(broker: number): boolean {
    return this.fetcher.isIsolated(broker);
  }

  /** Whether the follower can fetch from p's leader right now. */
  canReplicate(p: Partition, follower: number): boolean {
    return this.fetcher.canReplicate(p, follower);
  }

  private exists(p: Partition): boolean {
    return this.cluster.topics.get(p.topic.name) === p.topic;
  }

  /**
   * Called by Produce after appending to p: replicate, then wait as acks asks. Returns a promise only when there
   * is something to wait for (followers still to catch up); errors are thrown.
   */
  afterAppend(p: Partition, acks: number, timeoutMs = DEFAULT_ACK_TIMEOUT_MS): void | Promise<void> {
    const st = this.state(p);
    const target = p.log.logEndOffset;
    this.pump(p);
    this.updateHighWatermark(p);
    if (acks !== -1) return;
    if (p.leader < 0) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `Partition ${p.topic.name}-${p.index} has no leader`);
    if (p.highWatermark >= target) return checkMinIsrAfterAppend(p);
    return st.waiters.wait(p, target, timeoutMs).then(() => checkMinIsrAfterAppend(p));
  }

  /** Fails every acks=-1 produce waiting on p (its leader changed: Kafka answers NOT_LEADER_OR_FOLLOWER). */
  failWaiters(p: Partition, e: KafkaError): void {
    this.state(p).waiters.failAll(e);
  }

  /** High watermark = min LEO over the ISR; completes acks=-1 produces it now covers. */
  updateHighWatermark(p: Partition): void {
    if (p.leader < 0) return;
    let hw = Infinity;
    for (const r of p.isr) hw = Math.min(hw, this.replicaLeo(p, r));
    if (hw !== Infinity) p.advanceHighWatermark(hw);
    this.state(p).waiters.release(p.highWatermark);
  }

  /** Lets every reachable follower of p fetch. */
  pump(p: Partition): void {
    this.fetcher.pump(p);
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
    this.fetcher.setDelay(ms, sel);
    for (const p of this.partitions()) this.pump(p);
  }

  replicationDelays(): DelayRule[] {
    return this.fetcher.delayRules();
  }

  /** Cuts replication between `broker` and every other broker (clients still reach it); false heals. */
  isolate(broker: number, isolated = true): void {
    this.ensureAll();
    this.fetcher.setIsolated(broker, isolated);
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

  /** Saves leader epochs (see leader-epochs.ts); the last save is awaited on stop. */
  persistEpochs(): Promise<void> {
    return this.epochs.save();
  }

  async load(): Promise<void> {
    await loadEpochs(this.cluster);
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
