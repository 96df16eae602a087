#!/bin/sh
# A fake Windows PowerShell behind Debian's OpenSSH (ForceCommand): accepts only exaudit's exact bootstrap,
# reads the collector script from standard input, and answers with fixture facts like the real collector.
# FAKE_FACTS (set through the sshd SetEnv option) names the facts file.
expected="$(cat "$(dirname "$0")/expected-command")"
if [ "$SSH_ORIGINAL_COMMAND" != "$expected" ]; then
  echo "'${SSH_ORIGINAL_COMMAND%% *}' is not recognized as an internal or external command," >&2
  exit 1
fi
script="$(cat)"
case "$script" in
  *Get-ExchangeFacts.ps1*) ;;
  *) echo "unexpected script" >&2; exit 1 ;;
esac
printf '<<<EXAUDIT-FACTS-BEGIN>>>\r\n'
cat "$FAKE_FACTS"
printf '\r\n<<<EXAUDIT-FACTS-END>>>\r\n'
