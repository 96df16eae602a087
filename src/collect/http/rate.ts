/**
 * `scan --rate N`: at most N requests per second across the whole scan, every target and worker thread together,
 * for admins whose monitoring alerts above a threshold. Requests are spaced 1/N s apart in the order they ask (no
 * bursts); the next free slot lives in a SharedArrayBuffer, so worker threads draw from one schedule. A request
 * never starts before its slot, so by any time T after the scan started at most N·T + 1 requests have been sent.
 */
import type { RequestPacer } from './client.js';

/** Milliseconds since the epoch with sub-millisecond precision, the same in every thread. */
const epochMs = (): number => performance.timeOrigin + performance.now();

export class RatePacer implements RequestPacer {
  /** The next free slot, in microseconds since the epoch. */
  private readonly next: BigInt64Array;
  private readonly intervalUs: bigint;

  constructor(
    readonly perSecond: number,
    /** Pass the same buffer to every thread's pacer to share one schedule. */
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8),
    private readonly now: () => number = epochMs,
  ) {
    if (!(perSecond > 0)) throw new RangeError('rate must be above 0');
    this.next = new BigInt64Array(buffer, 0, 1);
    this.intervalUs = BigInt(Math.ceil(1_000_000 / perSecond));
  }

  /** Claims the next slot and waits for it; returns early (the slot spent) when `signal` aborts. */
  async take(signal?: AbortSignal): Promise<void> {
    const now = BigInt(Math.floor(this.now() * 1000));
    let slot: bigint;
    for (;;) {
      const free = Atomics.load(this.next, 0);
      slot = free > now ? free : now;
      if (Atomics.compareExchange(this.next, 0, free, slot + this.intervalUs) === free) break;
    }
    // Timers count from the event loop's cached clock and may fire a little early: wait until the slot has passed.
    for (let left = Number(slot - now) / 1000; left > 0 && !signal?.aborted; left = Number(slot) / 1000 - this.now())
      await sleep(Math.ceil(left), signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
