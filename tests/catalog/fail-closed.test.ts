/**
 * Fail-closed data (issue 18.2): catalog unions are discriminated by kind with required, non-empty lists, so a
 * mitigation or condition with nothing to check is a catalog error; and every check treats unknown data as
 * indeterminate, never as "pass" or "in place".
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { Advisory, CveCondition, Indicator, Mitigation } from '../../src/catalog/schema.js';
import { tryLoadCatalog } from '../../src/catalog/catalog.js';
import { lookupBuild } from '../../src/catalog/lookup.js';
import { DEFAULT_RULES_DIR } from '../../src/util/tool.js';
import { loadChecks } from '../../src/engine/loader.js';
import { mitigationState } from '../../checks/_advisory.js';
import type { Check } from '../../src/contract.js';
import { AS_OF, cat, facts, run } from '../checks/_facts.js';

const base = {
  id: 'm1',
  title: 'a mitigation',
  covers: ['CVE-2021-26855'],
  sources: ['css-exchange'],
};
const LISTS: Record<string, [string, unknown]> = {
  'rewrite-rules': ['rules', [{ name: 'r', pattern: 'p', actions: ['AbortRequest'] }]],
  'services-disabled': ['services', ['MSExchangeUM']],
  'app-pools-stopped': ['appPools', ['MSExchangeECPAppPool']],
  'eems-applied': ['eemsIds', ['M1']],
};

describe('mitigations need their lists', () => {
  it.each(Object.entries(LISTS))('%s without %s, or with an empty one, is a schema error', (kind, [key, list]) => {
    expect(Mitigation.safeParse({ ...base, kind, [key]: list }).success).toBe(true);
    for (const bad of [
      { ...base, kind },
      { ...base, kind, [key]: [] },
    ]) {
      const r = Mitigation.safeParse(bad);
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(key);
    }
  });

  it('refuses an unknown kind and a misspelt list name', () => {
    expect(Mitigation.safeParse({ ...base, kind: 'prayer', services: ['x'] }).success).toBe(false);
    const typo = Mitigation.safeParse({ ...base, kind: 'services-disabled', service: ['MSExchangeUM'] });
    expect(typo.success).toBe(false);
  });

  it('a catalog whose advisory has a mitigation without its list is invalid, naming the file and path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'exaudit-failclosed-'));
    try {
      cpSync(DEFAULT_RULES_DIR, dir, { recursive: true });
      const file = join(dir, 'advisories', 'proxylogon.yaml');
      const adv = parseYaml(readFileSync(file, 'utf8')) as { mitigations: Record<string, unknown>[] };
      const i = adv.mitigations.findIndex((m) => m['kind'] === 'app-pools-stopped');
      delete adv.mitigations[i]!['appPools'];
      writeFileSync(file, stringify(adv));
      const { catalog, problems } = tryLoadCatalog(dir);
      expect(catalog).toBeUndefined();
      expect(problems).toContainEqual(
        expect.objectContaining({ file: 'advisories/proxylogon.yaml', path: `mitigations.${i}.appPools` }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a whole advisory is checked the same way', () => {
    const adv = {
      id: 'a',
      title: 't',
      cves: ['CVE-2021-26855'],
      published: '2021-03-02',
      summary: 's',
      sources: ['css-exchange'],
      mitigations: [{ ...base, kind: 'services-disabled' }],
    };
    expect(Advisory.safeParse(adv).success).toBe(false);
  });
});

describe('CVE conditions need what they are judged by', () => {
  const cond = { description: 'd' };
  it.each([
    ['override-reopens', 'overrides', ['Component\\Section\\Parameter']],
    ['extended-protection', 'requiresBuild', ['15.2.1118.26']],
    ['download-domains', 'requiresBuild', ['15.2.1118.26']],
  ])('%s without %s, or with an empty one, is a schema error', (kind, key, list) => {
    expect(CveCondition.safeParse({ ...cond, kind, [key]: list }).success).toBe(true);
    expect(CveCondition.safeParse({ ...cond, kind }).success).toBe(false);
    expect(CveCondition.safeParse({ ...cond, kind, [key]: [] }).success).toBe(false);
  });
  it('refuses an unknown kind', () => {
    expect(CveCondition.safeParse({ ...cond, kind: 'moon-phase' }).success).toBe(false);
  });
});

describe('indicators must match on something', () => {
  const ind = {
    id: 'x',
    advisory: 'a',
    severity: 'high',
    source: 'httpproxy',
    explanation: 'e',
    sources: ['css-exchange'],
  };
  it('refuses an indicator with no criterion, wildcards without a field, a broken regex and unknown keys', () => {
    expect(Indicator.safeParse({ ...ind, regex: 'abc' }).success).toBe(true);
    expect(Indicator.safeParse(ind).success).toBe(false);
    expect(Indicator.safeParse({ ...ind, like: ['*x*'] }).success).toBe(false);
    expect(Indicator.safeParse({ ...ind, regex: '(unclosed' }).success).toBe(false);
    expect(Indicator.safeParse({ ...ind, regex: 'abc', regexx: 'typo' }).success).toBe(false);
  });
});

describe('unknown data is never "in place"', () => {
  const info = () => lookupBuild(cat(), '15.2.986.5', AS_OF);
  const pools = Mitigation.parse({ ...base, kind: 'app-pools-stopped', appPools: ['MSExchangeECPAppPool', 'Other'] });
  const services = Mitigation.parse({ ...base, kind: 'services-disabled', services: ['MSExchangeUM'] });

  it('an application pool or service the facts do not list is unknown', () => {
    const f = facts('15.2.986.5', {
      iis: { source: 'iis', appPools: [{ name: 'MSExchangeECPAppPool', state: 'Stopped', autoStart: false }] },
      services: [{ name: 'MSExchangeFrontEndTransport', status: 'Running' }],
    } as never);
    expect(mitigationState(pools, f, info()).state).toBe('unknown');
    expect(mitigationState(services, f, info()).state).toBe('unknown');
  });

  it('a group that was not collected is unknown', () => {
    const f = facts('15.2.986.5');
    expect(mitigationState(pools, f, info()).state).toBe('unknown');
    expect(mitigationState(services, f, info()).state).toBe('unknown');
  });

  it('a mitigation that reaches the check with an empty list (bypassing the schema) is unknown', () => {
    const f = facts('15.2.986.5', { services: [] } as never);
    const empty = { ...services, services: [] } as Mitigation;
    expect(mitigationState(empty, f, info()).state).toBe('unknown');
  });
});

describe('every check treats unknown data as indeterminate', () => {
  let checks: Check[];
  beforeAll(async () => {
    checks = await loadChecks();
  });
  // What the build alone decides; any other "pass" would rest on facts that were never collected.
  const BUILD_DECIDED = new Set(['build-identified', 'patched', 'updates-current', 'supported']);

  it.each([
    ['the newest 2019 build', '15.2.1748.49', 'exact'],
    ['an old 2019 build', '15.2.986.5', 'exact'],
    ['a CU-only 2019 build', '15.2.1748', 'cu'],
    ['a 2016 build', '15.1.2507.72', 'exact'],
    ['a 2013 build', '15.0.1497.48', 'exact'],
    ['an SE build', '15.2.2562.49', 'exact'],
  ] as const)('with only %s known, no check passes on data it did not see', (_what, build, precision) => {
    for (const check of checks) {
      for (const r of run(check, facts(build, {}, precision))) {
        if (r.status === 'pass')
          expect(BUILD_DECIDED.has(r.code), `${check.meta.id} passed (${r.code}) without its facts`).toBe(true);
      }
    }
  });

  it('with no build at all every check is indeterminate or not applicable', () => {
    for (const check of checks)
      for (const r of run(check, facts(undefined, {}, 'none')))
        expect(['indeterminate', 'not_applicable'], `${check.meta.id}: ${r.code}`).toContain(r.status);
  });
});
