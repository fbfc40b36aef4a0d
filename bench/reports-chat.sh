#!/usr/bin/env bash
# The chat path while reports run (issue 19: "the report queries do not slow the chat path by more than 5 % at
# 1,000 msg/s while they run"; docs/benchmarks.md, "The chat path while reports run").
#
# On the report benchmark's loaded database (bench/reports.sh's work dir; loaded here first, with DIALOGS dialogs, when
# it is not), the gateway carries the generator's chat (bench/run.sh's chat scenario: CHAT_VISITORS visitors,
# CHAT_AGENTS agents, RATE msg/s, WARMUP + DURATION s) REPEATS times without and with a report load, alternating
# (quiet, reports, quiet, reports, ...), a fresh gateway for every run. The report load starts when the chat's dialogs
# are assigned (before the warm-up) and stops when the generator ends: REPORT_CLIENTS administrators, each logged in
# to the console once, ask every report in turn (the eight of bench/reports.sh, for one line's May and for all lines'
# year) as fast as the report places allow (gateway.report.concurrency: 2 at once per node, 1 per user, so that
# with 4 clients two run and two wait); a refused one (429 or 503) is asked again after REPORT_PAUSE s.
#
# Usage: bench/reports-chat.sh [work-dir]   (default /tmp/report-bench; needs initdb/pg_ctl/psql, Java 17, the
# gateway jar built: mvn -o package -DskipTests). Everything stays on 127.0.0.1 and stops at the end.
# Results in OUT (default bench/results/<time>-reports-chat): per run the generator's JSON (sustained rate,
# latencies, gateway and PostgreSQL CPU per message, the dialog row's heap-only update share) and the report log;
# summary.md: the medians of each kind of run, the ratios with/without, and the reports answered and refused.
# The runs add their dialogs, messages and agents (100 per run) to the loaded data.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
WORK=${1:-/tmp/report-bench}
PGPORT=${PGPORT:-55432}
HTTP=${HTTP:-18080}
GATEWAY_JAR=${GATEWAY_JAR:-$ROOT/target/contact-gateway-0.1.0-SNAPSHOT.jar}
DIALOGS=${DIALOGS:-1000000}           # only when the work dir is not loaded yet
REPEATS=${REPEATS:-3}
MODES=${MODES:-"quiet reports"}       # the kinds of run, alternating; the first is the baseline of the ratios, and
                                      # a kind whose name starts with "reports" has the report load
BEFORE_EACH=${BEFORE_EACH:-}          # a command run before each run (bash -c, with MODE, R and PGPORT set): e.g.
                                      # MODES="ff100 ff80" BEFORE_EACH='psql -h 127.0.0.1 -p $PGPORT -U bench -d gateway \
                                      #   -c "ALTER TABLE dialog SET (fillfactor = ${MODE#ff})"' compares two fillfactors
MODE_ARGS=${MODE_ARGS:-}              # a command (bash -c, with MODE set) whose output is added to that run's gateway
                                      # arguments: e.g. MODES="quiet reports reports-off" MODE_ARGS='[[ $MODE == *-off ]] \
                                      #   && echo --gateway.report.backend-nice=off --gateway.report.parallel-workers=-1'
GATEWAY_ARGS=${GATEWAY_ARGS:-}        # added to every run's gateway arguments
BASELINE=${MODES%% *}
RATE=${RATE:-1000}
CHAT_VISITORS=${CHAT_VISITORS:-1000}
CHAT_AGENTS=${CHAT_AGENTS:-100}
CHAT_MAX_DIALOGS=${CHAT_MAX_DIALOGS:-12}
WARMUP=${WARMUP:-10}
DURATION=${DURATION:-30}
REPORT_CLIENTS=${REPORT_CLIENTS:-4}
SETUP_TIMEOUT=${SETUP_TIMEOUT:-600}   # seconds the generator may take to create its agents and open its dialogs
REPORT_PAUSE=${REPORT_PAUSE:-0.2}
QUERY_TIMEOUT=${QUERY_TIMEOUT:-}      # empty: the gateway's own bounds (a report query 10 s, a request 15 s)
SOURCES=${SOURCES:-4}
GEN_THREADS=${GEN_THREADS:-2}
GATEWAY_XMX=${GATEWAY_XMX:-2g}
GEN_XMX=${GEN_XMX:-2g}
PASSWORD=bench-admin-password        # the built-in admin's, as bench/reports.sh sets it
ADMIN_PASSWORD=chatcost-admin-pw     # the report clients' accounts: reports-admin1 ... (ADMIN)
CLUSTER=reports-bench-$PGPORT        # the cluster_name: the generator finds PostgreSQL's processes by it
OUT=${OUT:-$HERE/results/$(date +%Y%m%d-%H%M%S)-reports-chat}
mkdir -p "$OUT"
log() { echo "[reports-chat $(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

[[ -f $GATEWAY_JAR ]] || { echo "no gateway jar at $GATEWAY_JAR (mvn -o package -DskipTests)" >&2; exit 1; }
if [[ ! -f $WORK/loaded ]]; then
    log "no loaded data in $WORK: loading $DIALOGS dialogs with bench/reports.sh (asks the month's reports once)"
    DIALOGS=$DIALOGS PGPORT=$PGPORT HTTP=$HTTP GATEWAY_JAR=$GATEWAY_JAR RUNS=1 SCOPES=month \
        "$HERE/reports.sh" "$WORK" >"$OUT/load.md" 2>"$OUT/load.log"
fi
log "data: $(cat "$WORK/loaded" 2>/dev/null || true) in $WORK"

ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
log "building the generator (bench/)"
(cd "$HERE" && { mvn -q -B -o package -DskipTests || mvn -q -B package -DskipTests; })
cp "$HERE/target/contact-gateway-bench.jar" "$OUT/contact-gateway-bench.jar"
cp "$GATEWAY_JAR" "$OUT/gateway.jar"   # a private copy: a rebuild during the runs changes nothing
BENCH_JAR=$OUT/contact-gateway-bench.jar
GATEWAY_JAR=$OUT/gateway.jar

[[ $(id -u) == 0 ]] && RUN=(runuser -u nobody --) || RUN=()
"${RUN[@]}" pg_ctl -D "$WORK/pg" -l "$WORK/pg.log" -w start \
    -o "-p $PGPORT -k $WORK $REPORT_PG_SETTINGS -c cluster_name=$CLUSTER" \
    >/dev/null
PSQL=(psql -h 127.0.0.1 -p "$PGPORT" -U bench -d gateway -X -q -v ON_ERROR_STOP=1)
REPORTERS=()
cleanup() {
    local pid
    for pid in "${REPORTERS[@]+"${REPORTERS[@]}"}"; do kill "$pid" 2>/dev/null || true; done
    stop_started
    "${RUN[@]}" pg_ctl -D "$WORK/pg" -m fast stop >/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

GATEWAY_PID=
start_gateway() {  # log file, mode
    local timeouts=() extra
    extra="$GATEWAY_ARGS"
    [[ -n $MODE_ARGS ]] && extra="$extra $(MODE=$2 bash -c "$MODE_ARGS" || true)"
    [[ -n $QUERY_TIMEOUT ]] && timeouts=(--gateway.report.query-timeout="$QUERY_TIMEOUT"
                                         --gateway.web.request-timeout="$QUERY_TIMEOUT")
    mkdir -p "$WORK/gateway-cwd"
    # as bench/reports.sh (the sweeps that would bind a million dialogs to cards pushed out of the way) and as
    # bench/run.sh (the generator's per-client limits lifted, dialogs join the line at open); the outbox is not
    # relayed: the task check at each start mails the supervisors about 500 of the data's unclassified dialogs, and
    # without an SMTP server the relay would retry them all through the runs
    (cd "$WORK/gateway-cwd" && exec env \
        SPRING_R2DBC_URL="r2dbc:postgresql://127.0.0.1:$PGPORT/gateway" SPRING_R2DBC_USERNAME=bench \
        SPRING_FLYWAY_URL="jdbc:postgresql://127.0.0.1:$PGPORT/gateway" SPRING_FLYWAY_USER=bench \
        GATEWAY_AGENT_ADMIN_PASSWORD=$PASSWORD \
        java -Xmx"$GATEWAY_XMX" -XX:+UseG1GC -jar "$GATEWAY_JAR" --server.port="$HTTP" \
            --gateway.cards.sweep-interval=100d --gateway.tasks.check-interval=100d \
            --gateway.files.move-interval=100d --gateway.report.missed-check-interval=100d \
            --gateway.outbox.relay-enabled=false \
            "${timeouts[@]+"${timeouts[@]}"}" $(gateway_load_args) $extra >"$1" 2>&1) &
    GATEWAY_PID=$!
    STARTED+=("$GATEWAY_PID")
    local started=$SECONDS
    while (( SECONDS - started < 1200 )); do
        curl -fs "http://127.0.0.1:$HTTP/actuator/health/readiness" >/dev/null && return 0
        alive "$GATEWAY_PID" || break
        sleep 1
    done
    log "the gateway did not start: $1"
    exit 1
}

# the report clients' accounts (kept in the database from run to run: 201 the first time, 409 after)
create_admins() {
    local n status
    for n in $(seq 1 "$REPORT_CLIENTS"); do
        status=$(curl -s -o "$OUT/admin.answer" -w '%{http_code}' -u "admin:$PASSWORD" -H 'Content-Type: application/json' \
            -d "{\"login\":\"reports-admin$n\",\"displayName\":\"Reports $n\",\"password\":\"$ADMIN_PASSWORD\",\"roles\":[\"ADMIN\"],\"lines\":[],\"maxDialogs\":1}" \
            "http://127.0.0.1:$HTTP/api/admin/agents")
        [[ $status == 201 || $status == 409 ]] || { log "could not create reports-admin$n: $status $(cat "$OUT/admin.answer")"; exit 1; }
    done
}

MONTH="from=2026-05-01&to=2026-05-31&line=applicant-recruitment&step=day"
YEAR="from=2026-01-01&to=2026-12-31&step=month&by=line"
REPORTS=()
for q in "month:$MONTH" "year:$YEAR"; do
    s=${q%%:*}; q=${q#*:}
    REPORTS+=("$s dialogs/figures?$q" "$s dialogs/waits?$q" "$s deadlines/figures?$q" "$s agents?$q"
              "$s offline-forms?$q" "$s dialogs?$q&figure=answered"
              "$s deadlines?$q&rule=classification&status=missed" "$s dialogs.csv?$q&figure=answered")
done

# report_client N LOG STOPFILE: logs in as reports-adminN, then asks the reports in turn (from the N-th on, so that
# the clients ask different ones) until STOPFILE exists; one line per answer: end time (epoch s), client, HTTP status,
# seconds, scope, path
report_client() {
    local n=$1 logfile=$2 stop=$3 jar i answer
    jar=$(mktemp)
    curl -s -o /dev/null -c "$jar" --data-urlencode "username=reports-admin$n" \
        --data-urlencode "password=$ADMIN_PASSWORD" "http://127.0.0.1:$HTTP/login"
    i=$(( (n - 1) * ${#REPORTS[@]} / REPORT_CLIENTS ))
    while [[ ! -f $stop ]]; do
        local entry=${REPORTS[$(( i % ${#REPORTS[@]} ))]}
        answer=$(curl -s -o /dev/null -b "$jar" --max-time 120 -w '%{http_code} %{time_total}' \
            "http://127.0.0.1:$HTTP/api/reports/${entry#* }" || echo "000 0")
        echo "$(date +%s.%N) $n $answer ${entry%% *} ${entry#* }" >>"$logfile"
        case ${answer%% *} in
            429|503) sleep "$REPORT_PAUSE" ;;
            200) i=$((i + 1)) ;;
            *) i=$((i + 1)); sleep "$REPORT_PAUSE" ;;
        esac
    done
    rm -f "$jar"
}

# run MODE R: one chat run, with the report load when MODE starts with "reports"
run() {
    local mode=$1 r=$2 name="chat-r$RATE-$1-r$2"
    log "$name"
    if [[ -n $BEFORE_EACH ]]; then
        MODE=$mode R=$r PGPORT=$PGPORT bash -c "$BEFORE_EACH" >>"$OUT/run.log" 2>&1 || log "BEFORE_EACH failed"
    fi
    # the dialogs an earlier run left open (the loaded data's are all closed) would wait in the line ahead of this
    # run's and take its agents' places: closed, and their holds ended
    "${PSQL[@]}" -c "UPDATE dialog_hold SET ended_at = greatest(started_at, now()) WHERE ended_at IS NULL" \
        -c "UPDATE dialog SET state = 'CLOSED', closed_at = now(), closed_by = 'SYSTEM' WHERE state <> 'CLOSED'" \
        -c CHECKPOINT
    start_gateway "$OUT/$name.server.log" "$mode"
    [[ $mode == reports* ]] && create_admins
    java -Xmx"$GEN_XMX" -XX:+UseG1GC -jar "$BENCH_JAR" chat --url "http://127.0.0.1:$HTTP" --pid "$GATEWAY_PID" \
        --visitors "$CHAT_VISITORS" --agents "$CHAT_AGENTS" --max-dialogs "$CHAT_MAX_DIALOGS" --rate "$RATE" \
        --warmup "$WARMUP" --duration "$DURATION" --sources "$SOURCES" --threads "$GEN_THREADS" --label "$mode" \
        --admin "admin:$PASSWORD" --db "jdbc:postgresql://127.0.0.1:$PGPORT/gateway?user=bench" \
        --pg-cluster "$CLUSTER" --out "$OUT/$name.json" >/dev/null 2>"$OUT/$name.gen.log" &
    local gen=$!
    STARTED+=("$gen")
    # the window opens WARMUP s after the dialogs are ready (the generator logs it); the reports start then. A
    # generator whose set-up failed (an agent not created) may not exit by itself: it is stopped after SETUP_TIMEOUT s.
    local setup=$SECONDS
    while alive "$gen" && ! grep -q 'dialogs assigned and followed' "$OUT/$name.gen.log"; do
        if grep -q 'Exception in thread "main"' "$OUT/$name.gen.log" || (( SECONDS - setup > SETUP_TIMEOUT )); then
            log "$name: the generator's set-up failed (see $name.gen.log)"
            stop_pid "$gen"
            break
        fi
        sleep 0.2
    done
    local ready
    ready=$(date +%s.%N)
    echo "$name $ready $(awk -v r="$ready" -v w="$WARMUP" 'BEGIN {printf "%.3f", r + w}') \
$(awk -v r="$ready" -v w="$WARMUP" -v d="$DURATION" 'BEGIN {printf "%.3f", r + w + d}')" >>"$OUT/windows.txt"
    if [[ $mode == reports* ]]; then
        rm -f "$OUT/$name.stop"
        for n in $(seq 1 "$REPORT_CLIENTS"); do
            report_client "$n" "$OUT/$name.reports.log" "$OUT/$name.stop" &
            REPORTERS+=($!)
        done
    fi
    wait "$gen" || log "$name: the generator failed (see $name.gen.log)"
    forget "$gen"
    if [[ $mode == reports* ]]; then
        touch "$OUT/$name.stop"
        local pid
        for pid in "${REPORTERS[@]}"; do wait "$pid" 2>/dev/null || true; done
        REPORTERS=()
    fi
    tail -n 2 "$OUT/$name.gen.log" | sed 's/^/    /' >&2
    stop_pid "$GATEWAY_PID"
}

{
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "postgres: $("${PSQL[@]}" -Atc 'show server_version') $REPORT_PG_SETTINGS, data $(cat "$WORK/loaded"), $("${PSQL[@]}" -Atc "SELECT 'dialogs ' || (SELECT count(*) FROM dialog) || ', dialog fillfactor ' || coalesce((SELECT array_to_string(reloptions, ',') FROM pg_class WHERE relname = 'dialog'), 'default')")"
    echo "gateway: $GATEWAY_JAR -Xmx$GATEWAY_XMX $(gateway_load_args)"
    echo "gateway arguments added: ${GATEWAY_ARGS:-none}; per mode: ${MODE_ARGS:-none}"
    echo "settings: REPEATS=$REPEATS MODES='$MODES' RATE=$RATE V=$CHAT_VISITORS A=$CHAT_AGENTS warmup=$WARMUP duration=$DURATION report clients=$REPORT_CLIENTS pause=$REPORT_PAUSE query timeout=${QUERY_TIMEOUT:-default}"
} >"$OUT/environment.txt"
cat "$OUT/environment.txt" >&2

for r in $(seq 1 "$REPEATS"); do
    for mode in $MODES; do
        run "$mode" "$r"
    done
done

# the reports answered inside each run's measurement window
report_summary() {
    echo "### The report load inside the measurement window (${DURATION} s)"
    echo
    echo "| run | answered (200) | refused 429 | refused 503 | other | answers per minute | median s: month | median s: year |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    local name ready from to
    while read -r name ready from to; do
        [[ -f $OUT/$name.reports.log ]] || continue
        awk -v name="$name" -v from="$from" -v to="$to" -v d="$DURATION" '
            function median(a, n,   i, j, t) {
                for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
                return n == 0 ? "" : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
            }
            $1 >= from && $1 <= to {
                if ($3 == 200) { ok++; if ($5 == "month") m[++nm] = $4; else y[++ny] = $4 }
                else if ($3 == 429) r429++
                else if ($3 == 503) r503++
                else other++
            }
            END { printf "| %s | %d | %d | %d | %d | %.1f | %s | %s |\n", name, ok, r429, r503, other, ok * 60 / d,
                      median(m, nm), median(y, ny) }' "$OUT/$name.reports.log"
    done <"$OUT/windows.txt"
}

{
    echo "# The chat at $RATE msg/s: $MODES"
    echo
    cat "$OUT/environment.txt"
    echo
    echo "Ratios are to $BASELINE. PostgreSQL CPU per message with the report load includes the reports' own queries;"
    echo "gateway CPU per message includes answering them. dialog_hot_update_share: the dialog row updates that were heap-only."
    java -jar "$BENCH_JAR" summarize --dir "$OUT" --baseline "$BASELINE"
    echo
    report_summary
} >"$OUT/summary.md"
log "summary: $OUT/summary.md"
cat "$OUT/summary.md"
