/**
 * The one pipeline (collect → judge → waivers → summary → exit code): the same document as judging everything at
 * once, targets in input order whatever order collectors finish in, waivers and exit codes from the same rules as
 * a whole document, and streamed JSON and NDJSON outputs that parse to the document the renderers see.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assess } from '../../src/engine/run.js';
import { DocumentSink, runPipeline, type PipelineOptions } from '../../src/engine/pipeline.js';
import { exitCodeFor } from '../../src/engine/policy.js';
import { loadChecks } from '../../src/engine/loader.js';
import { openOutput } from '../../src/output/write.js';
import { ResultDocument, TargetResult, type CollectedTarget } from '../../src/contract.js';
import { RENDERERS } from '../../reports/index.js';
import { cat, facts, AS_OF } from '../checks/_facts.js';
import { expectValidResult } from './_result-schema.js';

const dir = mkdtempSync(join(tmpdir(), 'exaudit-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fleet = (): CollectedTarget[] => [
  { target: 'ex13.contoso.test', facts: facts('15.0.1497.2', { target: { name: 'ex13.contoso.test' } }) },
  { target: 'down.contoso.test', failure: { status: 'unreachable', error: 'connection refused' } },
  { target: 'ex19.contoso.test', facts: facts('15.2.1544.14', { target: { name: 'ex19.contoso.test' } }) },
  { target: 'ex16.contoso.test', facts: facts('15.1.2507.6', { target: { name: 'ex16.contoso.test' } }, 'cu') },
];

async function options(extra: Partial<PipelineOptions> = {}): Promise<PipelineOptions> {
  return {
    command: 'audit',
    catalog: cat(),
    checks: await loadChecks(),
    asOf: AS_OF,
    startedAt: '2026-11-25T10:00:00.000Z',
    failOn: 'high',
    ...extra,
  };
}

/** Emits the fleet in reverse order with each target's input index, as concurrent collectors finish. */
const reversed =
  (list: CollectedTarget[]) => async (emit: { collected(c: CollectedTarget, i?: number): Promise<void> }) => {
    for (let i = list.length - 1; i >= 0; i--) await emit.collected(list[i]!, i);
  };

const withoutTimes = (d: ResultDocument) => ({ ...d, startedAt: '', finishedAt: '' });

describe('runPipeline', () => {
  it('gives the document that judging every target at once gives, in input order, with its exit code', async () => {
    const sink = new DocumentSink();
    const r = await runPipeline(await options(), sink, reversed(fleet()));
    const doc = sink.doc!;
    expectValidResult(doc);
    const once = assess(fleet(), { ...(await options()), finishedAt: doc.finishedAt });
    expect(doc.targets.map((t) => t.target)).toEqual(fleet().map((c) => c.target));
    expect(withoutTimes(doc)).toEqual(withoutTimes(once));
    expect(r.exitCode).toBe(exitCodeFor(doc, 'high'));
    expect(r.exitCode).toBe(1);
    // Nothing reaches --fail-on none, but a server was not reached: 3.
    expect((await runPipeline(await options({ failOn: 'none' }), new DocumentSink(), reversed(fleet()))).exitCode).toBe(
      3,
    );
  });

  it('applies waivers target by target and reports their states; a high indicator hit fails the run', async () => {
    const sink = new DocumentSink();
    const waivers = [
      { check: 'lifecycle', target: '*', reason: 'replacement planned', owner: 'mail-team' },
      { check: 'amsi', target: 'nowhere.test', reason: 'not ours', owner: 'mail-team' },
      { fingerprint: 'abcdef0123456789', reason: 'old', owner: 'x', expires: '2020-01-01' },
    ];
    const r = await runPipeline(await options({ waivers, failOn: 'none' }), sink, async (emit) => {
      for (const c of fleet()) await emit.collected(c);
      const hit = {
        indicator: 'x',
        advisory: 'HAFNIUM',
        severity: 'critical' as const,
        file: 'f',
        line: 1,
        excerpt: '',
      };
      return { ioc: { summary: { files: 1, bytes: 1, lines: 1, malformedLines: 0, hits: 1 }, hits: [hit] } };
    });
    const doc = sink.doc!;
    expect(doc.waivers!.map((w) => w.state)).toEqual(['applied', 'unused', 'expired']);
    expect(doc.summary.waived).toBe(doc.targets.flatMap((t) => t.findings).filter((f) => f.waived).length);
    expect(doc.summary.waived).toBeGreaterThan(0);
    expect(r.exitCode).toBe(3); // --fail-on none: the hit does not count, the unreachable server does
    const strict = await runPipeline(await options({ waivers }), new DocumentSink(), async () => ({
      ioc: {
        summary: { files: 1, bytes: 1, lines: 1, malformedLines: 0, hits: 1 },
        hits: [{ indicator: 'x', advisory: 'HAFNIUM', severity: 'high', file: 'f', line: 1, excerpt: '' }],
      },
    }));
    expect(strict.exitCode).toBe(1);
  });
});

describe('streamed outputs', () => {
  it('JSON written target by target parses to the kept document, and equals the json renderer once parsed', async () => {
    const file = join(dir, 'out', 'result.json');
    const out = openOutput({ format: ['json'], output: file, asOf: AS_OF, quiet: true });
    await runPipeline(await options(), out.sink, reversed(fleet()));
    const kept = new DocumentSink();
    await runPipeline(await options(), kept, reversed(fleet()));
    const streamed = ResultDocument.parse(JSON.parse(readFileSync(file, 'utf8')));
    expect(withoutTimes(streamed)).toEqual(withoutTimes(kept.doc!));
    const rendered = JSON.parse(RENDERERS['json']!.render(kept.doc!, {})) as ResultDocument;
    expect(withoutTimes(JSON.parse(readFileSync(file, 'utf8')) as ResultDocument)).toEqual(withoutTimes(rendered));
    // Byte for byte: the json renderer writes the streamed document as the stream wrote it.
    const text = readFileSync(file, 'utf8');
    expect(RENDERERS['json']!.render(JSON.parse(text) as ResultDocument, {})).toBe(text);
    // No targets at all is still a valid document.
    const empty = join(dir, 'empty.json');
    await runPipeline(
      await options(),
      openOutput({ format: ['json'], output: empty, asOf: AS_OF }).sink,
      async () => {},
    );
    expect(ResultDocument.parse(JSON.parse(readFileSync(empty, 'utf8'))).targets).toEqual([]);
  });

  it('NDJSON writes each target as it is judged, then the rest of the document, like the ndjson renderer', async () => {
    const file = join(dir, 'result.ndjson');
    const out = openOutput({ format: ['ndjson'], output: file, asOf: AS_OF });
    await runPipeline(await options(), out.sink, reversed(fleet()));
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.slice(0, -1).map((l) => TargetResult.parse(l).target)).toEqual(
      fleet()
        .map((c) => c.target)
        .reverse(),
    );
    const kept = new DocumentSink();
    await runPipeline(await options(), kept, reversed(fleet()));
    const rendered = RENDERERS['ndjson']!.render(kept.doc!, {}).trimEnd().split('\n');
    expect(rendered).toHaveLength(lines.length);
    const last = lines.at(-1)!;
    expect(last['$schema']).toBeUndefined();
    expect(last['summary']).toEqual(kept.doc!.summary);
    expect(Object.keys(last)).toEqual(Object.keys(JSON.parse(rendered.at(-1)!)));
  });

  it('refuses ndjson beside another format and several formats without a folder, before anything runs', () => {
    expect(() => openOutput({ format: ['ndjson', 'json'], asOf: AS_OF })).toThrow(/cannot be combined/);
    expect(() => openOutput({ format: ['json', 'sarif'], asOf: AS_OF })).toThrow(/several formats need --output DIR/);
  });
});
