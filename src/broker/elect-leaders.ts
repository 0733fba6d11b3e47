// ElectLeaders (key 43): preferred (0) or unclean (1) leader election for the given partitions, or for all
// of them when the list is null (then, as Kafka, only partitions that needed an election are reported).
import { electPreferred, electUnclean, type ElectionResult } from '../cluster/election.js';
import type { ReplicationManager } from '../cluster/replication.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ElectLeadersRequest, ElectLeadersResponse, ElectLeadersResponseReplicaElectionResult } from '../protocol/generated/elect-leaders.js';
import type { Input } from '../protocol/primitives.js';
import { defineHandler } from './context.js';
import { groupBy } from './util.js';

type TopicResult = Input<ElectLeadersResponseReplicaElectionResult>;

export default defineHandler<ElectLeadersRequest>({
  apiKey: 43,
  async handle(ctx, req): Promise<Input<ElectLeadersResponse>> {
    const { cluster } = ctx;
    const type = ctx.apiVersion >= 1 ? req.electionType : 0;
    const all = req.topicPartitions === null;
    const wanted: { topic: string; partition: number }[] = all
      ? [...cluster.topics.values()].flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.index })))
      : req.topicPartitions!.flatMap((tp) => tp.partitions.map((partition) => ({ topic: tp.topic, partition })));
    const denied = ctx.services.acl?.canCluster && !ctx.services.acl.canCluster(ctx, 'ALTER');
    const topLevel = (errorCode: number, results: TopicResult[]) => ({ throttleTimeMs: 0, errorCode, replicaElectionResults: results });
    const results = new Map<string, { partitionId: number; errorCode: number; errorMessage: string | null }[]>();
    const put = (topic: string, partitionId: number, r: ElectionResult) => {
      if (all && r.errorCode === ErrorCode.ELECTION_NOT_NEEDED) return;
      const list = results.get(topic) ?? [];
      list.push({ partitionId, ...r });
      results.set(topic, list);
    };

    if (denied) {
      if (all) return topLevel(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, []);
      for (const w of wanted) put(w.topic, w.partition, { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null });
    } else if (type !== 0 && type !== 1) {
      for (const w of wanted) put(w.topic, w.partition, { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown election type ${type}` });
    } else {
      const repl: ReplicationManager | undefined = ctx.services.replication;
      for (const [topic, ws] of groupBy(wanted, (w) => w.topic)) {
        const t = cluster.topics.get(topic);
        for (const w of ws) {
          const p = t?.partitions[w.partition];
          if (!t) put(topic, w.partition, { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such topic as ${topic}` });
          else if (!p) put(topic, w.partition, { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `No such partition as ${topic}-${w.partition}` });
          else if (!repl) put(topic, w.partition, { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' });
          else put(topic, w.partition, type === 0 ? await electPreferred(repl, p) : await electUnclean(repl, p));
        }
      }
    }
    const out: TopicResult[] = [...results].map(([topic, partitionResult]) => ({ topic, partitionResult }));
    return topLevel(denied ? ErrorCode.CLUSTER_AUTHORIZATION_FAILED : ErrorCode.NONE, out);
  },
});
