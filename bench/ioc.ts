/**
 * IOC sweep throughput: generated HttpProxy logs (1 GiB by default, 64 MiB files as IIS rolls them, with a
 * planted ProxyLogon/ProxyShell/ProxyNotShell hit every ~200,000 lines) swept by exaudit with its worker threads
 * and with one thread, against ripgrep searching the same files for the indicators' needles (the reference, same
 * run), for the sweep's own candidates, and for two fixed strings that match most lines (its fastest read).
 * Each sweep runs in its own child process so its peak RSS is its own. Reports MB/s, hits, peak RSS and ratios.
 * The data is generated once into the system temp folder and reused (delete it, or pass --fresh).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadIndicators } from '../src/ioc/sweep.js';

export interface IocBenchArgs {
  gib?: number;
  fresh?: boolean;
  print?: boolean;
  rounds?: number;
}

export interface IocRun {
  name: string;
  ms: number;
  mbPerSecond: number;
  hits: number;
  peakRssMiB: number;
}
export interface IocBenchResult {
  bytes: number;
  files: number;
  runs: IocRun[];
  plantedHits: number;
}

const FILE_BYTES = 64 * 1024 * 1024;
const FIELDS =
  'DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,RevisionVersion,ClientRequestId,Protocol,UrlHost,UrlStem,ProtocolAction,AuthenticationType,IsAuthenticated,AuthenticatedUser,Organization,AnchorMailbox,UserAgent,ClientIpAddress,ServerHostName,HttpStatus,BackEndStatus,ErrorCode,Method,ProxyAction,TargetServer,TargetServerVersion,RoutingType,RoutingHint,BackEndCookie,ServerLocatorHost,ServerLocatorLatency,RequestBytes,ResponseBytes,TargetOutstandingRequests,AuthModulePerfContext,HttpPipelineLatency,CalculateTargetBackEndLatency,GlsLatencyBreakup,TotalGlsLatency,AccountForestLatencyBreakup,TotalAccountForestLatency,ResourceForestLatencyBreakup,TotalResourceForestLatency,ADLatency,SharedCacheLatencyBreakup,TotalSharedCacheLatency,ActivityContextLifeTime,ModuleToHandlerSwitchingLatency,ClientReqStreamLatency,BackendReqInitLatency,BackendReqStreamLatency,BackendProcessingLatency,BackendRespInitLatency,BackendRespStreamLatency,ClientRespStreamLatency,KerberosAuthHeaderLatency,HandlerCompletionLatency,RequestHandlerLatency,HandlerToModuleSwitchingLatency,ProxyTime,CoreLatency,RoutingLatency,HttpProxyOverhead,TotalRequestTime,RouteRefresherLatency,UrlQuery,BackEndGenericInfo,GenericInfo,GenericErrors,EdgeTraceId,DatabaseGuid,UserADObjectGuid,PartitionEndpointLookupLatency,RoutingStatus';
const N = FIELDS.split(',').length;
const col = (name: string) => FIELDS.split(',').indexOf(name);

type Kind = 'normal' | 'anchor' | 'proxyshell' | 'notshell' | 'owassrf';

/**
 * One HttpProxy record. Most are Outlook's Autodiscover calls (autodiscover.json, as Outlook makes them all day),
 * the rest MAPI, EWS, OWA and a few ECP requests: the mix of an Autodiscover-heavy front end.
 */
function record(i: number, kind: Kind): string {
  const c: string[] = new Array<string>(N).fill('');
  const t = new Date(Date.UTC(2021, 2, 1) + i * 37).toISOString();
  const user = `user${i % 5000}@contoso.lab`;
  c[0] = t;
  c[col('RequestId')] =
    `${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}-4d2c-4e1b-9a7f-${i.toString(16).padStart(12, '0')}`;
  c[col('MajorVersion')] = '15';
  c[col('MinorVersion')] = '1';
  c[col('BuildVersion')] = '2176';
  c[col('RevisionVersion')] = '2';
  const r = i % 100;
  const [protocol, stem, query] =
    r < 40
      ? ['Autodiscover', `/autodiscover/autodiscover.json/v1.0/${user}`, '?Protocol=AutodiscoverV1&RedirectCount=1']
      : r < 72
        ? [
            'Autodiscover',
            '/autodiscover/autodiscover.json',
            `?Email=${user.replace('@', '%40')}&Protocol=ActiveSync&RedirectCount=1`,
          ]
        : r < 82
          ? ['Mapi', '/mapi/emsmdb/', `?MailboxId=${i.toString(16)}@contoso.lab`]
          : r < 90
            ? ['Ews', '/EWS/Exchange.asmx', '']
            : r < 99
              ? ['Owa', '/owa/service.svc', '?action=GetFolderChangeDigest&app=Mail']
              : ['Ecp', '/ecp/default.aspx', ''];
  c[col('Protocol')] = protocol;
  c[col('UrlHost')] = 'mail.contoso.lab';
  c[col('UrlStem')] = stem;
  c[col('UrlQuery')] = query;
  c[col('AuthenticationType')] = 'Negotiate';
  c[col('IsAuthenticated')] = 'True';
  c[col('AuthenticatedUser')] = `CONTOSO\\user${i % 5000}`;
  c[col('AnchorMailbox')] = `Smtp~${user}`;
  c[col('UserAgent')] = 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.14326; Pro)';
  c[col('ClientIpAddress')] = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  c[col('ServerHostName')] = 'EX01';
  c[col('HttpStatus')] = '200';
  c[col('BackEndStatus')] = '200';
  c[col('Method')] = protocol === 'Autodiscover' ? 'GET' : 'POST';
  c[col('ProxyAction')] = 'Proxy';
  c[col('TargetServer')] = 'ex02.contoso.lab';
  c[col('TargetServerVersion')] = '15.01.2176.002';
  c[col('RequestBytes')] = String(1000 + (i % 9000));
  c[col('ResponseBytes')] = String(2000 + (i % 40000));
  c[col('TotalRequestTime')] = String(i % 997);
  c[col('GenericInfo')] = 'S:ServiceCommonMetadata.RequestId=;S:ServiceCommonMetadata.HttpMethod=GET';
  if (kind === 'anchor') {
    c[col('AnchorMailbox')] =
      'ServerInfo~a]@ex02.contoso.lab:444/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory#';
    c[col('AuthenticatedUser')] = '';
    c[col('ClientIpAddress')] = '203.0.113.7';
  }
  if (kind === 'proxyshell') {
    c[col('UrlStem')] = '/autodiscover/autodiscover.json';
    c[col('UrlQuery')] = '?@evil.lab/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.lab';
  }
  if (kind === 'notshell') {
    c[col('UrlStem')] = '/autodiscover/autodiscover.json';
    c[col('UrlQuery')] =
      '?@evil.lab/owa/&Email=autodiscover/autodiscover.json?@evil.lab&Protocol=XYZ&FooProtocol=Powershell';
  }
  if (kind === 'owassrf') {
    c[col('UrlStem')] = '/owa/mastermailbox%40outlook.com/powershell';
    c[col('UrlQuery')] = '';
    c[col('Method')] = 'POST';
  }
  return c.join(',');
}

async function generate(dir: string, bytes: number): Promise<number> {
  mkdirSync(dir, { recursive: true });
  let planted = 0;
  let i = 0;
  for (let f = 0; f * FILE_BYTES < bytes; f++) {
    const out = createWriteStream(join(dir, `HttpProxy_20210301${String(f).padStart(2, '0')}-1.LOG`));
    let written = 0;
    const write = (s: string) =>
      new Promise<void>((resolve) => {
        written += s.length;
        if (out.write(s)) resolve();
        else out.once('drain', () => resolve());
      });
    await write(
      `#Software: Microsoft Exchange Server\r\n#Version: 15.01.2176.002\r\n#Log-type: Autodiscover Logs\r\n#Fields: ${FIELDS}\r\n`,
    );
    while (written < FILE_BYTES) {
      let chunk = '';
      for (let k = 0; k < 500; k++, i++) {
        const k = i % 200_000;
        const kind: Kind =
          k === 1 ? 'anchor' : k === 2 ? 'proxyshell' : k === 3 ? 'notshell' : k === 4 ? 'owassrf' : 'normal';
        if (kind !== 'normal') planted++;
        chunk += `${record(i, kind)}\r\n`;
      }
      await write(chunk);
    }
    await new Promise<void>((resolve) => out.end(resolve));
  }
  return planted;
}

const here = fileURLToPath(new URL('.', import.meta.url));
/** A child that sweeps and reports {ms, hits, maxRss} as JSON; its peak RSS is its own. */
function sweepChild(dir: string, jobs: number): { ms: number; hits: number; maxRssKiB: number } {
  const script = `
    const { sweep } = await import(${JSON.stringify(join(here, '../src/ioc/sweep.js'))});
    const t = performance.now();
    const r = await sweep([${JSON.stringify(dir)}], { jobs: ${jobs} });
    process.stdout.write(JSON.stringify({ ms: performance.now() - t, hits: r.hits.length, maxRssKiB: process.resourceUsage().maxRSS }));`;
  const p = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (p.status !== 0) throw new Error(`sweep child failed: ${p.stderr}`);
  return JSON.parse(p.stdout) as { ms: number; hits: number; maxRssKiB: number };
}

/**
 * ripgrep searching the same files for the same candidates the sweep looks for: every HttpProxy rule's needles,
 * header lines and percent-escaped letters, case-insensitive (matching lines are what exaudit parses).
 */
function rgRun(dir: string, needles: string[]): { ms: number; hits: number; maxRssKiB: number } | undefined {
  const escaped = needles.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = ['^#', '%(4[1-9a-f]|5[0-9a]|6[1-9a-f]|7[0-9a])', ...escaped].join('|');
  return rg(dir, ['-i', '-e', pattern]);
}

/**
 * The reference: ripgrep searching the logs for the indicators' needles as fixed strings, case-insensitive, as a
 * responder greps for what the advisories name (ServerInfo~, autodiscover.json?@, X-Rps-CAT, /owa/auth/, =whoami, …).
 * The same job as the sweep's search, without exaudit's own additions (header lines, escaped letters).
 */
function rgNeedles(dir: string, needles: string[]) {
  return rg(dir, ['-i', '-F', ...needles.flatMap((n) => ['-e', n])]);
}

/**
 * ripgrep with the two fixed strings the sweep used to look for. autodiscover.json is on most lines here, so this
 * is no indicator search (it matches 72% of the lines): it shows how fast ripgrep reads these files at all.
 */
const rgTwoNeedles = (dir: string) => rg(dir, ['-i', '-F', '-e', 'ServerInfo~', '-e', 'autodiscover.json']);

function rg(dir: string, args: string[]): { ms: number; hits: number; maxRssKiB: number } | undefined {
  const t = performance.now();
  const p = spawnSync('rg', ['--count', '--no-filename', ...args, dir], { encoding: 'utf8' });
  const ms = performance.now() - t;
  if (p.error) return undefined;
  const hits = p.stdout
    .split('\n')
    .filter(Boolean)
    .reduce((n, l) => n + Number(l), 0);
  return { ms, hits, maxRssKiB: 0 };
}

export async function runIocBench(args: IocBenchArgs = {}): Promise<IocBenchResult> {
  const gib = args.gib ?? 1;
  const bytes = Math.round(gib * 1024 ** 3);
  const root = join(tmpdir(), `exaudit-bench-ioc-autod-${gib}g`);
  const dir = join(root, 'Logging', 'HttpProxy', 'Autodiscover'); // where Exchange keeps them
  let planted: number;
  const marker = join(root, '.complete');
  if (args.fresh || !existsSync(marker)) {
    rmSync(root, { recursive: true, force: true });
    planted = await generate(dir, bytes);
    createWriteStream(marker).end(String(planted));
    await new Promise((r) => setTimeout(r, 50));
  } else {
    planted = Number((await import('node:fs')).readFileSync(marker, 'utf8'));
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.LOG'));
  const total = files.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  const mb = total / 1e6;
  const runs: IocRun[] = [];
  const add = (name: string, r: { ms: number; hits: number; maxRssKiB: number }) =>
    runs.push({
      name,
      ms: Math.round(r.ms),
      mbPerSecond: Math.round((mb / (r.ms / 1000)) * 10) / 10,
      hits: r.hits,
      peakRssMiB: Math.round(r.maxRssKiB / 1024),
    });
  const jobs = availableParallelism();
  const needles = [
    ...new Set(
      loadIndicators()
        .filter((i) => i.source.includes('httpproxy'))
        .flatMap((i) => i.prefilter ?? []),
    ),
  ];
  // Interleaved rounds, median time per run kind: these machines are noisy.
  const rounds = args.rounds ?? 3;
  const samples: Record<string, Array<{ ms: number; hits: number; maxRssKiB: number }>> = {};
  const take = (name: string, r: { ms: number; hits: number; maxRssKiB: number } | undefined) => {
    if (r) (samples[name] ??= []).push(r);
  };
  for (let i = 0; i < rounds; i++) {
    take(`exaudit, ${jobs} threads`, sweepChild(dir, jobs));
    take('exaudit, 1 thread', sweepChild(dir, 1));
    take('ripgrep, IOC needles', rgNeedles(dir, needles));
    take('ripgrep, same candidates', rgRun(dir, needles));
    take('ripgrep, 2 fixed strings', rgTwoNeedles(dir));
  }
  for (const [name, list] of Object.entries(samples)) {
    const ms = [...list].sort((a, b) => a.ms - b.ms)[Math.floor(list.length / 2)]!.ms;
    add(name, { ms, hits: list[0]!.hits, maxRssKiB: Math.max(...list.map((r) => r.maxRssKiB)) });
  }
  const result = { bytes: total, files: files.length, runs, plantedHits: planted };
  if (args.print !== false) {
    const lines = [
      `ioc bench: ${(total / 1024 ** 3).toFixed(2)} GiB of generated HttpProxy logs (72% Outlook autodiscover.json calls) in ${files.length} files (${dir}), ${planted} planted hits; median of ${rounds} interleaved rounds`,
    ];
    for (const r of runs)
      lines.push(
        `  ${r.name.padEnd(24)} ${String(r.ms).padStart(7)} ms  ${String(r.mbPerSecond).padStart(7)} MB/s  ${String(r.hits).padStart(5)} ${r.name.startsWith('ripgrep') ? 'matching lines' : 'hits'}${r.peakRssMiB ? `  peak RSS ${r.peakRssMiB} MiB` : ''}`,
      );
    const [multi, single, ...refs] = runs;
    const reference = refs.find((r) => r.name === 'ripgrep, IOC needles');
    const fastest = [...refs].sort((a, b) => a.ms - b.ms)[0];
    lines.push(
      `  ratio: ${multi!.name} is ${(single!.ms / multi!.ms).toFixed(2)}× one thread${
        reference && fastest
          ? `; its throughput is ${(reference.ms / multi!.ms).toFixed(2)} of ripgrep's on the IOC needles (the reference; aim: at least 0.33) and ${(fastest.ms / multi!.ms).toFixed(2)} of the fastest ripgrep run's (${fastest.name.replace('ripgrep, ', '')})`
          : ' (ripgrep not installed: no reference)'
      }`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return result;
}
