/**
 * The one pipeline every assessing command runs (audit, scan, ioc, demo): collect → judge → waivers → summary →
 * exit code. The command's `collect` drives its collectors and hands each target over as it arrives; each is
 * judged at once, waived, counted and passed to the sink, so a streaming sink (JSON or NDJSON to a file) holds no
 * document and a fleet of any size runs in flat memory. Targets reach an ordered sink in input order.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { Directive } from '../catalog/schema.js';
import { DirectiveJudge } from './directives.js';
import type { Check, CollectedTarget, IocSection, ResultDocument, TargetResult } from '../contract.js';
import { assessTarget, resultHeader, SummaryCounter } from './run.js';
import { WaiverSet, type Waiver, type WaiverRecord } from './waivers.js';
import { exitCode, hitsFail, notAssessed, targetFails, type FailOn } from './policy.js';
import type { ExitCode } from '../util/errors.js';

export type ResultHeader = ReturnType<typeof resultHeader>;

/** What follows the targets: when the run ended, the sweep, the waivers' states and the summary. */
export type ResultTail = Pick<ResultDocument, 'finishedAt' | 'ioc' | 'waivers' | 'directives' | 'summary'>;

/** Where judged targets go: kept for a document (renderers), or written out as they come (streams). */
export interface ResultSink {
  /** true: targets arrive in input order; false: as each is judged (NDJSON). */
  readonly ordered: boolean;
  begin(header: ResultHeader): void | Promise<void>;
  target(t: TargetResult): void | Promise<void>;
  end(tail: ResultTail): void | Promise<void>;
}

export interface PipelineOptions {
  command: string;
  catalog: Catalog;
  checks: Check[];
  /** The run's reference date for lifecycle, due dates and waiver expiry. */
  asOf: string;
  startedAt: string;
  argv?: string[];
  /** Options that change what was observed, recorded in the document. */
  options?: Record<string, unknown>;
  /** Waivers from --waivers; none when absent. */
  waivers?: Waiver[];
  failOn: FailOn;
  /** Directives to judge (--directive): each action per server, stored in the document. */
  directives?: Directive[];
}

/** How a command hands targets over: as collected (judged here) or already judged (the IOC sweep's servers). */
export interface Emit {
  /** `index` is the target's place in the input; without one, targets keep the order they are emitted in. */
  collected(c: CollectedTarget, index?: number): Promise<void>;
  judged(t: TargetResult, index?: number): Promise<void>;
}

/** What `collect` may add besides targets: the indicator sweep. */
export interface CollectOutcome {
  ioc?: IocSection;
}

export interface PipelineResult {
  tail: ResultTail;
  exitCode: ExitCode;
  waivers: WaiverRecord[];
}

export async function runPipeline(
  opts: PipelineOptions,
  sink: ResultSink,
  collect: (emit: Emit) => Promise<CollectOutcome | void>,
): Promise<PipelineResult> {
  const waivers = opts.waivers ? new WaiverSet(opts.waivers, opts.asOf) : undefined;
  const counter = new SummaryCounter();
  const judges = (opts.directives ?? []).map((d) => new DirectiveJudge(d, opts.catalog, opts.asOf));
  let failed = false;
  let unassessed = false;
  // Ordered sinks: a judged target waits here until every target before it has passed.
  const waiting = new Map<number, TargetResult>();
  let nextOut = 0;
  let nextIn = 0;
  let chain: Promise<void> = Promise.resolve();

  const pass = async (t: TargetResult) => {
    counter.add(t);
    for (const j of judges) j.add(t);
    failed ||= targetFails(t, opts.failOn);
    unassessed ||= notAssessed(t);
    await sink.target(t);
  };
  const flush = async () => {
    for (let t = waiting.get(nextOut); t; t = waiting.get(nextOut)) {
      waiting.delete(nextOut++);
      await pass(t);
    }
  };
  // Sinks see one target at a time, in order, even when collectors finish concurrently.
  const accept = (judged: TargetResult, index: number | undefined): Promise<void> => {
    const t = waivers ? waivers.apply(judged) : judged;
    const i = index ?? nextIn;
    nextIn = Math.max(nextIn, i + 1);
    chain = chain.then(() => {
      if (!sink.ordered) return pass(t);
      waiting.set(i, t);
      return flush();
    });
    return chain;
  };
  const emit: Emit = {
    collected: (c, index) =>
      accept(assessTarget(c, { catalog: opts.catalog, checks: opts.checks, asOf: opts.asOf }), index),
    judged: (t, index) => accept(t, index),
  };

  await sink.begin(resultHeader(opts));
  const outcome = (await collect(emit)) ?? {};
  await chain;
  // Targets whose predecessors never came (a collector that emitted no result for an index) still count.
  for (const i of [...waiting.keys()].sort((a, b) => a - b)) {
    const t = waiting.get(i)!;
    waiting.delete(i);
    await pass(t);
  }
  if (outcome.ioc) failed ||= hitsFail(outcome.ioc.hits, opts.failOn);
  const states = waivers?.states();
  const tail: ResultTail = {
    finishedAt: new Date().toISOString(),
    ...(outcome.ioc ? { ioc: outcome.ioc } : {}),
    ...(states ? { waivers: states } : {}),
    ...(judges.length ? { directives: judges.map((j) => j.finish(outcome.ioc)) } : {}),
    summary: counter.summary,
  };
  await sink.end(tail);
  return { tail, exitCode: exitCode(failed, unassessed), waivers: states ?? [] };
}

/** A sink that keeps the whole document, for renderers that need it (console, SARIF, HTML, …). */
export class DocumentSink implements ResultSink {
  readonly ordered = true;
  private header: ResultHeader | undefined;
  private readonly targets: TargetResult[] = [];
  doc: ResultDocument | undefined;

  begin(header: ResultHeader): void {
    this.header = header;
  }
  target(t: TargetResult): void {
    this.targets.push(t);
  }
  end(tail: ResultTail): void {
    const { finishedAt, summary, ...rest } = tail;
    this.doc = { ...this.header!, finishedAt, targets: this.targets, ...rest, summary };
  }
}
