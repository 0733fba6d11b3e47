// Random mutations of a request frame for the fuzz tests (bit flips, boundary values, cut, inserted and repeated bytes).

const BIG = [[0x7f, 0xff], [0xff, 0xff], [0x80, 0x00], [0x7f, 0xff, 0xff, 0xff], [0xff, 0xff, 0xff, 0xff], [0x80, 0, 0, 0],
  [0x7f, 0xff, 0xff, 0xfe], [0xff, 0xff, 0xff, 0xff, 0x0f], [0xff, 0xff, 0xff, 0xff, 0x7f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80]];

/** One random mutation; mostly leaves the 4-byte api key/version alone so the body decoder is reached. */
export function mutate(frame: Buffer, rnd: () => number): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  const lo = rnd() < 0.9 ? Math.min(4, frame.length) : 0;
  const at = lo + int(Math.max(1, frame.length - lo));
  const b = Buffer.from(frame);
  switch (int(7)) {
    case 0: if (at < b.length) b[at] ^= 1 << int(8); return b;
    case 1: if (at < b.length) b[at] = [0, 0xff, 0x7f, 0x80, 1, 2][int(6)]; return b;
    case 2: { const big = BIG[int(BIG.length)]; for (let i = 0; i < big.length && at + i < b.length; i++) b[at + i] = big[i]; return b; }
    case 3: return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(8)))]);
    case 4: return Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(8) }, () => int(256))), b.subarray(at)]);
    case 5: { const n = 1 + int(16); return Buffer.concat([b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n)]); }
    default: for (let k = 0; k < 4; k++) { const p = lo + int(Math.max(1, b.length - lo)); if (p < b.length) b[p] = int(256); } return b;
  }
}
