/**
 * Opens a local HTML file in headless Chromium (Debian's package) over the DevTools protocol on a pipe (no
 * port is opened) and records what a reviewer would want to know: every network request the page made,
 * console messages, log entries (CSP violations land there), uncaught exceptions, a full-page screenshot
 * on screen and one with print styles. Every wait is bounded; the browser is killed if it does not exit.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export interface PageVisit {
  /** Every request the page started, whether or not it was blocked. */
  requests: string[];
  /** Requests that did not complete, with Chromium's reason (e.g. csp). */
  blocked: { url: string; reason: string }[];
  console: { level: string; text: string }[];
  log: { level: string; text: string }[];
  exceptions: string[];
  screen: Buffer;
  print: Buffer;
  pdf: Buffer;
  /** Screenshots of the elements with these ids, on screen and with print styles. */
  clips: Record<string, { screen: Buffer; print: Buffer }>;
  /** The page laid out in a window of `width` × `height` CSS pixels, as loaded (details closed). */
  layout: { scrollWidth: number; clientWidth: number; scrollHeight: number; viewportHeight: number };
}

// Chromium's own background traffic (updates, sync, metrics) is switched off: only the page loads anything.
const FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--remote-debugging-pipe',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--metrics-recording-only',
  '--no-pings',
  '--disable-features=Translate,OptimizationHints,MediaRouter',
  '--hide-scrollbars',
  '--force-color-profile=srgb',
  '--font-render-hinting=none',
];

export async function visit(
  url: string,
  opts: { width?: number; height?: number; clipIds?: string[]; timeoutMs?: number } = {},
): Promise<PageVisit> {
  const width = opts.width ?? 1200;
  const viewportHeight = opts.height ?? 900;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  if (!CHROMIUM) throw new Error('chromium is not installed');
  const profile = mkdtempSync(join(tmpdir(), 'exaudit-chromium-'));
  const child = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
  });
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  const listeners: ((m: { method: string; params: Record<string, unknown>; sessionId?: string }) => void)[] = [];
  let buf = Buffer.alloc(0);
  fromBrowser.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (let end = buf.indexOf(0); end >= 0; end = buf.indexOf(0)) {
      const msg = JSON.parse(buf.subarray(0, end).toString('utf8')) as {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message: string };
        method?: string;
        params?: Record<string, unknown>;
        sessionId?: string;
      };
      buf = buf.subarray(end + 1);
      if (msg.id !== undefined) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error.message));
        else p?.resolve(msg.result ?? {});
      } else if (msg.method)
        for (const l of listeners)
          l({ method: msg.method, params: msg.params ?? {}, ...(msg.sessionId ? { sessionId: msg.sessionId } : {}) });
    }
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  const waitFor = (method: string, sessionId: string) =>
    new Promise<void>((resolve) => {
      const l = (m: { method: string; sessionId?: string }) => {
        if (m.method === method && m.sessionId === sessionId) {
          listeners.splice(listeners.indexOf(l), 1);
          resolve();
        }
      };
      listeners.push(l);
    });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`chromium did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  const out: PageVisit = {
    requests: [],
    blocked: [],
    console: [],
    log: [],
    exceptions: [],
    screen: Buffer.alloc(0),
    print: Buffer.alloc(0),
    pdf: Buffer.alloc(0),
    clips: {},
    layout: { scrollWidth: 0, clientWidth: 0, scrollHeight: 0, viewportHeight },
  };
  const urls = new Map<string, string>();
  listeners.push((m) => {
    if (m.method === 'Network.requestWillBeSent') {
      const u = String((m.params['request'] as { url: string }).url);
      urls.set(String(m.params['requestId']), u);
      out.requests.push(u);
    }
    if (m.method === 'Network.loadingFailed')
      out.blocked.push({
        url: urls.get(String(m.params['requestId'])) ?? '',
        reason: String(m.params['blockedReason'] ?? m.params['errorText'] ?? ''),
      });
    if (m.method === 'Runtime.consoleAPICalled')
      out.console.push({
        level: String(m.params['type']),
        text: ((m.params['args'] as { value?: unknown; description?: string }[]) ?? [])
          .map((a) => String(a.value ?? a.description ?? ''))
          .join(' '),
      });
    if (m.method === 'Log.entryAdded') {
      const e = m.params['entry'] as { level: string; text: string };
      out.log.push({ level: e.level, text: e.text });
    }
    if (m.method === 'Runtime.exceptionThrown') out.exceptions.push(JSON.stringify(m.params['exceptionDetails']));
  });
  const session = async () => {
    const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    for (const domain of ['Network', 'Runtime', 'Log', 'Page']) await send(`${domain}.enable`, {}, sessionId);
    const loaded = waitFor('Page.loadEventFired', sessionId);
    await send('Page.navigate', { url }, sessionId);
    await loaded;
    await send(
      'Runtime.evaluate',
      { expression: 'document.fonts.ready.then(() => true)', awaitPromise: true },
      sessionId,
    );
    // The window a reader has: is anything wider than it, and how many screens tall is the page?
    await send(
      'Emulation.setDeviceMetricsOverride',
      { width, height: viewportHeight, deviceScaleFactor: 1, mobile: false },
      sessionId,
    );
    const measured = (await send(
      'Runtime.evaluate',
      {
        expression:
          '[document.documentElement.scrollWidth, document.documentElement.clientWidth, document.documentElement.scrollHeight]',
        returnByValue: true,
      },
      sessionId,
    )) as { result: { value: [number, number, number] } };
    const [scrollWidth, clientWidth, scrollHeight] = measured.result.value;
    out.layout = { scrollWidth, clientWidth, scrollHeight, viewportHeight };
    const shot = async () => {
      const metrics = (await send('Page.getLayoutMetrics', {}, sessionId)) as { cssContentSize: { height: number } };
      const height = Math.min(16_000, Math.ceil(metrics.cssContentSize.height));
      await send(
        'Emulation.setDeviceMetricsOverride',
        { width, height, deviceScaleFactor: 1, mobile: false },
        sessionId,
      );
      const { data } = (await send(
        'Page.captureScreenshot',
        { format: 'png', captureBeyondViewport: true },
        sessionId,
      )) as { data: string };
      const clips: Record<string, Buffer> = {};
      for (const id of opts.clipIds ?? []) {
        const { result } = (await send(
          'Runtime.evaluate',
          {
            expression: `(() => { const r = document.getElementById(${JSON.stringify(id)})?.getBoundingClientRect(); return r ? [r.x + scrollX, r.y + scrollY, r.width, r.height] : null; })()`,
            returnByValue: true,
          },
          sessionId,
        )) as { result: { value: number[] | null } };
        if (!result.value) throw new Error(`no element #${id}`);
        const [x, y, w, h] = result.value as [number, number, number, number];
        const clip = (await send(
          'Page.captureScreenshot',
          {
            format: 'png',
            captureBeyondViewport: true,
            clip: { x, y, width: w, height: Math.min(h, 16_000), scale: 1 },
          },
          sessionId,
        )) as { data: string };
        clips[id] = Buffer.from(clip.data, 'base64');
      }
      return { full: Buffer.from(data, 'base64'), clips };
    };
    const screen = await shot();
    out.screen = screen.full;
    await send('Emulation.setEmulatedMedia', { media: 'print' }, sessionId);
    const print = await shot();
    out.print = print.full;
    for (const id of opts.clipIds ?? []) out.clips[id] = { screen: screen.clips[id]!, print: print.clips[id]! };
    const { data } = (await send('Page.printToPDF', { printBackground: false }, sessionId)) as { data: string };
    out.pdf = Buffer.from(data, 'base64');
    await send('Browser.close').catch(() => undefined);
  };
  try {
    await Promise.race([session(), deadline]);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(profile, { recursive: true, force: true });
  }
  return out;
}
