/**
 * Writes small .evtx files for the tests, as Windows lays them out (libyal's libevtx documentation): a 4 KiB file
 * header, then 64 KiB chunks whose records hold binary XML. The first record of a chunk defines the event template
 * inline (element and attribute names stored where they are first used) and fills it with substitution values;
 * later records point back to that template, as Windows does. Only what exaudit's reader needs is written.
 */
const CHUNK = 65536;

export interface TestEvent {
  provider: string;
  eventId: number;
  level: number;
  time: string;
  channel: string;
  data: string[];
}

class Writer {
  bytes: number[] = [];
  constructor(private readonly base: number) {}
  get pos(): number {
    return this.base + this.bytes.length;
  }
  u8(v: number) {
    this.bytes.push(v & 0xff);
  }
  u16(v: number) {
    this.u8(v);
    this.u8(v >> 8);
  }
  u32(v: number) {
    this.u16(v & 0xffff);
    this.u16(v >>> 16);
  }
  u64(v: bigint) {
    for (let i = 0n; i < 8n; i++) this.u8(Number((v >> (8n * i)) & 0xffn));
  }
  utf16(s: string) {
    for (const ch of s) this.u16(ch.charCodeAt(0));
  }
  /** A name stored inline right after its offset field. */
  name(s: string) {
    this.u32(this.pos + 4);
    this.u32(0); // next name in the hash bucket
    this.u16(0); // hash (not checked by readers of a single record)
    this.u16(s.length);
    this.utf16(s);
    this.u16(0);
  }
  patch32(at: number, v: number) {
    const i = at - this.base;
    this.bytes[i] = v & 0xff;
    this.bytes[i + 1] = (v >> 8) & 0xff;
    this.bytes[i + 2] = (v >> 16) & 0xff;
    this.bytes[i + 3] = (v >>> 24) & 0xff;
  }
}

/** The event template: System (Provider, EventID, Level, TimeCreated, Channel) and EventData with data values. */
function template(w: Writer, dataCount: number) {
  const open = (n: string, attrs = false) => {
    w.u8(attrs ? 0x41 : 0x01);
    w.u16(0xffff);
    w.u32(0); // data size (not needed by the reader)
    w.name(n);
    if (attrs) w.u32(0);
  };
  const sub = (id: number, type: number) => {
    w.u8(0x0e);
    w.u16(id);
    w.u8(type);
  };
  w.u8(0x0f);
  w.u8(1);
  w.u8(1);
  w.u8(0);
  open('Event', true);
  w.u8(0x06);
  w.name('xmlns');
  w.u8(0x05);
  w.u8(0x01);
  const ns = 'http://schemas.microsoft.com/win/2004/08/events/event';
  w.u16(ns.length);
  w.utf16(ns);
  w.u8(0x02);
  open('System');
  w.u8(0x02);
  open('Provider', true);
  w.u8(0x06);
  w.name('Name');
  sub(0, 0x01);
  w.u8(0x03);
  open('EventID');
  w.u8(0x02);
  sub(1, 0x06);
  w.u8(0x04);
  open('Level');
  w.u8(0x02);
  sub(2, 0x04);
  w.u8(0x04);
  open('TimeCreated', true);
  w.u8(0x06);
  w.name('SystemTime');
  sub(3, 0x11);
  w.u8(0x03);
  open('Channel');
  w.u8(0x02);
  sub(4, 0x01);
  w.u8(0x04);
  w.u8(0x04); // </System>
  open('EventData');
  w.u8(0x02);
  for (let i = 0; i < dataCount; i++) {
    open('Data');
    w.u8(0x02);
    sub(5 + i, 0x01);
    w.u8(0x04);
  }
  w.u8(0x04); // </EventData>
  w.u8(0x04); // </Event>
  w.u8(0x00);
}

const filetime = (iso: string) => (BigInt(Date.parse(iso)) + 11644473600000n) * 10000n;

/** One chunk's records; every event must have the same number of data values (one template). */
export function evtxFile(events: TestEvent[]): Buffer {
  const chunk = Buffer.alloc(CHUNK);
  chunk.write('ElfChnk\0', 0, 'latin1');
  let at = 512;
  let templateAt = 0;
  events.forEach((e, i) => {
    const w = new Writer(at);
    w.u32(0x00002a2a);
    const sizeAt = w.pos;
    w.u32(0);
    w.u64(BigInt(i + 1));
    w.u64(filetime(e.time));
    w.u8(0x0f);
    w.u8(1);
    w.u8(1);
    w.u8(0);
    w.u8(0x0c);
    w.u8(0x01);
    w.u32(1); // template id
    if (i === 0) {
      templateAt = w.pos + 4;
      w.u32(templateAt); // defined right here
      w.u32(0); // next template
      for (let g = 0; g < 16; g++) w.u8(g); // GUID
      const defSizeAt = w.pos;
      w.u32(0);
      const start = w.pos;
      template(w, e.data.length);
      w.patch32(defSizeAt, w.pos - start);
    } else w.u32(templateAt);
    const values: Array<[number, number[]]> = [];
    const str = (s: string) => [...Buffer.from(s, 'utf16le')];
    const ft = filetime(e.time);
    values.push([0x01, str(e.provider)]);
    values.push([0x06, [e.eventId & 0xff, e.eventId >> 8]]);
    values.push([0x04, [e.level]]);
    values.push([0x11, Array.from({ length: 8 }, (_, k) => Number((ft >> BigInt(8 * k)) & 0xffn))]);
    values.push([0x01, str(e.channel)]);
    for (const d of e.data) values.push([0x01, str(d)]);
    w.u32(values.length);
    for (const [type, v] of values) {
      w.u16(v.length);
      w.u8(type);
      w.u8(0);
    }
    for (const [, v] of values) for (const b of v) w.u8(b);
    const size = w.bytes.length + 4;
    w.u32(size);
    w.patch32(sizeAt, size);
    Buffer.from(w.bytes).copy(chunk, at);
    at += size;
  });
  chunk.writeUInt32LE(128, 40);
  chunk.writeUInt32LE(at, 48); // free space offset: where the records end
  const header = Buffer.alloc(4096);
  header.write('ElfFile\0', 0, 'latin1');
  header.writeUInt32LE(128, 32);
  header.writeUInt16LE(1, 42);
  return Buffer.concat([header, chunk]);
}
