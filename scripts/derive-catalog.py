#!/usr/bin/env python3
"""Derives rules/builds.json, rules/updates.json and rules/cves.json from researched sources.

This is a maintainer tool, not part of the runtime (exaudit never fetches anything). Inputs:
  --reference DIR  the steering repo's shared/reference (css-exchange.md, security-updates.json, directives.md)
  --gebn FILE      ExchangeBuildNumbers.csv from microsoft/Get-ExchangeBuildNumber (Microsoft's build table)
  --learn FILE     ms-exchange-unique-versions-dict.json from righel/ms-exchange-version-nse
                   (a scrape of learn.microsoft.com's build-number page: KB and date per build)
  --cve-records F  CVE records extracted from CVEProject/cvelistV5 (title, CVSS v3 base score and vector, the
                   record's datePublished, CISA-ADP SSVC exploitation); the extract used is kept in
                   rules/sources/cve-records.json
  --out DIR        the rules/ directory

Policy, as the README's catalog notes state it:
  * a build exists if Microsoft's CSV, the learn.microsoft.com table or HealthChecker lists it; its sources say which;
  * where sources disagree on a fixed build, the higher build is the fix (no false "patched") and both are noted;
  * a CVE is fixed by the union of updates HealthChecker and the SU research name for it; when they name different
    updates for the same product the later one wins (cvelistV5 thresholds are Microsoft's own records);
  * nothing is invented: unknown dates stay null or month-only, unverified facts carry verified: false.
"""
import argparse, csv, json, re, sys
from collections import defaultdict
from pathlib import Path

P = argparse.ArgumentParser()
P.add_argument('--reference', required=True)
P.add_argument('--gebn', required=True)
P.add_argument('--learn', required=True)
P.add_argument('--cve-records', required=True)
P.add_argument('--circl', help='ms-exchange-versions-cves-dict.json at righel c5a7ccf~ 58e425c (CIRCL CVE summaries): titles only, as a fallback')
P.add_argument('--out', required=True)
A = P.parse_args()
REF = Path(A.reference)
OUT = Path(A.out)

PRODUCTS = ['2013', '2016', '2019', 'SE']
MM = {'15.0': '2013', '15.1': '2016'}


def canon(b):
    parts = [int(x) for x in b.strip().split('.')]
    return '.'.join(map(str, parts))


def key(b):
    return tuple(int(x) for x in b.split('.'))


def product_of(b):
    p = key(b)
    if p[:2] == (15, 0): return '2013'
    if p[:2] == (15, 1): return '2016'
    if p[:2] == (15, 2): return 'SE' if p[2] >= 2562 else '2019'
    return None


def us_date(s):
    m = re.match(r'^(\d{1,2})/(\d{1,2})/(\d{4})$', s.strip())
    return f'{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}' if m else None


MONTH_ABBR = {m: i + 1 for i, m in enumerate(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'])}
MONTHS = {m: i + 1 for i, m in enumerate(['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'])}


def learn_date(s):
    s = s.strip().lower().replace(',', '')
    m = re.match(r'^([a-z]+) (\d{1,2}) (\d{4})$', s)
    if m and m.group(1) in MONTHS: return f'{m.group(3)}-{MONTHS[m.group(1)]:02d}-{int(m.group(2)):02d}', 'day'
    m = re.match(r'^([a-z]+) (\d{4})$', s)
    if m and m.group(1) in MONTHS: return f'{m.group(2)}-{MONTHS[m.group(1)]:02d}', 'month'
    return None, None


# ---------------------------------------------------------------- HealthChecker tables (css-exchange.md §a2, §a4)
css = (REF / 'css-exchange.md').read_text()
hc_builds = {}  # build -> (product, cu, update or None)
hc_base_sus = []  # (update, build, product, cu): SUs whose build equals the CU base build (Feb19SU)
hc_cu_dates = {}
section = css[css.index('### a2.'):css.index('### a3.')]
prod = None
for line in section.splitlines():
    m = re.match(r'#### Exchange (2013|2016|2019|SE)', line)
    if m: prod = m.group(1); continue
    m = re.match(r'^\| (RTM|CU\d+) \| (15\.\d\.\d+\.\d+) \| (\d\d/\d\d/\d{4}) \| (yes|no) \| (.*) \|$', line)
    if not m: continue
    cu, cub, d, _sup, sus = m.groups()
    hc_builds.setdefault(cub, (prod, cu, None))
    hc_cu_dates[(prod, cu)] = us_date(d)
    if sus.strip() != '-':
        for item in sus.split(','):
            name, b = item.strip().split(' ')
            if b in hc_builds and hc_builds[b][2] is None and b == cub:
                hc_builds[b] = (prod, cu, None)  # an SU equal to its CU base build (Feb19SU) stays the CU
                hc_base_sus.append((name, b, prod, cu))
                continue
            hc_builds[b] = (prod, cu, name)

hc_dict = {}  # su -> list of (cve, products)
sect = css[css.index('**SU-name → CVE dictionary**'):css.index('No CVE key exists')]
PRODMAP = {'13': '2013', '16': '2016', '19': '2019', 'SE': 'SE'}
for line in sect.splitlines():
    m = re.match(r'^\| (\w+) \| (.+) \|$', line)
    if not m or m.group(1) in ('SU', '---'): continue
    su, body = m.groups()
    body = re.sub(r'\(\*\*.*?\*\*.*?\)', '', body)
    for grp in body.split(';'):
        gm = re.match(r'\s*(.+?)\s*\(([\w,]+)\)\s*$', grp)
        if not gm: continue
        ids = re.findall(r'(?:CVE-\d{4}-\d+|ADV\d+)', gm.group(1))
        prods = [PRODMAP[p] for p in gm.group(2).split(',')]
        for i in ids: hc_dict.setdefault(su, []).append((i, prods))

hc_overrides = {  # css-exchange.md §a4 override table
    'CVE-2024-49040': ('Nov24SUv2', ['Transport\\NonCompliantSenderSettings\\AddP2FromRegexMatchHeader']),
    'CVE-2025-25005': ('Aug25SU', ['OAuth\\AppIdBasedAudienceValidation\\Enabled']),
    'CVE-2025-25006': ('Aug25SU', ['Transport\\NonCompliantSenderSettings\\BlockNullBytesInFromHeader']),
    'CVE-2025-25007': ('Aug25SU', ['Transport\\NonCompliantSenderSettings\\BlockCharactersAfterUnquotedSemicolon']),
    'CVE-2025-33051': ('Aug25SU', ['Cafe\\RemoveBackendCookieFromAutoDiscoverV2Response\\Enabled']),
    'CVE-2025-53782': ('Oct25SU', ['Global\\CatTokenAuthorizationCheck\\Enabled']),
    'CVE-2025-59248': ('Oct25SU', ['Transport\\NonCompliantSenderSettings\\BlockEmailWithMultipleP2FromHeaders',
                                   'Transport\\ParseGroupEmailAddressesInPartnerUtils\\Enabled',
                                   'ContentConversion\\InboundMimeHeaderParserCheckGroupAddresses\\Enabled']),
}

# ---------------------------------------------------------------- Microsoft's CSV and the learn table
gebn = {}
with open(A.gebn, newline='') as f:
    for row in csv.DictReader(f):
        b = canon(row['Build Number'])
        if product_of(b) is None or 'Preview' in row['Product Name']: continue
        gebn[b] = {'name': row['Product Name'].strip(), 'date': us_date(row['Date']), 'kb': (row['KB'] or '').strip() or None,
                   'blog': (row['Blog'] or '').strip() or None}
learn_raw = json.loads(Path(A.learn).read_text())
learn = {}
for b, v in learn_raw.items():
    if len(b.split('.')) != 4: continue
    b = canon(b)
    if product_of(b) is None: continue
    kb = None
    m = re.search(r'KB\s*(\d{6,7})', v['name'])
    if m: kb = 'KB' + m.group(1)
    else:
        for u in v.get('urls') or []:
            um = re.search(r'(?:kb/|help/)(\d{6,7})', u)
            if um: kb = 'KB' + um.group(1); break
    d, prec = learn_date(v.get('release_date') or '')
    learn[b] = {'name': v['name'], 'date': d, 'datePrecision': prec, 'kb': kb}

# ---------------------------------------------------------------- SU research (security-updates.json)
sus = json.loads((REF / 'security-updates.json').read_text())
su_by_key = {s['su_key']: s for s in sus if s['su_key'] != 'Mar21RU32'}

# ---------------------------------------------------------------- assemble builds
def cu_from_name(name):
    m = re.search(r'\b(CU\d+)\b', name)
    if m: return m.group(1)
    if re.search(r'\bSP1\b', name): return 'CU4'  # Exchange 2013 SP1 is CU4
    if 'RTM' in name: return 'RTM'
    return None


def upd_from_name(name):
    m = re.search(r'\b([A-Z][a-z]{2}\d{2}(?:SU|HU)(?:v\d)?)\b', name)
    return m.group(1) if m else None


builds = {}
def put(b, **kw):
    e = builds.setdefault(b, {'build': b, 'product': product_of(b), 'cu': None, 'update': None, 'kb': None,
                              'releaseDate': None, 'sources': [], 'notes': []})
    for k, v in kw.items():
        if k == 'source':
            if v not in e['sources']: e['sources'].append(v)
        elif k == 'note':
            e['notes'].append(v)
        elif v is not None and e.get(k) is None:
            e[k] = v
    return e


for b, (prod, cu, upd) in hc_builds.items():
    put(b, cu=cu, update=upd, source='hc')
for b, g in gebn.items():
    put(b, cu=cu_from_name(g['name']), update=upd_from_name(g['name']), kb=g['kb'], releaseDate=g['date'], source='gebn')
for s in su_by_key.values():
    for label, b in s['fixed_builds'].items():
        m = re.match(r'Exchange (2013|2016|2019|SE) (?:SP1 \(CU4\)|(RTM|CU\d+))', label)
        cu = 'CU4' if 'SP1' in label else m.group(2)
        put(b, cu=cu, update=s['su_key'], kb=s.get('kb_by_build', {}).get(b), releaseDate=s['release_date'], source='su-research')

# CU bases from the CSV have cu names; the learn table adds KBs and dates, and builds the others lack (2018-2020 SUs).
cu_bases = defaultdict(dict)  # product -> cu -> base build
for b, e in builds.items():
    if e['update'] is None and e['cu']: cu_bases[e['product']][e['cu']] = b
for b, l in learn.items():
    if b in builds:
        e = builds[b]
        if e['kb'] is None and l['kb']: e['kb'] = l['kb']
        if e['releaseDate'] is None and l['date'] and l['datePrecision'] == 'day': e['releaseDate'] = l['date']
        if e['releaseDate'] is None and l['date'] and l['datePrecision'] == 'month':
            e['releaseMonth'] = l['date']
        if 'learn' not in e['sources']: e['sources'].append('learn')

# Learn-only builds (2018 on) whose KB is the KB of a known update released that month join that update.
kb_month_update = {}
for b, e in builds.items():
    l = learn.get(b)
    if e['update'] and e['kb'] and l and l['date']:
        kb_month_update[(e['kb'], l['date'][:7])] = e['update']
learn_only = []
for b in sorted((b for b in learn if b not in builds), key=key):
    l = learn[b]
    uid = kb_month_update.get((l['kb'], (l['date'] or '')[:7])) if l['kb'] else None
    if uid and (l['date'] or '') >= '2018':
        put(b, update=uid, kb=l['kb'], source='learn', note=f"learn.microsoft.com lists it as {l['name'].split('  ')[0].strip()} + {l['kb']} ({l['date']})")
    else:
        learn_only.append(b)

# Place every build on its CU: the highest CU base build at or below it.
def place(b):
    prod = product_of(b)
    for cu, base in cu_bases[prod].items():
        if key(base)[:3] == key(b)[:3]: return (cu, base)  # same CU prefix, even below the base build
    best = None
    for cu, base in cu_bases[prod].items():
        if key(base) <= key(b) and (best is None or key(base) > key(best[1])): best = (cu, base)
    return best

for b, e in builds.items():
    if e['cu'] is None:
        p = place(b)
        if p: e['cu'] = p[0]

# ---------------------------------------------------------------- discrepancies (kept, with the choice and why)
DISCREPANCIES = []
for s in su_by_key.values():
    for d in s.get('discrepancies') or []:
        DISCREPANCIES.append({'update': s['su_key'], 'text': d})
# HealthChecker's Mar21SU builds for 2016 CU8/CU9 (15.1.1415.8, 15.1.1466.13) differ from Microsoft's CSV and the
# learn.microsoft.com table (15.1.1415.10, 15.1.1466.16). Two Microsoft-published tables agree, and the higher build
# cannot produce a false "patched"; HealthChecker's numbers are not catalog builds (they are judged as unknown builds).
by_upd_cu = defaultdict(list)
for b, e in builds.items():
    if e['update']: by_upd_cu[(e['update'], e['product'], e['cu'])].append(b)
for (uid, prod, cu), bs in by_upd_cu.items():
    if len(bs) < 2: continue
    bs.sort(key=key)
    for low in bs[:-1]:
        if builds[low]['sources'] == ['hc']:
            DISCREPANCIES.append({'update': uid, 'text': f'HealthChecker lists Exchange {prod} {cu} {uid} as {low}; Microsoft\'s tables list {bs[-1]}. The higher build is the fix; {low} is judged as an unknown build.'})
            del builds[low]

# ---------------------------------------------------------------- updates
updates = {}
def ensure_update(uid):
    if uid in updates: return updates[uid]
    s = su_by_key.get(uid)
    u = {'id': uid, 'type': 'HU' if 'HU' in uid else 'SU', 'title': s['name'] if s else f'{uid}', 'releaseDate': None,
         'kbs': [], 'fixes': [], 'cves': [], 'cvesVerified': True, 'verified': True, 'notes': [], 'sources': []}
    if s:
        u['releaseDate'] = s['release_date']
        u['kbs'] = sorted(set(s.get('kb_by_build', {}).values()) | {s['kb']})
        u['notes'] += s.get('notes') or []
        u['sources'] += ['su-research']
        if s.get('cves_unverified'): u['cvesVerified'] = False
        if s.get('unverified'): u['verified'] = False
    updates[uid] = u
    return u

for b, e in builds.items():
    if not e['update']: continue
    u = ensure_update(e['update'])
    if not any(f['build'] == b for f in u['fixes']):
        u['fixes'].append({'product': e['product'], 'cu': e['cu'], 'build': b, 'kb': e['kb']})
    for s in e['sources']:
        if s in ('hc', 'gebn', 'learn') and s not in u['sources']: u['sources'].append(s)
    if u['releaseDate'] is None and e['releaseDate']: u['releaseDate'] = e['releaseDate']
    if e['kb'] and e['kb'] not in u['kbs']: u['kbs'].append(e['kb'])

for uid, b, prod, cu in hc_base_sus:
    u = ensure_update(uid)
    if not any(f['build'] == b for f in u['fixes']):
        u['fixes'].append({'product': prod, 'cu': cu, 'build': b, 'kb': builds[b]['kb']})
    if 'hc' not in u['sources']: u['sources'].append('hc')
    if u['releaseDate'] is None: u['releaseDate'] = builds[b]['releaseDate']
    u['notes'].append(f'HealthChecker lists Exchange {prod} {cu} {uid} with the CU build itself ({b}): the CU shipped with these fixes.')

# One build per CU per update: when HealthChecker and Microsoft disagree, keep the higher (see above).
for u in updates.values():
    per_cu = {}
    for f in u['fixes']:
        k = (f['product'], f['cu'])
        if k not in per_cu or key(f['build']) > key(per_cu[k]['build']): per_cu[k] = f
    u['fixes'] = sorted(per_cu.values(), key=lambda f: key(f['build']))
    u['kbs'] = sorted(set(k for k in u['kbs'] if k))

for d in DISCREPANCIES:
    if d['update'] in updates and d['text'] not in updates[d['update']]['notes']:
        updates[d['update']]['notes'].append(d['text'])

# ---------------------------------------------------------------- CVE records (cvelistV5)
recs = {r['id']: r for r in json.loads(Path(A.cve_records).read_text())}
circl_titles = {}
if A.circl:
    for v in json.loads(Path(A.circl).read_text()).values():
        for c in v.get('cves', []):
            summ = (c.get('summary') or '').strip()
            m = re.search(r"aka ['\"](.+?)['\"]", summ)
            title = m.group(1) if m else (summ if summ.endswith('Vulnerability') and len(summ) < 120 else None)
            if title: circl_titles[c['id']] = title

# Release dates for 2018-2020 updates: learn gives only a month for many. A CVE record's datePublished is when the
# record reached the CVE list, often days or weeks after the update (CVE-2019-1084: 2019-07-29 for the July 9, 2019
# release), so it never supplies the day: the month stays a placeholder and the update is marked unverified.
for uid, u in updates.items():
    if u['releaseDate']: continue
    months = sorted({builds[f['build']].get('releaseMonth') for f in u['fixes'] if builds[f['build']].get('releaseMonth')})
    named = re.match(r'([A-Z][a-z]{2})(\d{2})(SU|HU)', uid)
    if not months and named and named.group(1).lower() in MONTH_ABBR:
        months = [f'20{named.group(2)}-{MONTH_ABBR[named.group(1).lower()]:02d}']  # the month HealthChecker's name gives
    if months:
        u['releaseDate'] = months[0] + '-01'
        u['verified'] = False
        u['notes'].append(f'Only the month ({months[0]}) is published in the sources read; the day is a placeholder.')
    else:
        u['releaseDate'] = None

for b, e in builds.items():
    if e['update'] and e['releaseDate'] is None and updates[e['update']]['releaseDate'] and updates[e['update']]['verified']:
        e['releaseDate'] = updates[e['update']]['releaseDate']
    e.pop('releaseMonth', None)

# ---------------------------------------------------------------- CVEs
cves = {}
LATER = {}  # update order by release date then id
for uid, u in updates.items(): LATER[uid] = (u['releaseDate'] or '9999', uid)

def add_fix(cid, uid, prods, src):
    if uid not in updates:
        print(f'warning: {cid} names update {uid} that has no builds; skipped', file=sys.stderr); return
    c = cves.setdefault(cid, {'id': cid, 'fixedBy': {}, 'sources': [], 'notes': [], 'conditions': []})
    prods = [p for p in prods if any(f['product'] == p for f in updates[uid]['fixes'])]
    for p in prods:
        prev = c['fixedBy'].get(p)
        if prev and prev != uid:
            a, b = sorted([prev, uid], key=lambda x: LATER[x])
            if cid == 'CVE-2023-21707':
                c['fixedBy'][p] = b  # HealthChecker lists it under Feb23SU and Mar23SU; Mar23SU contains Feb23SU
            else:
                c['fixedBy'][p] = b
                c['notes'].append(f'Exchange {p}: sources name {a} and {b}; the later ({b}) is used so no build is called patched too early.')
        else:
            c['fixedBy'][p] = uid
    if src not in c['sources']: c['sources'].append(src)

for su, items in hc_dict.items():
    for cid, prods in items:
        add_fix(cid, su, prods, 'hc')
for s in su_by_key.values():
    for cid in s.get('cves') or []:
        prods = [p.replace('Exchange ', '') for p in (s.get('cve_products') or {}).get(cid, ['Exchange 2013', 'Exchange 2016', 'Exchange 2019'])]
        if cid == 'CVE-2021-34470':
            prods = ['2013']  # 2016/2019: closed by the AD schema of 2016 CU21 / 2019 CU10, not by the SU (see its ad-schema condition)
        add_fix(cid, s['su_key'], prods, 'su-research')
        notes = s.get('cve_notes') or {}
        if isinstance(notes, dict) and cid in notes: cves[cid]['notes'].append(notes[cid])
        if cid in (s.get('cves_single_source') or []):
            cves[cid]['verified'] = False
            cves[cid]['notes'].append(f'Listed for {s["su_key"]} by a single source only.')

# Microsoft's own fix thresholds from a CVE record ("fixedBelow": {"2019 CU14": "15.2.1544.43", ...}) name the update
# whose build on that CU is the threshold; through add_fix the later of the named updates wins, so a record revised to a
# later build is never answered with an earlier "patched".
for cid, r in recs.items():
    for where, threshold in (r.get('fixedBelow') or {}).items():
        product, cu = where.split(' ', 1)
        uid = next((u['id'] for u in updates.values() for f in u['fixes'] if f['product'] == product and f['cu'] == cu and f['build'] == threshold), None)
        if uid is None:
            print(f'warning: {cid}: no update has build {threshold} on {where}', file=sys.stderr)
            continue
        add_fix(cid, uid, [product], 'cvelist')
        note = f'cvelistV5 (Microsoft CNA record) gives the fix threshold {threshold} on {where} ({uid}).'
        if note not in cves[cid]['notes']: cves[cid]['notes'].append(note)

for cid, (uid, ovs) in hc_overrides.items():
    add_fix(cid, uid, ['2013', '2016', '2019', 'SE'], 'hc')
    cves[cid]['conditions'].append({'kind': 'override-reopens', 'overrides': ovs,
        'description': 'Re-opened when an Accepted SettingOverride sets ' + ' or '.join(ovs) + ' to false.',
        'remediation': 'Remove the SettingOverride that sets it to false (Remove-SettingOverride), then refresh VariantConfiguration.'})

EP_CVES = ['CVE-2022-24516', 'CVE-2022-21979', 'CVE-2022-21980', 'CVE-2022-24477', 'CVE-2022-30134', 'CVE-2024-21410']
EP_REQ = ['15.0.1497.38', '15.1.2375.30', '15.1.2507.11', '15.2.986.28', '15.2.1118.11']
for cid in EP_CVES:
    c = cves.setdefault(cid, {'id': cid, 'fixedBy': {}, 'sources': [], 'notes': [], 'conditions': []})
    if 'hc' not in c['sources']: c['sources'].append('hc')
    c['conditions'].append({'kind': 'extended-protection', 'requiresBuild': EP_REQ, 'products': ['2013', '2016', '2019', 'SE'],
        'description': 'Closed only when Extended Protection is configured on every virtual directory as Microsoft requires (and LSA SuppressExtendedProtection is 0); a build below the EP-capable builds cannot take that step.',
        'remediation': 'Install the latest SU, then run ExchangeExtendedProtectionManagement.ps1 to enable Extended Protection.'})
    c['epProducts'] = True
cves['CVE-2024-21410']['notes'].append('Exchange 2019 CU14 (15.2.1544.4) setup enables Extended Protection by default; on 2016 CU23 it must be enabled by hand (cvelistV5; CSS-Exchange docs/Emerging-Issues.md).')

SDS = ['CVE-2023-36050', 'CVE-2023-36039', 'CVE-2023-36035', 'CVE-2023-36439']
for cid in SDS:
    add_fix(cid, 'Jan23SU', ['2013'], 'hc')
    cves[cid]['conditions'].append({'kind': 'serialization-signing', 'products': ['2013'], 'defaultOpen': True,
        'description': 'Exchange 2013 (from the January 2023 SU) is protected only when HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Diagnostics EnableSerializationDataSigning = 1; it is off by default.',
        'remediation': 'Set the EnableSerializationDataSigning registry value to 1 (Exchange 2013 CU23 Jan23SU or later).'})
    cves[cid]['conditions'].append({'kind': 'serialization-signing', 'products': ['2016', '2019', 'SE'],
        'description': 'Re-opened when a SettingOverride sets Data\\EnableSerializationDataSigning\\Enabled to false (on by default from the November 2023 SU).',
        'remediation': 'Remove the SettingOverride that disables serialization data signing.'})

c = cves.setdefault('ADV24199947', {'id': 'ADV24199947', 'fixedBy': {}, 'sources': ['hc'], 'notes': [], 'conditions': []})
add_fix('ADV24199947', 'Mar24SU', ['2016', '2019'], 'hc')
c['conditions'].append({'kind': 'outside-in', 'products': ['2013', '2016', '2019', 'SE'],
    'description': 'Re-opened when the FIP-FS Configuration.xml re-enables Oracle Outside In (an "|NO" override); on 2013 and SE only this file decides (HealthChecker).',
    'remediation': 'Remove the OutsideIn override (ConfigureFipFsTextExtractionOverrides.ps1 -Action Block).'})
c['notes'].append('Exchange 2013 never received the March 2024 SU; HealthChecker judges 2013 and SE only by Configuration.xml, and exaudit follows it. Exchange 2013 is out of support in any case.')

def cond(cid, kind, desc, rem, products=None, src='hc', **extra):
    c = cves.setdefault(cid, {'id': cid, 'fixedBy': {}, 'sources': [], 'notes': [], 'conditions': []})
    if src not in c['sources']: c['sources'].append(src)
    d = {'kind': kind, 'description': desc, 'remediation': rem}
    if products: d['products'] = products
    d.update(extra)
    c['conditions'].append(d)
    return c

cond('CVE-2021-1730', 'download-domains', 'Closed only when Download Domains are enabled (Set-OrganizationConfig -EnableDownloadDomains) with OWA download host names that differ from the OWA URLs; builds below 2016 CU18 / 2019 CU7 cannot enable them.',
     'Configure Download Domains for OWA attachments.', ['2016', '2019', 'SE'], requiresBuild=['15.1.2106.2', '15.2.721.2'])
cond('CVE-2023-36434', 'token-cache-module', 'Closed when the IIS TokenCacheModule is removed or cachtokn.dll carries the Windows October 2023 fix.',
     'Install the Windows Server October 2023 update or remove TokenCacheModule (CVE-2023-21709.ps1).', src='hc')
c = cond('CVE-2023-21709', 'token-cache-module', 'Not closed by the August 2023 SU alone: the IIS TokenCacheModule must be removed or Windows must carry the October 2023 fix (CVE-2023-36434).',
     'Remove TokenCacheModule (CVE-2023-21709.ps1) or install the Windows Server October 2023 update.', src='su-research')
c['fixedBy'] = {}
cond('CVE-2020-1147', 'net-framework', '.NET Framework System.Data.dll and System.Configuration.dll must carry the July 2020 .NET update (build part >= 3630, or >= 4190 with .NET 4.8).',
     'Install the .NET Framework security updates of July 2020 or later.')
cond('CVE-2020-0796', 'os-smb', 'Windows Server 1903/1909 (builds 18362/18363) below UBR 720 with SMBv3 compression enabled.',
     'Install the Windows March 2020 update (KB4551762) or disable SMBv3 compression.', ['2019'])
c = cond('CVE-2021-34470', 'ad-schema', 'The Active Directory schema class ms-Exch-Storage-Group must not list computer in possSuperiors (run /PrepareSchema with Exchange 2016 CU21 / 2019 CU10 or later, or Exchange 2013 CU23 with the July 2021 SU).',
     'Run Setup /PrepareSchema from a fixed build.', ['2013', '2016', '2019'], src='hc', appliesBelow={'2016': '15.1.2308.8', '2019': '15.2.922.7'})
cond('CVE-2022-21978', 'ad-acl', 'After the May 2022 SU, /PrepareDomain (or /PrepareAllDomains) must run in every domain so the MESO container version and the Deny ACEs are in place.',
     'Run Setup /PrepareAllDomains from a build with the May 2022 SU or later.')

# ---------------------------------------------------------------- KEV (directives.md §1.5, kev-data 2025.08.25)
KEV = {
    'CVE-2020-0688': ('2021-11-03', '2022-05-03', 'Known'),
    'CVE-2021-26855': ('2021-11-03', '2021-04-16', 'Known'), 'CVE-2021-26857': ('2021-11-03', '2021-04-16', 'Known'),
    'CVE-2021-26858': ('2021-11-03', '2021-04-16', 'Known'), 'CVE-2021-27065': ('2021-11-03', '2021-04-16', 'Known'),
    'CVE-2021-31207': ('2021-11-03', '2021-11-17', 'Known'), 'CVE-2021-34473': ('2021-11-03', '2021-11-17', 'Known'),
    'CVE-2021-34523': ('2021-11-03', '2021-11-17', 'Known'), 'CVE-2021-42321': ('2021-11-17', '2021-12-01', 'Known'),
    'CVE-2021-33766': ('2022-01-18', '2022-02-01', 'Unknown'), 'CVE-2018-8581': ('2022-03-03', '2022-03-17', 'Known'),
    'CVE-2022-41040': ('2022-09-30', '2022-10-21', 'Known'), 'CVE-2022-41082': ('2022-09-30', '2022-10-21', 'Known'),
    'CVE-2022-41080': ('2023-01-10', '2023-01-31', 'Known'), 'CVE-2024-21410': ('2024-02-15', '2024-03-07', 'Unknown'),
    'CVE-2021-31196': ('2024-08-21', '2024-09-11', 'Unknown'),
}

# ---------------------------------------------------------------- finalize CVE entries
def products_of(c):
    ps = set(c['fixedBy'].keys())
    for d in c['conditions']:
        ps |= set(d.get('products') or [])
    return [p for p in PRODUCTS if p in ps] or ['2013', '2016', '2019']

out_cves = []
for cid in sorted(cves, key=lambda x: (x[:3], x)):
    c = cves[cid]
    r = recs.get(cid) or {}
    by_upd = defaultdict(list)
    for p, uid in c['fixedBy'].items(): by_upd[uid].append(p)
    entry = {
        'id': cid,
        'title': r.get('title') or circl_titles.get(cid),
        'cvss': r.get('cvss'),
        'cvssVector': r.get('cvssVector'),
        'published': r.get('published'),
        'exploited': cid in KEV or r.get('ssvcExploitation') == 'active',
        'kev': None,
        'products': products_of(c),
        'fixedBy': [{'update': u, 'products': [p for p in PRODUCTS if p in ps]} for u, ps in sorted(by_upd.items(), key=lambda kv: LATER[kv[0]])],
        'conditions': c['conditions'],
        'verified': c.get('verified', True),
        'notes': list(dict.fromkeys(c['notes'])),
        'sources': list(dict.fromkeys(c['sources'] + (['cvelist'] if r.get('title') or r.get('cvss') is not None else []) + (['circl'] if not r.get('title') and cid in circl_titles else []))),
    }
    if cid in KEV:
        a, d, rw = KEV[cid]
        entry['kev'] = {'dateAdded': a, 'dueDate': d, 'ransomware': rw, 'verified': True}
        entry['sources'].append('kev')
    if entry['cvss'] is None:
        entry['notes'] = entry.get('notes', []) + [
            'A Microsoft advisory, not a CVE: it has no CVE record and no CVSS score.' if cid.startswith('ADV') else
            'Its cvelistV5 record (converted from the old CVE format) carries no CVSS v3 score; none is given here.' if cid in recs else
            'No CVE record was read for it; no CVSS score is given.']
    if cid not in KEV and r.get('kevDateAdded') and cid != 'CVE-2026-42897':
        entry['kev'] = {'dateAdded': r['kevDateAdded'], 'dueDate': None, 'ransomware': None, 'verified': False}
        entry['exploited'] = True
        entry['notes'] = entry.get('notes', []) + ['KEV dateAdded from the CISA-ADP block of the cvelistV5 record; due date and ransomware use not verified.']
    if cid == 'CVE-2026-42897':
        entry['kev'] = {'dateAdded': '2026-05-15', 'dueDate': None, 'ransomware': None, 'verified': False}
        entry['exploited'] = True
        entry['notes'].append('KEV dateAdded from the CISA-ADP block of the cvelistV5 record; due date and ransomware use not verified.')
        entry['sources'].append('cvelist')
    if not entry['notes']: del entry['notes']
    out_cves.append(entry)

# ---------------------------------------------------------------- ESU-only builds (2016/2019 after 2025-10-14)
for u in updates.values():
    if (u['releaseDate'] or '') > '2025-10-14':
        for f in u['fixes']:
            if f['product'] in ('2016', '2019'):
                f['esuOnly'] = True
                builds[f['build']]['esuOnly'] = True
        if all(f.get('esuOnly') for f in u['fixes']): u['esuOnly'] = True

# ---------------------------------------------------------------- write
def name_of(e):
    base = f"Exchange {e['product']} {e['cu']}" + (' (SP1)' if (e['product'], e['cu']) == ('2013', 'CU4') else '')
    return base + (f" {e['update']}" if e['update'] else '')

out_builds = []
for b in sorted(builds, key=key):
    e = builds[b]
    if not e['cu']:
        print(f'warning: {b} could not be placed on a CU; skipped', file=sys.stderr); continue
    o = {'build': b, 'product': e['product'], 'cu': e['cu'], 'update': e['update'], 'name': name_of(e), 'kb': e['kb'],
         'releaseDate': e['releaseDate'], 'sources': e['sources']}
    if e.get('esuOnly'): o['esuOnly'] = True
    if e['sources'] == ['hc'] and not e['releaseDate']:
        o['notes'] = ['Listed by HealthChecker only; no KB or date found in Microsoft\'s tables read.']
    out_builds.append(o)

out_updates = []
for u in sorted(updates.values(), key=lambda u: (u['releaseDate'] or '9999', u['id'])):
    u['cves'] = sorted({c['id'] for c in out_cves for fb in c['fixedBy'] if fb['update'] == u['id']})
    if u['releaseDate'] is None:
        print(f"warning: {u['id']} has no release date; dropped", file=sys.stderr); continue
    for f in u['fixes']:
        if f.get('kb') is None: f.pop('kb', None)
    if not u['notes']: del u['notes']
    if not u['sources']: u['sources'] = ['hc']
    out_updates.append(u)

(OUT / 'builds.json').write_text(json.dumps(out_builds, indent=1) + '\n')
(OUT / 'updates.json').write_text(json.dumps(out_updates, indent=1) + '\n')
(OUT / 'cves.json').write_text(json.dumps(out_cves, indent=1) + '\n')
print(f'builds {len(out_builds)}, updates {len(out_updates)}, cves {len(out_cves)}; learn-only builds not included: {len(learn_only)}')
print('learn-only:', ', '.join(learn_only))
print('discrepancies:', json.dumps(DISCREPANCIES, indent=1))
