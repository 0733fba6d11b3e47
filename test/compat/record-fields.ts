// Reading the records Kafka's coordinators write to their internal topics, independently of kafkalite's writers:
// the layouts of Kafka's coordinator record schemas, read as its generated readers read them.

/** A cursor over a record key or value, as Kafka's generated readers read them (big-endian, int16-length strings). */
export class Fields {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  int8 = () => ((this.pos += 1), this.buf.readInt8(this.pos - 1));
  int16 = () => ((this.pos += 2), this.buf.readInt16BE(this.pos - 2));
  int32 = () => ((this.pos += 4), this.buf.readInt32BE(this.pos - 4));
  int64 = () => ((this.pos += 8), Number(this.buf.readBigInt64BE(this.pos - 8)));
  string = (): string | null => {
    const n = this.int16();
    if (n < 0) return null;
    this.pos += n;
    return this.buf.toString('utf8', this.pos - n, this.pos);
  };
  bytes = (): Buffer => {
    const n = this.int32();
    this.pos += n;
    return this.buf.subarray(this.pos - n, this.pos);
  };
  get done(): boolean {
    return this.pos === this.buf.length;
  }
}
