// acks=-1 produces (and transaction markers) complete only once the high watermark covers their batch. The
// waiters of one partition live here so the manager's high-watermark code only has to say "it moved" or
// "the leader changed", and every waiter is settled exactly once with its timer cleared.
import { KafkaError } from '../protocol/errors.js';
import type { Partition } from './cluster.js';

/** Produce timeout when the caller does not pass one (kafkajs' and Java's default request timeout). */
export const DEFAULT_ACK_TIMEOUT_MS = 30000;

interface Waiter {
  /** The produce is complete once the high watermark reaches this offset. */
  offset: number;
  resolve(): void;
  reject(e: KafkaError): void;
}

export class AckWaiters {
  private readonly waiters = new Set<Waiter>();

  /** Resolves once release() sees a high watermark at or past `offset`; rejects after timeoutMs or on failAll. */
  wait(p: Partition, offset: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new KafkaError('REQUEST_TIMED_OUT', `Timed out after ${timeoutMs} ms waiting for the in-sync replicas of ${p.topic.name}-${p.index} to acknowledge the batch`));
      }, timeoutMs);
      const w: Waiter = {
        offset,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.add(w);
    });
  }

  /** Completes the waiters the high watermark now covers. */
  release(highWatermark: number): void {
    for (const w of this.waiters) {
      if (highWatermark >= w.offset) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  failAll(e: KafkaError): void {
    for (const w of this.waiters) w.reject(e);
    this.waiters.clear();
  }
}

/** Kafka checks min.insync.replicas again once the batch is acknowledged: the ISR may have shrunk meanwhile. */
export function checkMinIsrAfterAppend(p: Partition): void {
  const min = p.topic.configNumber('min.insync.replicas');
  if (p.isr.length < min) {
    throw new KafkaError('NOT_ENOUGH_REPLICAS_AFTER_APPEND', `The size of the current ISR ${JSON.stringify(p.isr)} is insufficient to satisfy the min.isr requirement of ${min} for partition ${p.topic.name}-${p.index}`);
  }
}
