#!/usr/bin/env bash
# Stands in for pwsh where node-powershell starts it (NODE_POWERSHELL): the real pwsh (EXAUDIT_PWSH), whose first
# input line loads fake-world-prelude.ps1; node-powershell's own lines follow unchanged, passed on by a feeder
# process that ends when node-powershell closes pwsh's input. exec keeps this pid, so the first pid written to
# FAKE_PWSH_PIDS is pwsh's own (the feeder's follows), and a test can check that a timed-out shell is gone.
prelude="$(cd "$(dirname "$0")" && pwd)/fake-world-prelude.ps1"
[ -n "${FAKE_PWSH_PIDS:-}" ] && echo $$ >>"$FAKE_PWSH_PIDS"
exec "${EXAUDIT_PWSH:-pwsh}" "$@" < <(
  [ -n "${FAKE_PWSH_PIDS:-}" ] && echo "$BASHPID" >>"$FAKE_PWSH_PIDS"
  printf ". '%s'\n" "$prelude"
  exec cat 2>/dev/null
)
