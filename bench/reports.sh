#!/usr/bin/env bash
# The report benchmark (docs/benchmarks.md, "Reports on a million dialogs"): a PostgreSQL of its own, the gateway
# migrating it, 1,000,000 dialogs and 10,000,000 messages generated in SQL (bench/reports-data.sql), then each report
# asked 3 times over REST for one line and a month and for all lines and a year; prints the median of each.
# Usage: bench/reports.sh [work-dir]   (needs initdb/pg_ctl/psql on the PATH, Java 17, the gateway jar built:
# mvn -o package -DskipTests). Everything stays on 127.0.0.1 and stops at the end.
# DIALOGS=N generates N dialogs (and 10 N messages) over the same year instead of a million (e.g. DIALOGS=100000 to
# develop: a tenth of the load time; the file `loaded` in the work dir says how many); the requests are the same.
# GATEWAY_ARGS adds arguments to the gateway's command line (e.g. --gateway.report.rollup.enabled=false: every
# report counted from the dialogs, as without the roll-ups).
# REUSE=1 keeps a work dir whose data was loaded by an earlier run (it holds the file `loaded`): the gateway then
# only applies its newer migrations (new indexes) before the reports are asked again.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WORK=${1:-/tmp/report-bench}
PGPORT=${PGPORT:-55432}
HTTP=${HTTP:-18080}
JAR=${GATEWAY_JAR:-$ROOT/target/contact-gateway-0.1.0-SNAPSHOT.jar}
PASSWORD=bench-admin-password
DIALOGS=${DIALOGS:-1000000}
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

REUSE=${REUSE:-0}
[[ $REUSE == 1 && -f $WORK/loaded ]] || { REUSE=0; rm -rf "$WORK" && mkdir -p "$WORK"; }
[[ $(id -u) == 0 ]] && chown -R nobody "$WORK" && RUN=(runuser -u nobody --) || RUN=()
[[ $REUSE == 1 ]] || "${RUN[@]}" initdb -D "$WORK/pg" -U bench -A trust >/dev/null
# EXPLAIN=1 logs the plan of every statement over 200 ms with its buffers into $WORK/pg.log (auto_explain): the
# timings are then a little slower, use it to see why, not for the table
PLANS=
[[ ${EXPLAIN:-0} == 1 ]] && PLANS="-c session_preload_libraries=auto_explain -c auto_explain.log_min_duration=200ms \
    -c auto_explain.log_analyze=on -c auto_explain.log_buffers=on -c auto_explain.log_timing=off"
"${RUN[@]}" pg_ctl -D "$WORK/pg" -l "$WORK/pg.log" -w start \
    -o "-p $PGPORT -k $WORK $REPORT_PG_SETTINGS $PLANS"
GATEWAY_PID=
stop() {
    [[ -n $GATEWAY_PID ]] && kill "$GATEWAY_PID" 2>/dev/null && wait "$GATEWAY_PID" 2>/dev/null || true
    "${RUN[@]}" pg_ctl -D "$WORK/pg" -m fast stop >/dev/null || true
}
trap stop EXIT
[[ $REUSE == 1 ]] || psql -h 127.0.0.1 -p "$PGPORT" -U bench -d postgres -qc "CREATE DATABASE gateway"

start_gateway() {
    # the periodic sweeps would bind a million dialogs to cards and mail escalations: not what is measured here;
    # the query and request timeouts are raised so that a slow report is measured, not cancelled (production: 20 s
    # for the query, 15 s for any request)
    SPRING_R2DBC_URL=r2dbc:postgresql://127.0.0.1:$PGPORT/gateway SPRING_R2DBC_USERNAME=bench \
    SPRING_FLYWAY_URL=jdbc:postgresql://127.0.0.1:$PGPORT/gateway SPRING_FLYWAY_USER=bench \
    GATEWAY_AGENT_ADMIN_PASSWORD=$PASSWORD \
        java -Xmx1g -jar "$JAR" --server.port="$HTTP" --gateway.cards.sweep-interval=100d \
        --gateway.tasks.check-interval=100d --gateway.files.move-interval=100d \
        --gateway.report.missed-check-interval=100d --gateway.report.rollup.delay=0s \
        --gateway.report.query-timeout="${QUERY_TIMEOUT:-300s}" --gateway.web.request-timeout="${QUERY_TIMEOUT:-300s}" \
        ${GATEWAY_ARGS:-} \
        >"$WORK/gateway.log" 2>&1 &
    GATEWAY_PID=$!
    # a loaded machine takes minutes to start it, and new migrations build their indexes on the loaded tables
    local started=$SECONDS
    while (( SECONDS - started < 1200 )); do
        curl -fs "http://127.0.0.1:$HTTP/actuator/health/readiness" >/dev/null && return 0
        kill -0 "$GATEWAY_PID" 2>/dev/null || break
        sleep 2
    done
    log "the gateway did not start: $WORK/gateway.log"; exit 1
}

if [[ $REUSE == 0 ]]; then
    log "migrating an empty database (the gateway's Flyway)"
    start_gateway
    kill "$GATEWAY_PID"; wait "$GATEWAY_PID" 2>/dev/null || true; GATEWAY_PID=
    log "generating $DIALOGS dialogs and $((DIALOGS * 10)) messages"
    psql -h 127.0.0.1 -p "$PGPORT" -U bench -d gateway -v dialogs="$DIALOGS" -f "$HERE/reports-data.sql" >"$WORK/data.log"
    echo "dialogs=$DIALOGS" > "$WORK/loaded"
fi
grep -E "^Time|^ *[0-9]+$" "$WORK/data.log" >&2 || true
log "starting the gateway on the generated data"
start_gateway
grep -E "Migrating schema|Successfully applied" "$WORK/gateway.log" | tail -3 >&2 || true
# a gateway with the per-day roll-ups (V61) rolls up every past day at its start: the reports are asked once its
# first pass has logged (a gateway without them is asked at once)
if [[ ${GATEWAY_ARGS:-} != *rollup.enabled=false* && $(unzip -l "$JAR" 2>/dev/null) == *report/ReportRollups.class* ]]
then
    started=$SECONDS
    until grep -q "Report roll-ups:" "$WORK/gateway.log"; do
        (( SECONDS - started < 3600 )) || { log "no roll-up pass logged in an hour: $WORK/gateway.log"; exit 1; }
        sleep 2
    done
    grep -o "Report roll-ups:.*" "$WORK/gateway.log" | head -1 >&2
fi
psql -h 127.0.0.1 -p "$PGPORT" -U bench -d gateway -Atc \
    "SELECT 'dialogs ' || (SELECT count(*) FROM dialog) || ', messages ' || (SELECT count(*) FROM message)" >&2

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
RUNS=${RUNS:-3}
# AUTH=session (the default) logs in once, as the console does, and asks every report with that session's cookie;
# AUTH=basic sends the password with every request (HTTP Basic, as a script might), so that every answer includes
# one password check (BCrypt, tens of milliseconds)
AUTH=${AUTH:-session}
CREDENTIALS=(-u "admin:$PASSWORD")
if [[ $AUTH == session ]]; then
    curl -fs -o /dev/null -c "$WORK/session" --data-urlencode "username=admin" --data-urlencode "password=$PASSWORD" \
        "http://127.0.0.1:$HTTP/login" || { log "the login failed"; exit 1; }
    CREDENTIALS=(-b "$WORK/session")
fi
# ONLY=<regex> asks only the reports whose name matches (e.g. ONLY='agents|offline')
measure() {  # name, path and query
    local times=() t
    [[ -n ${ONLY:-} && ! $1 =~ $ONLY ]] && return 0
    for _ in $(seq 1 "$RUNS"); do
        t=$(curl -s -o "$WORK/answer" -w '%{http_code} %{time_total}' "${CREDENTIALS[@]}" \
            "http://127.0.0.1:$HTTP/api/reports/$2")
        if [[ ${t%% *} != 200 ]]; then  # a report past the timeout is a row of its own, not the end of the run
            log "$1: HTTP ${t%% *} after ${t#* } s: $(head -c 300 "$WORK/answer")"
            printf '| %s | `%s` | HTTP %s after %.0f s |\n' "$1" "$2" "${t%% *}" "${t#* }"
            return 0
        fi
        times+=("${t#* }")
    done
    log "$1: ${times[*]} s"
    printf '| %s | `%s` | %.0f |\n' "$1" "$2" "$(printf '%s\n' "${times[@]}" | median | awk '{print $1 * 1000}')"
}
MONTH="from=2026-05-01&to=2026-05-31&line=applicant-recruitment"
YEAR="from=2026-01-01&to=2026-12-31"
# SCOPES=month or SCOPES=year asks only one of the two (the year's reports take minutes each on a loaded machine)
SCOPES=${SCOPES:-month,year}
echo "| report | request | median of $RUNS (the year: ${YEAR_RUNS:-$RUNS}), ms, AUTH=$AUTH |"
echo "|---|---|---|"
for scope in "one line, May:$MONTH&step=day" "all lines, 2026:$YEAR&step=month&by=line"; do
    [[ $SCOPES == *month* || $scope != one* ]] || continue
    [[ $SCOPES == *year* || $scope != all* ]] || continue
    [[ $scope == all* ]] && RUNS=${YEAR_RUNS:-$RUNS}
    name=${scope%%:*}; q=${scope#*:}
    measure "dialog figures, $name" "dialogs/figures?$q"
    measure "waits, $name" "dialogs/waits?$q"
    measure "deadline figures, $name" "deadlines/figures?$q"
    measure "agents, $name" "agents?$q"
    measure "offline forms, $name" "offline-forms?$q"
    measure "answered dialogs (500), $name" "dialogs?$q&figure=answered"
    measure "missed classifications (500), $name" "deadlines?$q&rule=classification&status=missed"
    measure "answered dialogs as CSV (≤ 10,000), $name" "dialogs.csv?$q&figure=answered"
done
