// Partition reassignment (AlterPartitionReassignments / ListPartitionReassignments). Replicas share the
// stored bytes, so a live target replica is caught up at once: a reassignment completes immediately when
// every target broker is running, and otherwise stays in progress (replicas = target + removing, as Kafka
// shows it) until the missing brokers start.
import { KafkaError } from '../protocol/errors.js';
import type { Partition } from './cluster.js';
import { changeLeader, chooseLeader } from './election.js';
import type { ReplicationManager } from './replication.js';

export interface Reassignment {
  original: number[];
  target: number[];
  adding: number[];
  removing: number[];
}

const pending = new WeakMap<Partition, Reassignment>();

export function ongoing(p: Partition): Reassignment | undefined {
  return pending.get(p);
}

/** Starts (and if possible completes) moving p to `target`. Validation errors are thrown as KafkaError. */
export async function reassign(mgr: ReplicationManager, p: Partition, target: number[], allowRfChange = true): Promise<void> {
  mgr.cluster.validateAssignment([target]);
  const current = pending.get(p);
  const original = current?.original ?? p.replicas;
  if (!allowRfChange && target.length !== original.length) {
    throw new KafkaError('INVALID_REPLICATION_FACTOR', `The replication factor is changed from ${original.length} to ${target.length}`);
  }
  const adding = target.filter((r) => !original.includes(r));
  const removing = original.filter((r) => !target.includes(r));
  const before = p.replicas;
  p.replicas = [...target, ...removing];
  pending.set(p, { original, target, adding, removing });
  mgr.replicasChanged(p, p.replicas.filter((r) => !before.includes(r)));
  // A new Kafka replica needs a few follower fetches before it joins the ISR, so a reassignment is visibly in
  // progress for a moment (clients' tests list it right after altering); kafkalite.reassignment.delay.ms sets how long.
  const delay = mgr.cluster.config.int('kafkalite.reassignment.delay.ms');
  if (delay <= 0) {
    if (!(await complete(mgr, p))) await mgr.cluster.persist();
    return;
  }
  await mgr.cluster.persist();
  const r = pending.get(p);
  setTimeout(() => {
    if (pending.get(p) !== r) return; // cancelled or replaced meanwhile
    complete(mgr, p).catch((err) => mgr.logger.error({ err }, 'completing reassignment failed'));
  }, delay).unref();
}

/** Cancels p's reassignment in progress, returning to its original replicas. */
export async function cancel(mgr: ReplicationManager, p: Partition): Promise<void> {
  const r = pending.get(p);
  if (!r) throw new KafkaError('NO_REASSIGNMENT_IN_PROGRESS', `No ongoing reassignment for partition ${p.topic.name}-${p.index}`);
  pending.delete(p);
  await settle(mgr, p, r.original);
}

async function settle(mgr: ReplicationManager, p: Partition, replicas: number[]): Promise<void> {
  p.replicas = replicas;
  mgr.setIsr(p, p.isr.filter((r) => replicas.includes(r)));
  if (!replicas.includes(p.leader) || !mgr.cluster.broker(p.leader)?.alive) {
    const next = chooseLeader(mgr, p);
    await changeLeader(mgr, p, next.leader, next.unclean);
  }
  mgr.pump(p);
  mgr.updateHighWatermark(p);
  await mgr.cluster.persist();
}

/** Completes p's reassignment when every target replica is running; true when it did. */
async function complete(mgr: ReplicationManager, p: Partition): Promise<boolean> {
  const r = pending.get(p);
  if (!r || !r.target.every((b) => mgr.cluster.broker(b)?.alive)) return false;
  pending.delete(p);
  // Target replicas that are live are in sync at once (they share the bytes); let them join before the move.
  mgr.pump(p);
  const isr = p.replicas.filter((b) => p.isr.includes(b) || (r.target.includes(b) && mgr.canReplicate(p, b)));
  mgr.setIsr(p, isr);
  await settle(mgr, p, r.target);
  // The first target replica is the preferred leader: Kafka elects it when the old leader is removed.
  mgr.logger.info({ topic: p.topic.name, partition: p.index, replicas: p.replicas, isr: p.isr, leader: p.leader }, 'reassignment completed');
  return true;
}

/** Completes every reassignment whose target brokers are now all running (after a broker starts). */
export async function completePending(mgr: ReplicationManager): Promise<void> {
  for (const p of [...mgr.partitions()]) if (pending.has(p)) await complete(mgr, p);
}
