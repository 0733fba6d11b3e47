// A client process that reports what it does as JSON lines on stdout (Kafka's kafkatest protocol: the verifiable
// producer and consumer, and test/compat/clients/txn_copier.py), for tests that watch it while they break things.
import { spawn, type ChildProcess } from 'node:child_process';
import { clientPath, hasPythonModule, PYTHON } from './run.js';

export type Event = Record<string, any>;

/** python3-confluent-kafka's kafkatest clients (librdkafka 2.0.2), run through kafkatest.py. */
export const hasKafkatest = hasPythonModule('confluent_kafka.kafkatest');

export class JsonLinesProcess {
  readonly events: Event[] = [];
  private readonly child: ChildProcess;
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(script: string, args: string[]) {
    this.child = spawn(PYTHON, [clientPath(script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout!.on('data', (d) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      for (const l of lines) if (l.trim()) this.events.push(JSON.parse(l));
    });
    // Its debug output, kept short: the tail explains a failure.
    this.child.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-20000)));
    this.exited = new Promise((resolve) => this.child.on('close', resolve));
  }

  named(name: string): Event[] {
    return this.events.filter((e) => e.name === name);
  }

  /** SIGTERM: the client finishes what it was doing (a consumer commits) and reports shutdown_complete. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 20000);
    await this.exited;
    clearTimeout(killer);
  }

  /** SIGKILL: a hard failure, nothing finished. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  get log(): string {
    return this.stderr.split('\n').filter((l) => !l.includes('SEND:')).slice(-30).join('\n');
  }
}

/** A kafkatest verifiable producer or consumer (--broker-list first, then its own arguments). */
export const verifiableClient = (kind: 'producer' | 'consumer', bootstrap: string, args: string[]): JsonLinesProcess =>
  new JsonLinesProcess('kafkatest.py', [kind, '--broker-list', bootstrap, ...args]);

/** librdkafka properties for -X: the scripts apply only "conf_"-prefixed names of it (others are their own options). */
export const conf = (...props: string[]): string[] => props.flatMap((p) => ['-X', `conf_${p}`]);

/** Values a verifiable producer got acknowledged. */
export const acked = (p: JsonLinesProcess): string[] => p.named('producer_send_success').map((e) => e.value as string);

/** Values a verifiable consumer (--verbose) read, once per partition and offset: a re-delivery is not a duplicate in the log. */
export function consumedValues(c: JsonLinesProcess): string[] {
  const byOffset = new Map<string, string>();
  for (const e of c.named('record_data')) byOffset.set(`${e.partition}@${e.offset}`, e.value);
  return [...byOffset.values()];
}
