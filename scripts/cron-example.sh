#!/bin/sh
# Run tap-salesforce from cron and keep the last state, so each run resumes where the previous one stopped.
#
#   15 * * * *  /opt/tap-salesforce/scripts/cron-example.sh /var/lib/tap-salesforce
#
# The folder holds config.json (tap-salesforce auth writes it; keep it mode 600) and catalog.json (from
# --discover, with streams selected). Each run writes out/<time>.jsonl (or pipes into $TARGET) and
# state.json. Every STATE the tap writes is valid, even in a run that fails or is stopped by a quota guard,
# so the last one is kept whatever the exit code; the exit code is passed on for cron's mail.
#
#   TARGET="target-postgres --config target.json"   load into a Singer target instead of out/*.jsonl;
#                                                    the state is then the target's last output line
set -u
DIR=${1:-.}
cd "$DIR" || exit 3
mkdir -p out logs
STAMP=$(date -u +%Y%m%dT%H%M%SZ)

# One run at a time: a second run would resend the same rows, and two processes refreshing one rotating
# refresh token revoke it.
exec 9> .lock
if ! flock -n 9; then
  echo "tap-salesforce: a previous run still holds $DIR/.lock; skipping this one" >&2
  exit 0
fi

STATE_ARG=""
[ -s state.json ] && STATE_ARG="--state state.json"

if [ -n "${TARGET:-}" ]; then
  # The target emits the state it has committed; its last line is the next run's state.
  # (sh has no pipefail: the tap's exit code goes through a file.)
  # shellcheck disable=SC2086
  { tap-salesforce --config config.json --catalog catalog.json $STATE_ARG 2> "logs/$STAMP.log"; echo $? > .tap-exit; } \
    | $TARGET > "out/$STAMP.state.jsonl"
  target_code=$?
  code=$(cat .tap-exit)
  [ "$code" = 0 ] && code=$target_code
  last=$(tail -n 1 "out/$STAMP.state.jsonl")
else
  # shellcheck disable=SC2086
  tap-salesforce --config config.json --catalog catalog.json $STATE_ARG > "out/$STAMP.jsonl" 2> "logs/$STAMP.log"
  code=$?
  # The value of the last STATE message.
  last=$(grep '^{"type":"STATE"' "out/$STAMP.jsonl" | tail -n 1 | sed 's/^{"type":"STATE","value":\(.*\)}$/\1/')
fi

if [ -n "$last" ]; then
  printf '%s\n' "$last" > state.json.tmp && mv state.json.tmp state.json
fi

case $code in
  0) ;;
  2) echo "tap-salesforce: stopped by an API quota guard; state kept, the next run continues (logs/$STAMP.log)" >&2 ;;
  *) echo "tap-salesforce: exit code $code; state kept; see $DIR/logs/$STAMP.log" >&2 ;;
esac
exit "$code"
