import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, type Catalog } from '../../src/catalog/catalog.js';
import {
  buildInfoFromFacts,
  canTakeStep,
  cveStates,
  epSupported,
  lookupBuild,
  updateState,
} from '../../src/catalog/lookup.js';
import { InputError } from '../../src/util/errors.js';

let catalog: Catalog;
beforeAll(() => {
  catalog = loadCatalog();
});
const AS_OF = '2026-11-25';
const look = (v: string) => lookupBuild(catalog, v, AS_OF);

describe('lookupBuild inputs', () => {
  it('reads four-part, zero-padded, three-part and named builds alike', () => {
    expect(look('15.2.1544.14')).toMatchObject({
      product: '2019',
      cu: 'CU14',
      update: 'Nov24SUv2',
      precision: 'exact',
      known: true,
    });
    expect(look('15.02.1544.014').build).toBe('15.2.1544.14');
    expect(look('15.2.1544')).toMatchObject({ cu: 'CU14', update: null, precision: 'cu' });
    expect(look('Exchange 2019 CU14 Nov24SUv2').build).toBe('15.2.1544.14');
    expect(look('exchange server 2016 cu23 feb26su').build).toBe('15.1.2507.66');
    expect(look('Exchange 2013 SP1')).toMatchObject({ cu: 'CU4', precision: 'cu' });
    expect(look('Exchange 2019')).toMatchObject({ precision: 'product', build: null });
    expect(look('Exchange SE RTM Aug25SU').build).toBe('15.2.2562.20');
  });

  it('tells the families apart: 15.2 from 2562 on is SE', () => {
    expect(look('15.2.2562.17').product).toBe('SE');
    expect(look('15.2.1748.10').product).toBe('2019');
    expect(look('15.0.1497.2').product).toBe('2013');
    expect(look('15.1.2375.7').product).toBe('2016');
  });

  it('places an unknown four-part build on its CU and judges it as the highest known build below it', () => {
    const i = look('15.2.1544.12');
    expect(i).toMatchObject({ cu: 'CU14', known: false, judgedAs: '15.2.1544.11' });
    expect(i.missingUpdates.map((m) => m.id)).toContain('Nov24SU');
    expect(i.missingUpdates.map((m) => m.id)).not.toContain('Apr24HU');
  });

  it('places a build below its CU base on that CU, not on the previous one', () => {
    expect(look('15.2.858.2').cu).toBe('CU9');
  });

  it('rejects what is not an on-premises Exchange 2013+ version with a clear message', () => {
    for (const bad of [
      'banana',
      '15.2',
      '1.2.3.4',
      'Exchange 2019 CU99',
      'Exchange 2019 CU11 Jun23SU',
      '15.20.5000.1',
      '14.3.513.0',
    ]) {
      expect(() => look(bad)).toThrow(InputError);
    }
    expect(() => look('15.20.5000.1')).toThrow(/Exchange Online/);
    expect(() => look('14.3.513.0')).toThrow(/Exchange 2010/);
    const lineOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as InputError).line();
      }
      return '';
    };
    // A CU paired with an update it never got: one line naming the CUs that did get it.
    expect(lineOf(() => look('Exchange 2019 CU11 Jun23SU'))).toMatch(
      /^Exchange 2019 CU11 never received Jun23SU: Jun23SU was released for Exchange 2016 CU23, 2019 CU12 and CU13 /,
    );
  });
});

describe('updates and CVEs by build', () => {
  it('an unpatched 2013 CU23 in March 2021 lacks Mar21SU and has ProxyLogon open', () => {
    const i = look('15.0.1497.2');
    expect(i.missingUpdates.map((m) => m.id)).toContain('Mar21SU');
    expect(i.cves).toEqual(
      expect.arrayContaining(['CVE-2021-26855', 'CVE-2021-26857', 'CVE-2021-26858', 'CVE-2021-27065']),
    );
  });

  it('2016 CU19 with only the March 2021 SU still has ProxyShell open', () => {
    const i = look('15.1.2176.9');
    expect(i.cves).not.toContain('CVE-2021-26855');
    expect(i.cves).toEqual(expect.arrayContaining(['CVE-2021-34473', 'CVE-2021-34523', 'CVE-2021-31207']));
  });

  it('a CU that never received an update is missing it, with no build for that CU', () => {
    const jun23 = look('15.2.986.42').missingUpdates.find((m) => m.id === 'Jun23SU');
    expect(jun23).toMatchObject({ build: null, kb: null });
  });

  it('later CUs contain earlier SUs', () => {
    expect(updateState(catalog, look('15.2.858.5'), 'Mar21SU')).toBe('applied');
    expect(updateState(catalog, look('15.1.2242.4'), 'Mar21SU')).toBe('applied');
    expect(updateState(catalog, look('15.2.2562.17'), 'Nov24SUv2')).toBe('not-applicable');
  });

  it('at CU precision an SU-fixed CVE is indeterminate, never fixed and never open', () => {
    const cu = look('15.2.1544');
    const exact = look('15.2.1544.4');
    expect(exact.cves).toContain('CVE-2025-53786');
    expect(cu.cves).not.toContain('CVE-2025-53786');
    expect(cu.indeterminateCves.map((c) => c.id)).toContain('CVE-2025-53786');
    expect(updateState(catalog, cu, 'Apr25HU')).toBe('unknown');
    // ...but a CU that never got an update is missing it even at CU precision.
    expect(updateState(catalog, look('15.2.986'), 'Jun23SU')).toBe('missing');
  });

  it('the newest builds have no CVE open by build', () => {
    for (const b of ['15.1.2507.75', '15.2.1544.48', '15.2.1748.53', '15.2.2562.53']) expect(look(b).cves).toEqual([]);
  });

  it('Extended Protection: open by build where the build cannot take it, conditional where it can', () => {
    expect(look('15.2.986.5').cves).toContain('CVE-2022-24516');
    expect(epSupported(catalog, look('15.2.986.5'))).toBe(false);
    expect(epSupported(catalog, look('15.2.986.29'))).toBe(true);
    expect(epSupported(catalog, look('15.2.1118'))).toBeUndefined(); // CU12 base .7 < .11: depends on the SU
    expect(epSupported(catalog, look('15.2.2562.17'))).toBe(true);
    const patched = look('15.2.1748.49');
    expect(patched.cves).not.toContain('CVE-2022-24516');
    expect(patched.conditionalCves.map((c) => c.id)).toContain('CVE-2022-24516');
  });

  it('override-gated CVEs are conditional once their update is in', () => {
    const i = look('15.1.2507.61');
    expect(i.cves).not.toContain('CVE-2025-53782');
    expect(i.conditionalCves.find((c) => c.id === 'CVE-2025-53782')?.kind).toBe('override-reopens');
  });

  it('Exchange 2013 serialization signing is open by default configuration after Jan23SU', () => {
    const s = cveStates(catalog, look('15.0.1497.48')).find((x) => x.id === 'CVE-2023-36039')!;
    expect(s).toMatchObject({ state: 'open', openByDefaultConfig: true });
  });

  it("canTakeStep uses the threshold of the build's own CU", () => {
    const t = ['15.1.2375.30', '15.1.2507.11'];
    expect(canTakeStep(look('15.1.2375.31'), t)).toBe(true);
    expect(canTakeStep(look('15.1.2375.28'), t)).toBe(false);
    expect(canTakeStep(look('15.1.2308.27'), t)).toBe(false);
  });
});

describe('lifecycle', () => {
  it('supported only on a supported CU within support; ESU shows when it covers the date', () => {
    expect(lookupBuild(catalog, '15.2.1748.10', '2025-06-01').supported).toBe(true);
    expect(lookupBuild(catalog, '15.2.1258.12', '2025-06-01').supported).toBe(false);
    expect(lookupBuild(catalog, '15.2.1748.10', '2026-01-10')).toMatchObject({
      supported: false,
      esu: { name: 'ESU period 1' },
    });
    expect(look('15.2.2562.17')).toMatchObject({ supported: true, endOfSupport: null });
    expect(look('15.0.1497.48').supported).toBe(false);
  });
});

describe('buildInfoFromFacts', () => {
  const facts = (exchange: object) =>
    ({ target: { name: 'ex01' }, exchange: { source: 'test', ...exchange } }) as never;
  it('honours the stated precision', () => {
    expect(buildInfoFromFacts(catalog, facts({ build: '15.2.1544.14', precision: 'exact' }), AS_OF)?.precision).toBe(
      'exact',
    );
    expect(buildInfoFromFacts(catalog, facts({ build: '15.2.1544.14', precision: 'cu' }), AS_OF)).toMatchObject({
      precision: 'cu',
      build: '15.2.1544',
    });
    expect(buildInfoFromFacts(catalog, facts({ product: '2019', precision: 'product' }), AS_OF)?.precision).toBe(
      'product',
    );
  });
  it('gives nothing for Exchange Online, non-Exchange or missing builds', () => {
    expect(
      buildInfoFromFacts(catalog, facts({ build: '15.20.1.1', precision: 'exact', online: true }), AS_OF),
    ).toBeUndefined();
    expect(buildInfoFromFacts(catalog, facts({ precision: 'none', notExchange: 'nginx' }), AS_OF)).toBeUndefined();
    expect(buildInfoFromFacts(catalog, facts({ precision: 'none' }), AS_OF)).toBeUndefined();
  });
});
