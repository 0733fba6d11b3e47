// On-disk framing of a metadata journal (`<name>.journal`, see docs/storage.md): a sequence of entries
//   length  uint32 BE   bytes of payload
//   crc     uint32 BE   CRC-32 (zlib) of payload
//   payload JSON text
// The first entry is the header naming the snapshot the journal extends; every later entry is one append
// (a JSON array of change records). A crash can leave a torn last entry; reading stops at the first entry
// that is cut short or fails its CRC, as partition log recovery does with batches.
import { crc32 } from 'node:zlib';

export const ENTRY_OVERHEAD = 8;
/** An entry claiming more than this is garbage, not a record (keeps a corrupt length from allocating). */
const MAX_ENTRY_BYTES = 256 << 20;

export interface JournalHeader {
  v: 1;
  /** CRC-32 and length of the snapshot file this journal continues; any other snapshot makes it stale. */
  snapshotCrc: number;
  snapshotBytes: number;
}

export function encodeEntry(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  const out = Buffer.allocUnsafe(ENTRY_OVERHEAD + body.length);
  out.writeUInt32BE(body.length, 0);
  out.writeUInt32BE(crc32(body), 4);
  body.copy(out, ENTRY_OVERHEAD);
  return out;
}

export function headerFor(snapshot: Buffer | undefined): JournalHeader {
  return { v: 1, snapshotCrc: snapshot ? crc32(snapshot) : 0, snapshotBytes: snapshot?.length ?? 0 };
}

export interface ParsedJournal {
  header: JournalHeader | undefined;
  /** Payloads of the entries after the header, parsed. */
  appends: unknown[][];
  /** Bytes up to the end of the last good entry; anything after it is a torn or corrupt tail. */
  validBytes: number;
}

export function parseJournal(buf: Buffer): ParsedJournal {
  let pos = 0;
  let header: JournalHeader | undefined;
  const appends: unknown[][] = [];
  while (pos + ENTRY_OVERHEAD <= buf.length) {
    const len = buf.readUInt32BE(pos);
    if (len > MAX_ENTRY_BYTES || pos + ENTRY_OVERHEAD + len > buf.length) break;
    const body = buf.subarray(pos + ENTRY_OVERHEAD, pos + ENTRY_OVERHEAD + len);
    if (crc32(body) !== buf.readUInt32BE(pos + 4)) break;
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      break;
    }
    if (header === undefined) {
      if (!isHeader(value)) break;
      header = value;
    } else {
      if (!Array.isArray(value)) break;
      appends.push(value);
    }
    pos += ENTRY_OVERHEAD + len;
  }
  return { header, appends, validBytes: header ? pos : 0 };
}

function isHeader(v: unknown): v is JournalHeader {
  const h = v as JournalHeader | null;
  return typeof h === 'object' && h !== null && h.v === 1 && Number.isInteger(h.snapshotCrc) && Number.isInteger(h.snapshotBytes);
}

export function matches(header: JournalHeader | undefined, snapshot: Buffer | undefined): boolean {
  if (!header) return false;
  const want = headerFor(snapshot);
  return header.snapshotCrc === want.snapshotCrc && header.snapshotBytes === want.snapshotBytes;
}
