// Leader election, as Kafka's controller does it: a new leader comes from the live ISR (replica order, so
// the preferred replica first); unclean election (a live replica outside the ISR) only when the topic's
// unclean.leader.election.enable allows it or an admin asks for it. Every leader change bumps the leader
// epoch and records where the new epoch starts (the leader-epoch cache OffsetForLeaderEpoch reads); a new
// leader whose LEO is behind the shared log truncates it, losing what it never had — as real Kafka does.
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { Partition } from './cluster.js';
import type { ReplicationManager } from './replication.js';

export interface ElectionResult {
  errorCode: number;
  errorMessage: string | null;
}

const OK: ElectionResult = { errorCode: ErrorCode.NONE, errorMessage: null };

function uncleanAllowed(p: Partition): boolean {
  return p.topic.config('unclean.leader.election.enable') === 'true';
}

function usable(mgr: ReplicationManager, id: number, exclude?: number): boolean {
  return id !== exclude && !!mgr.cluster.broker(id)?.alive;
}

/** The leader Kafka's controller would pick for p now (leader -1: none eligible). */
export function chooseLeader(mgr: ReplicationManager, p: Partition, opts: { exclude?: number; unclean?: boolean } = {}): { leader: number; unclean: boolean } {
  const clean = p.replicas.find((r) => p.isr.includes(r) && usable(mgr, r, opts.exclude));
  if (clean !== undefined) return { leader: clean, unclean: false };
  if (opts.unclean ?? uncleanAllowed(p)) {
    const any = p.replicas.find((r) => usable(mgr, r, opts.exclude));
    if (any !== undefined) return { leader: any, unclean: true };
  }
  return { leader: -1, unclean: false };
}

/** Makes `leader` (or -1: none) p's leader: truncate to its LEO, bump the epoch, move followers' bookkeeping. */
export async function changeLeader(mgr: ReplicationManager, p: Partition, leader: number, unclean = false): Promise<void> {
  const old = p.leader;
  if (leader === old) return;
  const oldLeo = p.log.logEndOffset;
  mgr.failWaiters(p, new KafkaError('NOT_LEADER_OR_FOLLOWER', `Leader of ${p.topic.name}-${p.index} changed`));
  if (leader >= 0) {
    const leo = mgr.replicaLeo(p, leader);
    if (leo < p.log.logEndOffset) {
      // Nobody may append while the log is cut back to what the new leader has.
      p.leader = -1;
      await p.log.truncateTo(leo);
      const st = mgr.state(p);
      for (const [r, v] of st.leo) st.leo.set(r, Math.min(v, leo));
      mgr.logger.warn({ topic: p.topic.name, partition: p.index, leader, truncatedTo: leo, lost: oldLeo - leo }, 'new leader was behind: log truncated');
    }
    if (unclean) {
      mgr.setIsr(p, [leader]);
      if (p.highWatermark > leo) p.highWatermark = leo;
    }
  }
  p.leader = leader;
  p.leaderEpoch++;
  if (leader >= 0) {
    const start = p.log.logEndOffset;
    const history = p.epochStarts ?? [{ epoch: p.leaderEpoch - 1, startOffset: 0 }];
    // Kafka's LeaderEpochFileCache.assign drops entries at or beyond the new epoch's start offset.
    p.epochStarts = [...history.filter((e) => e.startOffset < start && e.epoch < p.leaderEpoch), { epoch: p.leaderEpoch, startOffset: start }];
  }
  mgr.logger.info({ topic: p.topic.name, partition: p.index, from: old, to: leader, epoch: p.leaderEpoch, unclean, isr: p.isr }, 'leader changed');
  mgr.leaderMoved(p, old, Math.min(oldLeo, p.log.logEndOffset));
  // Not awaited: saves coalesce, and the manager waits for the last one on shutdown.
  mgr.persistEpochs().catch((err) => mgr.logger.error({ err }, 'saving leader epochs failed'));
}

/**
 * A broker went down: its partitions get new leaders from the live ISR (or none, or an unclean one). A
 * controlled shutdown also leaves every ISR at once (unless it is the last member), as Kafka's does;
 * otherwise it leaves them when the leaders find it lagging (replica.lag.time.max.ms) or when the
 * controller fences it (broker.session.timeout.ms), whichever comes first.
 */
export async function brokerStopped(mgr: ReplicationManager, id: number, controlled = false): Promise<void> {
  for (const p of [...mgr.partitions()]) {
    if (p.leader !== id) continue;
    const next = chooseLeader(mgr, p, { exclude: id });
    await changeLeader(mgr, p, next.leader, next.unclean);
  }
  if (controlled) mgr.removeFromIsrs(id);
  else mgr.scheduleFence(id);
}

/** A broker came back: leaderless partitions it can lead get it as leader; its followers catch up. */
export async function brokerStarted(mgr: ReplicationManager, id: number): Promise<void> {
  mgr.cancelFence(id);
  for (const p of [...mgr.partitions()]) {
    if (!p.replicas.includes(id)) continue;
    if (p.leader < 0 || !mgr.cluster.broker(p.leader)?.alive) {
      const next = chooseLeader(mgr, p);
      if (next.leader >= 0) await changeLeader(mgr, p, next.leader, next.unclean);
    } else {
      mgr.pump(p);
    }
  }
}

/** ElectLeaders PREFERRED for one partition. */
export async function electPreferred(mgr: ReplicationManager, p: Partition): Promise<ElectionResult> {
  const preferred = p.replicas[0];
  if (p.leader === preferred && mgr.cluster.broker(preferred)?.alive) return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' };
  if (!usable(mgr, preferred) || !p.isr.includes(preferred)) {
    return { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: 'The preferred leader was not available.' };
  }
  await changeLeader(mgr, p, preferred);
  return OK;
}

/** ElectLeaders UNCLEAN for one partition: only when it has no live leader. */
export async function electUnclean(mgr: ReplicationManager, p: Partition): Promise<ElectionResult> {
  if (p.leader >= 0 && mgr.cluster.broker(p.leader)?.alive) return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' };
  const next = chooseLeader(mgr, p, { unclean: true });
  if (next.leader < 0) return { errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, errorMessage: 'Eligible topic partition leaders are not available.' };
  await changeLeader(mgr, p, next.leader, next.unclean);
  return OK;
}

/**
 * auto.leader.rebalance.enable: brokers leading less than their share of preferred partitions by more than
 * leader.imbalance.per.broker.percentage get their preferred leaderships back.
 */
export async function autoRebalance(mgr: ReplicationManager): Promise<void> {
  const pct = mgr.cluster.config.int('leader.imbalance.per.broker.percentage');
  for (const b of mgr.cluster.liveBrokers()) {
    const preferred = [...mgr.partitions()].filter((p) => p.replicas[0] === b.nodeId);
    const imbalanced = preferred.filter((p) => p.leader !== b.nodeId);
    if (preferred.length === 0 || (imbalanced.length * 100) / preferred.length <= pct) continue;
    for (const p of imbalanced) if (p.isr.includes(b.nodeId) && !mgr.isIsolated(b.nodeId)) await electPreferred(mgr, p);
  }
}
