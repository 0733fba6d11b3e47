// A minimal raw Kafka connection on kafkalite's compiled codec (npm run build first): requests are
// pipelined and answered in order, each returning its decoded response body. Used by the round-trip
// probe and the scale cases, where a client library would be the bottleneck being measured.
import net from 'node:net';
import { encodeRequest, decodeResponse } from '../../dist/protocol/messages.js';

export async function rawConnection(hostPort, clientId = 'kbench-raw') {
  const i = hostPort.lastIndexOf(':');
  const sock = net.connect({ host: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) });
  sock.setNoDelay(true);
  await new Promise((res, rej) => { sock.once('connect', res); sock.once('error', rej); });
  const waiting = [];
  // Chunks are joined once per frame: concatenating on every read made a multi-megabyte Fetch response cost the
  // client O(n²) copies, and the broker's socket then waited on it (backpressure) more than on its own work.
  let chunks = [], have = 0, need = -1;
  let bytesIn = 0;
  sock.on('data', (d) => {
    bytesIn += d.length;
    chunks.push(d);
    have += d.length;
    for (;;) {
      if (need < 0) {
        if (have < 4) return;
        if (chunks[0].length < 4) chunks = [Buffer.concat(chunks, have)];
        need = 4 + chunks[0].readInt32BE(0);
      }
      if (have < need) return;
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
      const frame = all.subarray(4, need);
      const rest = all.subarray(need);
      chunks = rest.length ? [rest] : [];
      have = rest.length;
      need = -1;
      const w = waiting.shift();
      if (!w) continue;
      try { w.resolve(w.raw ? frame : decodeResponse(w.apiKey, w.version, frame).body); } catch (e) { w.reject(e); }
    }
  });
  const failAll = (e) => { for (const w of waiting.splice(0)) w.reject(e); };
  sock.on('error', failAll);
  sock.on('close', () => failAll(new Error('connection closed')));
  let corr = 0;
  return {
    /** Sends one request; resolves with the decoded body (or the raw frame with `raw`). */
    request(apiKey, version, body, { raw = false } = {}) {
      return new Promise((resolve, reject) => {
        waiting.push({ apiKey, version, raw, resolve, reject });
        sock.write(encodeRequest(apiKey, version, ++corr, clientId, body));
      });
    },
    /** Sends a pre-encoded request frame (size prefix included, any correlation id). */
    send(frame, apiKey, version, { raw = false } = {}) {
      return new Promise((resolve, reject) => {
        waiting.push({ apiKey, version, raw, resolve, reject });
        sock.write(frame);
      });
    },
    get bytesIn() { return bytesIn; },
    close() { sock.destroy(); },
  };
}

export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : null;
};
export const median = (xs) => pct(xs, 50);

/** Metadata v1 for `topics` until every partition has a leader (auto-creating them where the broker does). */
export async function waitForLeaders(c, topics, timeoutMs = 30000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const md = await c.request(3, 1, { topics: topics.map((name) => ({ name })) });
    if (md.topics.every((t) => t.errorCode === 0 && t.partitions.length > 0 && t.partitions.every((p) => p.leaderId >= 0))) return md;
    if (Date.now() > until) throw new Error(`topics ${topics.join(',')} have no leaders after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
