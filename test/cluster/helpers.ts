// Helpers for the multi-broker tests: one raw request/response exchange and polling for a condition.
import net from 'node:net';
import { decodeResponse, encodeRequest } from '../../src/protocol/messages.js';

/** Sends one request to 127.0.0.1:port; resolves with the decoded response body, or null if the broker closed the connection. */
export function rawRequest(port: number, apiKey: number, version: number, body: unknown, timeoutMs = 5000): Promise<any | null> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no response from port ${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        clearTimeout(timer);
        s.destroy();
        resolve(decodeResponse(apiKey, version, buf.subarray(4, 4 + buf.readInt32BE(0))).body);
      }
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(null);
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.write(encodeRequest(apiKey, version, 1, 'cluster-test', body));
  });
}

/** Polls `cond` every 20 ms until it holds; fails after `ms`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
