// pino logger: JSON lines, pretty-printed when stdout is a terminal.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export function createLogger(level = 'info', opts: { pretty?: boolean } = {}): Logger {
  const usePretty = opts.pretty ?? process.stdout.isTTY === true;
  if (usePretty) return pino({ level, base: undefined }, pretty({ sync: true, colorize: true, ignore: 'pid,hostname' }));
  return pino({ level, base: undefined });
}

export type { Logger };
