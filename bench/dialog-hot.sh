#!/usr/bin/env bash
# How many of the dialog row's updates stay heap-only (HOT) under the chat's appends, at two fillfactors, with and
# without a long report's snapshot open (docs/benchmarks.md, "The chat path while reports run"). On the report
# benchmark's loaded database (its PostgreSQL is started here and stopped at the end; needs pgbench): for each case,
# 1,000 new open dialogs at the fillfactor given, then SECONDS_EACH s of pgbench (4 connections) storing a visitor's
# message in one of them through append_message; HOLD: a transaction with a snapshot (REPEATABLE READ, as a report's
# query holds one) stays open meanwhile. The share comes from pg_stat_user_tables (n_tup_hot_upd / n_tup_upd).
# Usage: bench/dialog-hot.sh [work-dir]   (CASES="100:0 80:0 100:1 80:1" as fillfactor:hold; the dialogs stay)
set -euo pipefail
WORK=${1:-/tmp/report-bench}
PGPORT=${PGPORT:-55432}
SECONDS_EACH=${SECONDS_EACH:-20}
CASES=${CASES:-"100:0 80:0 100:1 80:1"}
[[ -f $WORK/loaded ]] || { echo "no loaded benchmark data in $WORK (run bench/reports.sh first)" >&2; exit 1; }
[[ $(id -u) == 0 ]] && RUN=(runuser -u nobody --) || RUN=()
"${RUN[@]}" pg_ctl -D "$WORK/pg" -l "$WORK/pg.log" -w start \
    -o "-p $PGPORT -k $WORK -c shared_buffers=1GB -c work_mem=64MB -c max_wal_size=8GB" >/dev/null
P=(psql -h 127.0.0.1 -p "$PGPORT" -U bench -d gateway -X -q -v ON_ERROR_STOP=1)
FILLFACTOR=$("${P[@]}" -Atc "SELECT coalesce((SELECT option_value FROM pg_options_to_table((SELECT reloptions FROM pg_class WHERE relname = 'dialog')) WHERE option_name = 'fillfactor'), '100')")
stop() {
    "${P[@]}" -c "ALTER TABLE dialog SET (fillfactor = $FILLFACTOR)" || true
    "${RUN[@]}" pg_ctl -D "$WORK/pg" -m fast stop >/dev/null || true
}
trap stop EXIT
counters() { "${P[@]}" -Atc "SELECT n_tup_upd || ' ' || n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'dialog'"; }
echo "| fillfactor | a report's snapshot open | appends per s | dialog updates | heap-only | share | load average |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for c in $CASES; do
    ff=${c%%:*}; hold=${c#*:}; tag="hot$(date +%s%N)"
    "${P[@]}" -v ff="$ff" -v tag="$tag" <<'SQL'
ALTER TABLE dialog SET (fillfactor = :ff);
INSERT INTO visitor (id, site_id, token_hash, name)
SELECT md5(:'tag' || 'v' || i)::uuid, 'applicant', sha256((:'tag' || 'v' || i)::bytea), 'hot'
FROM generate_series(1, 1000) i;
INSERT INTO dialog (id, visitor_id, site_id, line_id, channel, state, agent_id, last_seq, queued_at, assigned_at)
SELECT md5(:'tag' || 'd' || i)::uuid, md5(:'tag' || 'v' || i)::uuid, 'applicant', 'applicant-recruitment', 'WIDGET',
       'ASSIGNED', (SELECT min(id) FROM agent), 0, now(), now()
FROM generate_series(1, 1000) i;
SQL
    cat >"$WORK/hot-$tag.sql" <<SQL
\set i random(1, 1000)
SELECT status FROM append_message(md5('${tag}d' || :i)::uuid, 'VISITOR', md5('${tag}v' || :i)::uuid, NULL, NULL, NULL, NULL, 'bench 1234567890 Здравствуйте! Подскажите, пожалуйста, сроки подачи документов на заочное.', true);
SQL
    sleep 1.5   # the statistics are flushed at most once a second
    read -r u0 h0 < <(counters)
    holder=
    if [[ $hold == 1 ]]; then
        "${P[@]}" -c "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM dialog; SELECT pg_sleep($SECONDS_EACH + 2); COMMIT" >/dev/null &
        holder=$!
        sleep 0.5
    fi
    out=$(pgbench -h 127.0.0.1 -p "$PGPORT" -U bench -n -c 4 -j 2 -T "$SECONDS_EACH" -f "$WORK/hot-$tag.sql" gateway 2>&1)
    [[ -n $holder ]] && wait "$holder"
    sleep 1.5
    read -r u1 h1 < <(counters)
    rm -f "$WORK/hot-$tag.sql"
    printf '| %s | %s | %s | %d | %d | %s | %s |\n' "$ff" "$([[ $hold == 1 ]] && echo yes || echo no)" \
        "$(grep -oP 'tps = \K[0-9]+' <<<"$out" | head -1)" $((u1 - u0)) $((h1 - h0)) \
        "$(awk -v u=$((u1 - u0)) -v h=$((h1 - h0)) 'BEGIN {printf "%.2f", u ? h / u : 0}')" "$(cut -d' ' -f1 /proc/loadavg)"
done
