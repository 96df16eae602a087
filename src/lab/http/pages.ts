/**
 * Response bodies for the fake servers, shaped like the captures in remote-detection.md §6/§7: the OWA logon
 * page (2013+ and 2010 layouts), the ECP export-tool ClickOnce manifest, and the pages of servers that are
 * not Exchange. Only the parts a scanner reads are faithful; the rest is filler of a plausible size.
 */

/** The 2013+ logon page: `<!-- OwaPage = ASP.auth_logon_aspx -->` and resources under /owa/auth/<M.m.b>/. */
export function logonPage(owaFolder: string, opts: { ecp?: boolean; legacy?: boolean } = {}): string {
  const base = opts.legacy ? `/owa/${owaFolder}` : `/owa/auth/${owaFolder}`;
  const title = opts.legacy ? 'Outlook Web App' : 'Outlook';
  // Filler: real pages are ~58 KB, mostly inline script; a few KB is enough to exercise body reading.
  const filler = Array.from(
    { length: 40 },
    (_, i) => `  function f${i}(a){return a&&a.length>${i}?a.substring(${i}):a;}`,
  ).join('\n');
  return `<!DOCTYPE html>
<!-- Copyright (c) 2011 Microsoft Corporation.  All rights reserved. -->
<!-- OwaPage = ASP.auth_logon_aspx -->
<html dir="ltr" class="mouse">
<head>
<meta http-equiv="X-UA-Compatible" content="IE=10" />
<link rel="shortcut icon" href="${base}/themes/resources/favicon.ico" type="image/x-icon">
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="Robots" content="NOINDEX, NOFOLLOW">
<title>${title}</title>
<style>
@font-face { font-family: "Segoe UI WPC"; src: url("${base}/fonts/segoeui-regular.eot?#iefix") format("embedded-opentype"); }
</style>
<link type="text/css" rel="stylesheet" href="${base}/themes/resources/logon.css">
<link type="text/css" rel="stylesheet" href="${base}/themes/resources/owafont_ltr.css">
<script type="text/javascript" src="${base}/scripts/premium/flogon.js"></script>
<script type="text/javascript">
  function IsOwaPremiumBrowser(){return true;}
${filler}
</script>
</head>
<body class="signInBg" style="background: #f2f2f2 url('${base}/themes/resources/bg_gradient.jpg') repeat-x">
<noscript><div id="dvErr"><table><tr><td><img src="${base}/themes/resources/warn.png" alt=""></td>
<td style="width:100%">To use Outlook, browser settings must allow scripts to run. For more information, or to learn how to allow scripts, contact your administrator.</td></tr></table></div></noscript>
${opts.ecp ? '<div id="signInExchangeHeader" class="signInExchangeHeader">Exchange Admin Center</div>' : '<div class="signInImageHeader" role="heading" aria-label="Outlook">Outlook</div>'}
<form action="/owa/auth.owa" method="POST" name="logonForm" enctype="application/x-www-form-urlencoded" autocomplete="off">
<input type="hidden" name="destination" value="">
<input type="hidden" name="flags" value="4">
<input type="hidden" name="forcedownlevel" value="0">
<input id="username" name="username" type="email" placeholder="domain\\user name">
<input id="password" name="password" type="password">
<input type="hidden" name="isUtf8" value="1">
</form>
</body>
</html>
`;
}

/**
 * The ECP export-tool deployment manifest. A real one (16 KB) holds several assemblyIdentity elements; both
 * forms peers parse are here: the `.application` deployment identity and the `exporttool` assembly.
 */
export function exportToolManifest(version: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<asmv1:assembly xsi:schemaLocation="urn:schemas-microsoft-com:asm.v1 assembly.adaptive.xsd" manifestVersion="1.0" xmlns:asmv1="urn:schemas-microsoft-com:asm.v1" xmlns="urn:schemas-microsoft-com:asm.v2" xmlns:asmv2="urn:schemas-microsoft-com:asm.v2" xmlns:xrml="urn:mpeg:mpeg21:2003:01-REL-R-NS" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:asmv3="urn:schemas-microsoft-com:asm.v3" xmlns:dsig="http://www.w3.org/2000/09/xmldsig#" xmlns:co.v1="urn:schemas-microsoft-com:clickonce.v1" xmlns:co.v2="urn:schemas-microsoft-com:clickonce.v2">
  <assemblyIdentity name="microsoft.exchange.ediscovery.exporttool.application" version="${version}" publicKeyToken="b1d1a6c45aa418ce" language="neutral" processorArchitecture="msil" xmlns="urn:schemas-microsoft-com:asm.v1" />
  <description asmv2:publisher="Microsoft Corporation" co.v1:suiteName="Microsoft Exchange" asmv2:product="Microsoft Exchange eDiscovery Export Tool" xmlns="urn:schemas-microsoft-com:asm.v1" />
  <deployment install="false" trustURLParameters="true" mapFileExtensions="true" co.v1:createDesktopShortcut="false">
    <deploymentProvider codebase="microsoft.exchange.ediscovery.exporttool.application" />
  </deployment>
  <compatibleFrameworks xmlns="urn:schemas-microsoft-com:clickonce.v2">
    <framework targetVersion="4.5" profile="Full" supportedRuntime="4.0.30319" />
  </compatibleFrameworks>
  <dependency>
    <dependentAssembly dependencyType="install" codebase="microsoft.exchange.ediscovery.exporttool.exe.manifest" size="28041">
      <assemblyIdentity name="microsoft.exchange.ediscovery.exporttool" version="${version}" publicKeyToken="b1d1a6c45aa418ce" language="neutral" processorArchitecture="msil" type="win32" />
      <hash>
        <dsig:Transforms><dsig:Transform Algorithm="urn:schemas-microsoft-com:HashTransforms.Identity" /></dsig:Transforms>
        <dsig:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha256" />
        <dsig:DigestValue>bGFiIGZpeHR1cmUsIG5vdCBhIHJlYWwgZGlnZXN0</dsig:DigestValue>
      </hash>
    </dependentAssembly>
  </dependency>
</asmv1:assembly>
`;
}

/** 16-byte stand-in for favicon.ico (an ICO header); only the status and type matter to a scanner. */
export const FAVICON = Buffer.from('00000100010010100000010020006804', 'hex');

export const IIS_404 = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>404 - File or directory not found.</title></head>
<body><div id="header"><h1>Server Error</h1></div><div id="content"><fieldset><h2>404 - File or directory not found.</h2>
<h3>The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.</h3></fieldset></div></body></html>
`;

export const IIS_START = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1" />
<title>IIS Windows Server</title></head><body><div id="container"><a href="http://go.microsoft.com/fwlink/?linkid=66138&amp;clcid=0x409"><img src="iisstart.png" alt="IIS" width="960" height="600" /></a></div></body></html>
`;

export const NGINX_404 =
  '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n';
export const NGINX_WELCOME =
  '<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and working.</p>\n</body>\n</html>\n';

/** KEMP LoadMaster Edge Security Pack pre-authentication form (Greenbone recognises `/lm_auth_proxy?LMLogon`). */
export const KEMP_LOGON = `<!DOCTYPE html>
<html><head><title>Log On</title></head>
<body><form method="post" action="/lm_auth_proxy?LMLogon" name="logonForm">
<input type="hidden" name="curl" value="Z2Fowa"><input type="hidden" name="flags" value="0">
<label>Domain\\user name:</label><input type="text" name="username"><label>Password:</label><input type="password" name="password">
<input type="submit" value="Log On"></form></body></html>
`;
