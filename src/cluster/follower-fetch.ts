// Simulated follower fetches. No bytes move (every replica shares the leader's PartitionLog): a fetch only
// advances the follower's log end offset, at once or after the delay fault injection set for it. What the
// progress means for the ISR and the high watermark is the manager's business (see replication.ts); keeping
// the timers, delay rules and network isolation here lets the manager stay about bookkeeping.
import type { Cluster, Partition } from './cluster.js';

export interface DelaySelector {
  topic?: string;
  partition?: number;
  /** The follower broker whose fetches are delayed. */
  brokerId?: number;
}

export interface DelayRule extends DelaySelector {
  ms: number;
}

/** The per-partition follower bookkeeping a fetch moves. */
export interface FollowerProgress {
  /** Follower LEOs (the leader's LEO is the log's). */
  leo: Map<number, number>;
  /** Kafka's lastCaughtUpTimeMs per follower. */
  caughtUp: Map<number, number>;
  /** Followers with a delayed fetch in flight. */
  fetching: Set<number>;
}

/** What a fetch needs from the replication manager, which owns the per-partition state. */
export interface FetchHost {
  progress(p: Partition): FollowerProgress;
  replicaLeo(p: Partition, broker: number): number;
  /** False once the manager stopped or p's topic was deleted: a delayed fetch then lands nowhere. */
  accepts(p: Partition): boolean;
  /** A fetch completed: the manager updates the ISR and the high watermark. */
  progressed(p: Partition, follower: number): void;
}

export class FollowerFetcher {
  private readonly isolatedBrokers = new Set<number>();
  private delays: DelayRule[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly cluster: Cluster,
    private readonly host: FetchHost,
  ) {}

  /** Drops delayed fetches still in flight (the broker is stopping). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  isIsolated(broker: number): boolean {
    return this.isolatedBrokers.has(broker);
  }

  setIsolated(broker: number, isolated: boolean): void {
    if (isolated) this.isolatedBrokers.add(broker);
    else this.isolatedBrokers.delete(broker);
  }

  /** Whether the follower can fetch from p's leader right now. */
  canReplicate(p: Partition, follower: number): boolean {
    if (p.leader < 0 || follower === p.leader) return false;
    const leader = this.cluster.broker(p.leader);
    const f = this.cluster.broker(follower);
    return !!leader?.alive && !!f?.alive && !this.isolatedBrokers.has(p.leader) && !this.isolatedBrokers.has(follower);
  }

  /** Replaces the rule for exactly this selector; 0 ms removes it. */
  setDelay(ms: number, sel: DelaySelector): void {
    this.delays = this.delays.filter((d) => d.topic !== sel.topic || d.partition !== sel.partition || d.brokerId !== sel.brokerId);
    if (ms > 0) this.delays.push({ ...sel, ms });
  }

  delayRules(): DelayRule[] {
    return this.delays.map((d) => ({ ...d }));
  }

  /** The last matching rule wins, so a narrower rule added later overrides a broad one. */
  delayFor(p: Partition, follower: number): number {
    let ms = 0;
    for (const d of this.delays) {
      if ((d.topic === undefined || d.topic === p.topic.name) && (d.partition === undefined || d.partition === p.index) && (d.brokerId === undefined || d.brokerId === follower)) ms = d.ms;
    }
    return ms;
  }

  /** Lets every reachable follower of p fetch. */
  pump(p: Partition): void {
    for (const f of p.replicas) if (f !== p.leader) this.fetch(p, f);
  }

  /** One simulated follower fetch: immediate, or completing after the follower's replication delay. */
  private fetch(p: Partition, f: number): void {
    if (!this.canReplicate(p, f)) return;
    const st = this.host.progress(p);
    const end = p.log.logEndOffset;
    const now = Date.now();
    const ms = this.delayFor(p, f);
    if (ms <= 0 || this.host.replicaLeo(p, f) >= end) {
      if (ms <= 0) st.leo.set(f, end);
      if (this.host.replicaLeo(p, f) >= end) st.caughtUp.set(f, now);
      this.host.progressed(p, f);
      return;
    }
    if (st.fetching.has(f)) return;
    st.fetching.add(f);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      st.fetching.delete(f);
      if (!this.host.accepts(p) || !this.canReplicate(p, f)) return;
      st.leo.set(f, Math.max(this.host.replicaLeo(p, f), Math.min(end, p.log.logEndOffset)));
      // Kafka: a follower that reached the leader's LEO as of its fetch was caught up at fetch time.
      st.caughtUp.set(f, now);
      this.host.progressed(p, f);
      if (this.host.replicaLeo(p, f) < p.log.logEndOffset) this.fetch(p, f);
    }, ms);
    timer.unref?.();
    this.timers.add(timer);
  }
}
