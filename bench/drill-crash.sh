#!/usr/bin/env bash
# The crash drill (issue 8, docs/reliability.md "Crash (kill -9 at load)"):
#
#   bench/drill-crash.sh
#
# For each of $RUNS runs: a fresh database ($BENCH_DB), the gateway on :$PORT, the generator's `crash` mode
# (chat at $RATE msg/s between $VISITORS visitors and $AGENTS agents, clients that reconnect, resume and
# re-send like the widget and the console); $KILL_AFTER s into the load the gateway is killed with kill -9 and
# started again at once on the same database; the generator carries on until the load ($LOAD s) is over,
# waits until every session is resumed and every message acknowledged and delivered, then compares what
# it was acknowledged with PostgreSQL and reports recovery times. Results: $OUT (one JSON per run, the
# gateway's logs of both processes, summary.md with the medians).
#
# Settings (defaults in brackets): RUNS [3], RATE [1000], VISITORS [1000], AGENTS [100], MAX_DIALOGS [12],
# LOAD [60 s], KILL_AFTER [20 s], ABSENT_AGENTS [0: agents that do not come back after the crash; their
# dialogs must be re-queued after the grace period], PORT [18181], BENCH_DB [gateway_crash],
# GATEWAY_FROM [worktree|head], GATEWAY_JAR, GATEWAY_XMX [2g], GEN_XMX [2g], GATEWAY_OPTS (extra --options
# for the gateway), GATEWAY_CDS [0; 1: run the gateway from the extracted jar with a class-data-sharing archive
# made by a training start, as a deployment that wants a fast restart would], GATEWAY_AOT [0; 1: run the gateway
# from the extracted jar with an AOT cache of JDK 25 or later (GATEWAY_JAVA, default the machine's Temurin 25),
# trained by one shortened drill run whose gateway is stopped with SIGTERM instead of kill -9, so the cache holds
# the classes and method profiles of a start, a chat load and a reconnection storm], GEN_OPTS (extra generator
# options, e.g. "--relogin-spread-ms 30000": agents log in again at random within 30 s, as people would). Everything this script starts is stopped when it ends, also on Ctrl-C or failure.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

RUNS=${RUNS:-3}
RATE=${RATE:-1000}
VISITORS=${VISITORS:-1000}
AGENTS=${AGENTS:-100}
MAX_DIALOGS=${MAX_DIALOGS:-12}
LOAD=${LOAD:-60}
KILL_AFTER=${KILL_AFTER:-20}
ABSENT_AGENTS=${ABSENT_AGENTS:-0}
HOST=127.0.0.1
PORT=${PORT:-18181}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
DB=${BENCH_DB:-gateway_crash}
ADMIN_PASSWORD=bench-admin-pw
GATEWAY_FROM=${GATEWAY_FROM:-worktree}
GATEWAY_JAR=${GATEWAY_JAR:-}
GATEWAY_XMX=${GATEWAY_XMX:-2g}
GEN_XMX=${GEN_XMX:-2g}
GATEWAY_OPTS=${GATEWAY_OPTS:-}
GATEWAY_CDS=${GATEWAY_CDS:-0}
GATEWAY_AOT=${GATEWAY_AOT:-0}             # 1: JDK 25+ AOT cache (JEP 483/514/515), trained by one drill run
GATEWAY_JAVA=${GATEWAY_JAVA:-java}        # the gateway's java; the generator always runs on the default java
GEN_OPTS=${GEN_OPTS:-}
GATEWAY_JVM_OPTS=${GATEWAY_JVM_OPTS:-}     # extra JVM options for both gateway processes
RESTART_JVM_OPTS=${RESTART_JVM_OPTS:-}     # … only for the restarted one, e.g. "-XX:StartFlightRecording=filename=/tmp/r.jfr,settings=profile"
SOURCES=${SOURCES:-4}
GEN_THREADS=${GEN_THREADS:-2}
OUT=${OUT:-$HERE/results/$(date +%Y%m%d-%H%M%S)-crash}
WORK=${WORK:-/tmp/contact-gateway-crash}
mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)   # the gateway runs in a folder of its own: every path must be absolute

log() { echo "[drill-crash $(date +%H:%M:%S.%3N)] $*" | tee -a "$OUT/drill.log" >&2; }
now_ms() { date +%s%3N; }

# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
prepare_machine
cleanup() {
    stop_started
    restore_machine
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- builds ------------------------------------------------------------------------------------
build_jars
JAVA_CDS=()

# --- the gateway -------------------------------------------------------------------------------
GW_PID=
fresh_db() {
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qX \
        -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
}

# start_gateway LOG [extra JVM options]: starts the process (GW_PID) and returns at once
start_gateway() {
    local extra=${2:-}
    mkdir -p "$WORK/gateway-cwd"
    (cd "$WORK/gateway-cwd" && exec env \
        SPRING_R2DBC_URL="r2dbc:postgresql://$PG_HOST:$PG_PORT/$DB" \
        SPRING_R2DBC_USERNAME=postgres \
        SPRING_FLYWAY_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB" \
        SPRING_FLYWAY_USER=postgres \
        GATEWAY_AGENT_ADMIN_PASSWORD=$ADMIN_PASSWORD \
        "$GATEWAY_JAVA" -Xmx"$GATEWAY_XMX" -XX:+UseG1GC "${JAVA_CDS[@]+"${JAVA_CDS[@]}"}" $GATEWAY_JVM_OPTS $extra -jar "$GATEWAY_JAR" \
            --server.port="$PORT" \
            $(gateway_load_args) $GATEWAY_OPTS \
            >"$1" 2>&1) &
    GW_PID=$!
    STARTED+=("$GW_PID")
}

# wait_ready PID: polls readiness every 50 ms; prints the epoch ms it answered UP
wait_ready() {
    local pid=$1
    for _ in $(seq 1 3600); do
        if curl -sf -m 1 -o /dev/null "http://$HOST:$PORT/actuator/health/readiness"; then
            now_ms
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || { log "gateway $pid died while starting"; return 1; }
        sleep 0.05
    done
    log "gateway not ready after 180 s"
    return 1
}

# extract_jar DIR: the gateway from Spring Boot's extracted layout in DIR (CDS and an AOT cache need the classes
# in plain jars, not in the nested jars of the executable one)
extract_jar() {
    rm -rf "$1" && java -Djarmode=tools -jar "$GATEWAY_JAR" extract --destination "$1" >/dev/null
    GATEWAY_JAR="$1/gateway.jar"
}

if [[ $GATEWAY_CDS == 1 ]]; then
    # Spring Boot's recipe: extract the jar, record the classes of one start up to the context refresh
    log "CDS: extracting the jar and training the archive"
    extract_jar "$OUT/gateway-cds"
    fresh_db
    start_gateway "$OUT/cds-training.log" "-XX:ArchiveClassesAtExit=$OUT/gateway.jsa -Dspring.context.exit=onRefresh"
    wait "$GW_PID" || true
    forget "$GW_PID"
    [[ -f $OUT/gateway.jsa ]] || { log "CDS: no archive (see cds-training.log)"; exit 1; }
    JAVA_CDS=(-XX:SharedArchiveFile="$OUT/gateway.jsa")
fi

if [[ $GATEWAY_AOT == 1 ]]; then
    if [[ $GATEWAY_JAVA == java && -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
        GATEWAY_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
    fi
    "$GATEWAY_JAVA" -XX:+PrintFlagsFinal -version 2>/dev/null | grep -q AOTCacheOutput \
        || { log "AOT: $GATEWAY_JAVA has no AOT cache (JDK 25 or later needed; set GATEWAY_JAVA)"; exit 1; }
    log "AOT: extracting the jar (an AOT cache, like CDS, needs the classes in plain jars)"
    extract_jar "$OUT/gateway-aot"
fi

{
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
    echo "java: $(java -version 2>&1 | head -1); the gateway's: $("$GATEWAY_JAVA" -version 2>&1 | head -1)"
    echo "postgres: $(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -Atc 'show server_version') synchronous_commit=$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -Atc 'show synchronous_commit')"
    echo "gateway: -Xmx$GATEWAY_XMX -XX:+UseG1GC --server.port=$PORT $(gateway_load_args) $GATEWAY_OPTS"
    echo "cds: $GATEWAY_CDS aot: $GATEWAY_AOT generator options: $GEN_OPTS"
    echo "settings: RUNS=$RUNS RATE=$RATE VISITORS=$VISITORS AGENTS=$AGENTS MAX_DIALOGS=$MAX_DIALOGS LOAD=$LOAD KILL_AFTER=$KILL_AFTER ABSENT_AGENTS=$ABSENT_AGENTS"
    echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT/environment.txt"
cat "$OUT/environment.txt" >&2

# drill NAME STOP LOAD KILL_AFTER: one run. STOP is KILL (the drill) or TERM (the AOT training run: the gateway
# that records the cache must exit normally to write it, so it gets SIGTERM, and after it has written the cache
# a gateway without it takes over)
drill() {
    local name=$1 signal=$2 load=$3 kill_after=$4 first_opts=${5:-}
    local marker="$OUT/$name.loadstart" restart="$OUT/$name.restart"
    rm -f "$marker" "$restart"
    log "$name: fresh database $DB, gateway on :$PORT"
    fresh_db
    start_gateway "$OUT/$name.server-1.log" "$first_opts"
    wait_ready "$GW_PID" >/dev/null
    sleep 2

    java -Xmx"$GEN_XMX" -XX:+UseG1GC -jar "$BENCH_JAR" crash --url "http://$HOST:$PORT" \
        --visitors "$VISITORS" --agents "$AGENTS" --max-dialogs "$MAX_DIALOGS" --rate "$RATE" --load "$load" \
        --absent-agents "$ABSENT_AGENTS" --sources "$SOURCES" --threads "$GEN_THREADS" \
        --db "jdbc:postgresql://$PG_HOST:$PG_PORT/$DB?user=postgres" \
        --restart-file "$restart" --load-marker "$marker" --label gateway $GEN_OPTS \
        --out "$OUT/$name.json" >/dev/null 2>"$OUT/$name.gen.log" &
    local gen=$!
    STARTED+=("$gen")

    for _ in $(seq 1 1200); do
        [[ -f $marker ]] && break
        kill -0 "$gen" 2>/dev/null || break
        sleep 0.1
    done
    if [[ ! -f $marker ]]; then
        log "$name: the generator did not start its load (see $name.gen.log)"
        tail -n 20 "$OUT/$name.gen.log" >&2 || true
        exit 1
    fi
    log "$name: load running; kill -$signal in $kill_after s"
    sleep "$kill_after"

    local old=$GW_PID kill_ms start_ms ready_ms
    kill_ms=$(now_ms)
    kill -"$signal" "$old"
    wait "$old" 2>/dev/null || true
    forget "$old"
    start_ms=$(now_ms)
    start_gateway "$OUT/$name.server-2.log" "$RESTART_JVM_OPTS"
    log "$name: stopped $old at $kill_ms; new gateway $GW_PID started at $start_ms"
    ready_ms=$(wait_ready "$GW_PID")
    printf 'kill_ms=%s\nstart_ms=%s\nready_ms=%s\n' "$kill_ms" "$start_ms" "$ready_ms" > "$restart.tmp"
    mv "$restart.tmp" "$restart"
    log "$name: ready at $ready_ms ($((ready_ms - start_ms)) ms after the start)"

    if ! wait "$gen"; then
        log "$name: the generator failed (see $name.gen.log)"
    fi
    forget "$gen"
    tail -n 4 "$OUT/$name.gen.log" | sed 's/^/    /' >&2
    stop_pid "$GW_PID"
}

if [[ $GATEWAY_AOT == 1 ]]; then
    # the training run's results are not the drill's: they go to a folder beside it, out of the summary
    log "AOT: training the cache with a shortened drill run (SIGTERM at 10 s of a 25-s load) in $OUT-aot-training"
    OUT_DRILL=$OUT && OUT=$OUT-aot-training && mkdir -p "$OUT"
    drill aot-training TERM 25 10 "-XX:AOTCacheOutput=$OUT_DRILL/gateway.aot"
    OUT=$OUT_DRILL
    [[ -f $OUT/gateway.aot ]] || { log "AOT: no cache written (see $OUT-aot-training/aot-training.server-1.log)"; exit 1; }
    JAVA_CDS=(-XX:AOTCache="$OUT/gateway.aot")
fi

for r in $(seq 1 "$RUNS"); do
    drill "crash-r$RATE-run$r" KILL "$LOAD" "$KILL_AFTER"
done

java -jar "$BENCH_JAR" summarize --dir "$OUT" > "$OUT/summary.md"
log "summary: $OUT/summary.md"
cat "$OUT/summary.md"
