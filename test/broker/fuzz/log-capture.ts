// The broker's warnings and errors as parsed objects, for fuzz tests to check: no handler failed, and why a
// connection was closed.
import { Writable } from 'node:stream';
import pino from 'pino';

export function captureLogger() {
  const lines: any[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); cb(); } });
  return { logger: pino({ level: 'warn', base: undefined }, stream), lines };
}

/** Stacks of the errors that escaped a handler (the connection closed) or that a handler turned into UNKNOWN_SERVER_ERROR. */
export function handlerFailures(lines: any[]): string[] {
  return lines.filter((l) => l.msg === 'request handler failed' || l.msg === 'unexpected error in handler').map((l) => l.err?.stack ?? l.err?.message);
}
