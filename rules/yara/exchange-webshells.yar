/*
 * exaudit's YARA rules for web shells found on Exchange servers. Written by the exaudit project; each rule says in
 * `informed_by` which public rules or samples showed the features it keys on (read on 2026-12-02):
 *   signature-base: https://github.com/Neo23x0/signature-base (8a89b3b, Detection Rule License 1.1)
 *   tennc/webshell: https://github.com/tennc/webshell (6b17eae, MIT), sensepost/reGeorg (1ca54c2),
 *   samratashok/nishang (d87229d).
 * Only text strings and short bounded jumps: every rule is linear in the file's size. `severity` and `advisory`
 * are what exaudit reports.
 */

rule exaudit_chopper_jscript_eval
{
    meta:
        advisory = "Web shell (China Chopper, HAFNIUM)"
        severity = "critical"
        description = "Server-side JScript.NET page that evaluates input with eval(..., \"unsafe\")"
        informed_by = "signature-base apt_hafnium.yar (APT_WEBSHELL_HAFNIUM_Chopper_WebShell, WEBSHELL_HAFNIUM_CISA_10328929_01); tennc/webshell caidao-shell/ice.aspx"
    strings:
        $page1 = "Page Language=\"Jscript\"" nocase
        $page2 = "Page Language=Jscript" nocase
        $page3 = "Page Language='Jscript'" nocase
        $tag1 = "language=\"JScript\" runat=\"server\"" nocase
        $tag2 = "runat=\"server\" language=\"JScript\"" nocase
        $eval = "eval(" nocase
        $unsafe1 = "\"unsafe\"" nocase
        $unsafe2 = "'unsafe'" nocase
        $req = "request" nocase
    condition:
        filesize < 1MB and (any of ($page*) or any of ($tag*)) and $eval and (any of ($unsafe*) or $req)
}

rule exaudit_oab_externalurl_shell
{
    meta:
        advisory = "CVE-2021-27065 (ProxyLogon)"
        severity = "critical"
        description = "An OAB virtual directory settings dump whose ExternalUrl or InternalUrl carries a script (the file CVE-2021-27065 wrote)"
        informed_by = "signature-base apt_hafnium.yar (WEBSHELL_CVE_2021_27065_Webshells, WEBSHELL_HAFNIUM_CISA_10328929_02)"
    strings:
        $url1 = "ExternalUrl" nocase
        $url2 = "InternalUrl" nocase
        $oab1 = "OfflineAddressBooks" nocase
        $oab2 = "ExtendedProtectionTokenChecking" nocase
        $script = "<script" nocase
        $runat = "runat=\"server\"" nocase
    condition:
        filesize < 100KB and any of ($url*) and any of ($oab*) and $script and $runat
}

rule exaudit_assembly_load_from_request
{
    meta:
        advisory = "Web shell (Godzilla, Behinder)"
        severity = "critical"
        description = "A page that decrypts request bytes and loads them as a .NET assembly"
        informed_by = "tennc/webshell Godzilla/123.aspx, Behinder/shell.aspx; signature-base gen_webshells.yar"
    strings:
        $load1 = "Assembly.Load(" nocase
        $load2 = "GetMethod(\"Load\"" nocase
        $dec1 = "CreateDecryptor(" nocase
        $dec2 = "TransformFinalBlock(" nocase
        $dec3 = "FromBase64String(" nocase
        $req1 = "Request.BinaryRead(" nocase
        $req2 = "Request[" nocase
        $req3 = "Request.Form[" nocase
        $inst = "CreateInstance(" nocase
    condition:
        filesize < 1MB and any of ($load*) and any of ($dec*) and any of ($req*) and $inst
}

rule exaudit_regeorg_tunnel
{
    meta:
        advisory = "Web shell (reGeorg tunnel)"
        severity = "critical"
        description = "A page relaying sockets for the request (reGeorg's CONNECT, FORWARD, DISCONNECT commands)"
        informed_by = "sensepost/reGeorg tunnel.aspx, tunnel.ashx; signature-base webshell_regeorg.yar, apt_hafnium.yar (WEBSHELL_ASPX_reGeorgTunnel)"
    strings:
        $sock1 = "new Socket(" nocase
        $sock2 = "System.Net.Sockets" nocase
        $c1 = "\"CONNECT\"" nocase
        $c2 = "\"FORWARD\"" nocase
        $c3 = "\"DISCONNECT\"" nocase
        $hdr = "X-STATUS" nocase
    condition:
        filesize < 1MB and any of ($sock*) and 2 of ($c*, $hdr)
}

rule exaudit_process_console
{
    meta:
        advisory = "Web shell (command execution)"
        severity = "critical"
        description = "A page that starts cmd.exe or powershell.exe with redirected output (ASPXSpy, Antak and one-page command shells)"
        informed_by = "tennc/webshell aspx/ASPXspy2.aspx, fuzzdb-webshell/asp/cmd.aspx; samratashok/nishang Antak-WebShell/antak.aspx"
    strings:
        $p1 = "ProcessStartInfo" nocase
        $p2 = "Process.Start(" nocase
        $p3 = "new Process()" nocase
        $exe1 = "cmd.exe" nocase
        $exe2 = "powershell.exe" nocase
        $out = "RedirectStandardOutput" nocase
        $page1 = "<%@" nocase
        $page2 = "runat=\"server\"" nocase
    condition:
        filesize < 1MB and any of ($p*) and any of ($exe*) and $out and any of ($page*)
}
