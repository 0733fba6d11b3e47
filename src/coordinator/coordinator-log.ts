// Appends a coordinator's records to its internal topic (__consumer_offsets, __transaction_state) as Kafka's
// coordinators write them: each record in the partition of its key (a group or transactional id), in the order
// they were made. kafkalite's own journals stay the source of truth; these topics are a copy for the tools that
// read them instead of asking the coordinator, so a failed append is logged and never fails a request.
import type { Logger } from 'pino';
import type { Services } from '../broker/context.js';
import { afterAppend } from '../cluster/replication.js';
import { encodeBatch, type RecordInput } from '../protocol/records/index.js';
import { partitionForKey } from './group/timers.js';

export class CoordinatorLog {
  /** Appends in the order the records were made: each waits for the one before. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly services: Services,
    private readonly logger: Logger,
    private readonly topicName: string,
  ) {}

  /** Queues records by the id whose partition holds them; idle() tells when they are appended. */
  write(byId: Map<string, RecordInput[]>): void {
    if (byId.size === 0) return;
    // After the requests that made them are answered: this copy is not what they wait for.
    this.queue = this.queue
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(() => this.append(byId))
      .catch((err) => this.logger.warn({ err }, `could not write to ${this.topicName}`));
  }

  /** Resolves once everything queued so far is appended. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** One batch per partition, holding the records of the ids it keeps, in order. */
  private async append(byId: Map<string, RecordInput[]>): Promise<void> {
    const topic = await this.services.cluster.existingOrNewTopic(this.topicName);
    const byPartition = new Map<number, RecordInput[]>();
    for (const [id, list] of byId) {
      const p = partitionForKey(id, topic.partitions.length);
      const all = byPartition.get(p);
      if (all) all.push(...list);
      else byPartition.set(p, [...list]);
    }
    for (const [index, list] of byPartition) {
      const p = topic.partitions[index];
      if (p.leader < 0) continue; // offline: Kafka's coordinator could not write either; the journal has it
      const ts = Date.now();
      const records: RecordInput[] = [];
      for (const r of list) records.push({ ...r, timestamp: ts });
      const batch = await encodeBatch(records, { partitionLeaderEpoch: p.leaderEpoch });
      await p.log.append(batch, { lastOffsetDelta: list.length - 1, maxTimestamp: ts });
      await afterAppend(this.services, p, 1);
    }
  }
}
