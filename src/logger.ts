// pino logger: JSON lines, pretty-printed when stdout is a terminal.
import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';

// pino-pretty (30-odd modules) is loaded only when a terminal wants it: piped or in-process brokers never
// pay for it (about 25 ms of start-up CPU).
const require = createRequire(import.meta.url);

export function createLogger(level = 'info', opts: { pretty?: boolean } = {}): Logger {
  const usePretty = opts.pretty ?? process.stdout.isTTY === true;
  if (usePretty) {
    const pretty: typeof import('pino-pretty') = require('pino-pretty');
    return pino({ level, base: undefined }, pretty({ sync: true, colorize: true, ignore: 'pid,hostname' }));
  }
  return pino({ level, base: undefined });
}

export type { Logger };
