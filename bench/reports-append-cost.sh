#!/usr/bin/env bash
# The chat path's cost of the report bookkeeping (docs/benchmarks.md, "Reports on a million dialogs"): the append
# transaction as the gateway runs it (append_message, V60: it keeps the report facts and the holds) against the
# same function without that bookkeeping (append_message as in V15, created here as append_message_before_v59 and
# dropped at the end), on the report benchmark's loaded database, alternating ROUNDS times, each for SECONDS with
# CLIENTS connections. Each transaction stores a visitor's message in one of the million dialogs (picked at random).
# Usage: bench/reports-append-cost.sh [work-dir]   (a work dir loaded by bench/reports.sh; its PostgreSQL is
# started here and stopped at the end; needs pgbench)
# COMPARE=triggers compares instead append_message with the roll-ups' triggers (V61) on and off: the dialog's row
# update then fetches the old row for the after-update trigger, whose column list append_message never sets.
# The appended messages change closed dialogs' facts past the triggers: every roll-up is forgotten at the end, and
# the gateway's next start rolls the days up again.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WORK=${1:-/tmp/report-bench}
PGPORT=${PGPORT:-55432}
ROUNDS=${ROUNDS:-3}
SECONDS_EACH=${SECONDS_EACH:-20}
CLIENTS=${CLIENTS:-4}
[[ -f $WORK/loaded ]] || { echo "no loaded benchmark data in $WORK (run bench/reports.sh first)" >&2; exit 1; }
[[ $(id -u) == 0 ]] && RUN=(runuser -u nobody --) || RUN=()
"${RUN[@]}" pg_ctl -D "$WORK/pg" -l "$WORK/pg.log" -w start \
    -o "-p $PGPORT -k $WORK -c shared_buffers=1GB -c work_mem=64MB -c max_wal_size=8GB" >/dev/null
PSQL=(psql -h 127.0.0.1 -p "$PGPORT" -U bench -d gateway -v ON_ERROR_STOP=1 -q)
ROLLUP_TRIGGERS="dialog:report_dialog_updated dialog:report_dialog_inserted dialog:report_dialog_deleted dialog_hold:report_hold_changed"
triggers() {  # ENABLE or DISABLE the roll-ups' triggers
    local t
    for t in $ROLLUP_TRIGGERS; do "${PSQL[@]}" -c "ALTER TABLE ${t%%:*} $1 TRIGGER ${t#*:}"; done
}
stop() {
    "${PSQL[@]}" -c "DROP FUNCTION IF EXISTS append_message_before_v59" || true
    if [[ $("${PSQL[@]}" -Atc "SELECT to_regclass('report_day') IS NOT NULL") == t ]]; then
        triggers ENABLE || true
        "${PSQL[@]}" -c "TRUNCATE report_day" || true
    fi
    "${RUN[@]}" pg_ctl -D "$WORK/pg" -m fast stop >/dev/null || true
}
trap stop EXIT
# V15's append_message under another name: the function the gateway ran before V59
sed -n '/^CREATE OR REPLACE FUNCTION append_message/,/^\$\$;/p' "$ROOT/src/main/resources/db/migration/V15__inbox_and_waiting_notice.sql" \
    | sed 's/FUNCTION append_message(/FUNCTION append_message_before_v59(/' | "${PSQL[@]}"
for fn in append_message append_message_before_v59; do
    cat >"$WORK/append-$fn.sql" <<SQL
\set i random(0, ${DIALOGS:-1000000} - 1)
SELECT status FROM $fn(md5('d' || :i)::uuid, 'VISITOR', md5('v' || :i)::uuid, NULL, NULL, NULL, NULL, 'Сообщение', true);
SQL
done
echo "| round | function | transactions per s | mean latency, ms | load average |"
echo "|---|---|---|---|---|"
if [[ ${COMPARE:-before-v59} == triggers ]]; then
    for round in $(seq 1 "$ROUNDS"); do
        for state in DISABLE ENABLE; do
            triggers "$state"
            out=$(pgbench -h 127.0.0.1 -p "$PGPORT" -U bench -n -c "$CLIENTS" -j 2 -T "$SECONDS_EACH" \
                -f "$WORK/append-append_message.sql" gateway 2>&1)
            tps=$(grep -oP 'tps = \K[0-9.]+' <<<"$out" | head -1)
            lat=$(grep -oP 'latency average = \K[0-9.]+' <<<"$out")
            echo "| $round | append_message, roll-up triggers ${state,,}d | $tps | $lat | $(cut -d' ' -f1 /proc/loadavg) |"
        done
    done
    exit 0
fi
for round in $(seq 1 "$ROUNDS"); do
    for fn in append_message_before_v59 append_message; do
        out=$(pgbench -h 127.0.0.1 -p "$PGPORT" -U bench -n -c "$CLIENTS" -j 2 -T "$SECONDS_EACH" \
            -f "$WORK/append-$fn.sql" gateway 2>&1)
        tps=$(grep -oP 'tps = \K[0-9.]+' <<<"$out" | head -1)
        lat=$(grep -oP 'latency average = \K[0-9.]+' <<<"$out")
        echo "| $round | $fn | $tps | $lat | $(cut -d' ' -f1 /proc/loadavg) |"
    done
done
