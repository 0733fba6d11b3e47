// DescribeLogDirs (key 35): kafkalite has one log directory per broker (the data dir, or "/memory" for the
// memory engine); this lists the partitions this broker holds a replica of, with their sizes.
import { statfs } from 'node:fs/promises';
import { ErrorCode } from '../protocol/errors.js';
import type {
  DescribeLogDirsRequest,
  DescribeLogDirsResponse,
  DescribeLogDirsResponseDescribeLogDirsTopic,
} from '../protocol/generated/describe-log-dirs.js';
import type { Input } from '../protocol/primitives.js';
import type { Topic } from '../cluster/cluster.js';
import { logDirOf } from './admin-configs.js';
import { clusterAllowed } from './admin-acl.js';
import { defineHandler } from './context.js';

type TopicOut = Input<DescribeLogDirsResponseDescribeLogDirsTopic>;

export default defineHandler<DescribeLogDirsRequest>({
  apiKey: 35,
  async handle(ctx, req): Promise<Input<DescribeLogDirsResponse>> {
    const { cluster } = ctx;
    if (!clusterAllowed(ctx, 'DESCRIBE')) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    const me = ctx.broker.nodeId;
    const wanted: [Topic, number[] | null][] = req.topics === null
      ? [...cluster.topics.values()].map((t) => [t, null])
      : req.topics.flatMap((rt) => {
        const t = cluster.topics.get(rt.topic);
        return t ? [[t, rt.partitions] as [Topic, number[]]] : [];
      });
    const topics: TopicOut[] = [];
    for (const [t, indexes] of wanted) {
      const parts = (indexes ?? t.partitions.map((p) => p.index))
        .map((i) => t.partitions[i])
        .filter((p) => p && p.replicas.includes(me));
      if (!parts.length) continue;
      topics.push({
        name: t.name,
        partitions: parts.map((p) => ({
          partitionIndex: p.index,
          partitionSize: p.log.size,
          // How far this replica's log end is behind the high watermark (0 on the leader).
          offsetLag: Math.max(0, p.highWatermark - p.log.logEndOffset),
          isFutureKey: false,
        })),
      });
    }
    const logDir = logDirOf(ctx);
    let totalBytes = -1;
    let usableBytes = -1;
    if (cluster.storage.kind === 'file') {
      try {
        const s = await statfs(logDir);
        totalBytes = s.blocks * s.bsize;
        usableBytes = s.bavail * s.bsize;
      } catch {
        // The volume size is informational; leave it unknown.
      }
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [{ errorCode: ErrorCode.NONE, logDir, topics, totalBytes, usableBytes }],
    };
  },
});
