#!/bin/sh
# A fake Windows PowerShell for Debian's OpenSSH: installed as `powershell` on the session's PATH, so the login
# shell runs exaudit's command line as sshd hands it over. It accepts only `-NoProfile -NonInteractive
# -EncodedCommand <base64 UTF-16LE>` whose decoded text is exaudit's bootstrap (expected-bootstrap), checks that
# the collector script arrived whole on standard input, and answers like the collector would. The file `mode` beside it picks
# the answer: facts (FAKE_FACTS, set through sshd's SetEnv) | hang | garbage | huge | drop.
here="$(dirname "$0")"
if [ "$1 $2 $3" != "-NoProfile -NonInteractive -EncodedCommand" ] || [ $# -ne 4 ]; then
  echo "powershell: unexpected arguments: $*" >&2; exit 64
fi
bootstrap="$(printf '%s' "$4" | base64 -d | iconv -f UTF-16LE -t UTF-8)"
if [ "$bootstrap" != "$(cat "$here/expected-bootstrap")" ]; then
  echo "powershell: unexpected encoded command" >&2; exit 64
fi
# The whole collector, byte for byte, on standard input (expected-script is the shipped file).
received="$(mktemp)"
cat > "$received"
if ! cmp -s "$received" "$here/expected-script"; then
  rm -f "$received"; echo "powershell: unexpected script on standard input" >&2; exit 1
fi
rm -f "$received"
mode="$(cat "$here/mode" 2>/dev/null || echo facts)"
case "$mode" in
  hang) sleep 5; exit 0 ;;
  garbage) printf 'Get-ExchangeFacts: something went wrong\r\n'; exit 1 ;;
  huge) head -c 3000000 /dev/zero | tr '\0' x; exit 0 ;;
  drop) printf '<<<EXAUDIT-FACTS-BEGIN>>>\r\n{"schemaVersion":"1","tar'; sleep 0.2; kill -9 "$PPID"; exit 0 ;;
esac
printf '<<<EXAUDIT-FACTS-BEGIN>>>\r\n'
cat "$FAKE_FACTS"
printf '\r\n<<<EXAUDIT-FACTS-END>>>\r\n'
