#!/usr/bin/env bash
# Load tests of contact-gateway against a plain Reactor Netty relay (the baseline). See docs/benchmarks.md.
#
#   bench/run.sh smoke     # one short round of each scenario on both targets (a minute or two, mostly start-ups)
#   bench/run.sh idle      # idle sockets, N in $IDLE_NS, $REPEATS times each, gateway and relay
#   bench/run.sh chat      # chat, R in $CHAT_RATES msg/s, $REPEATS times each, gateway and relay
#   bench/run.sh profile   # one chat run at $PROFILE_RATE with JFR and the SQL round-trip counter
#   bench/run.sh histogram # only the live-object histograms of $PROFILE_IDLE_N idle sockets (part of profile)
#   bench/run.sh shutdown  # the shutdown drill: N in $IDLE_NS idle sockets, then SIGTERM (time to exit, close codes)
#   bench/run.sh all       # idle + chat + profile
#   bench/run.sh peer      # idle + chat side by side: relay, gateway and ejabberd (installed from apt, configured
#                          # from bench/ejabberd/), alternating; IDLE_NS "1000 10000", CHAT_RATES "1000 2000 3000 4500 6000"
#
# Every run gets a fresh database and a fresh server process; results (JSON per run, server logs, the
# summary with medians and ratios) go to $OUT (default bench/results/<time>-<mode>). Everything this
# script starts is stopped when it ends, also on Ctrl-C.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
MODE=${1:-smoke}

REPEATS=${REPEATS:-3}
HOST=127.0.0.1
PORT=${PORT:-18081}                  # the gateway
RELAY_PORT=${RELAY_PORT:-18090}      # the baseline relay
PROXY_PORT=${PROXY_PORT:-15432}      # profile: the counting PostgreSQL proxy
PROXY_STATS_PORT=${PROXY_STATS_PORT:-18099}
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_CLUSTER=${PG_CLUSTER:-15/main}        # the PostgreSQL cluster whose CPU is measured: "15/main" is the machine's, a
                                         # cluster of its own is its cluster_name (a quieter figure on a shared machine)
DB=${BENCH_DB:-gateway_bench}
ADMIN_PASSWORD=bench-admin-pw
GATEWAY_FROM=${GATEWAY_FROM:-worktree}   # worktree: build the root as it is; head: a clean export of git HEAD
GATEWAY_JAR=${GATEWAY_JAR:-}             # or a ready jar
GATEWAY_XMX=${GATEWAY_XMX:-2g}
RELAY_XMX=${RELAY_XMX:-2g}
GEN_XMX=${GEN_XMX:-2g}
GATEWAY_JVM_OPTS=${GATEWAY_JVM_OPTS:-}     # extra JVM options, e.g. "-Xlog:gc*:file=/tmp/gw-gc.log"
GEN_JVM_OPTS=${GEN_JVM_OPTS:-}
SOURCES=${SOURCES:-4}                    # loopback source addresses 127.0.0.2 … for the generator's sockets
GEN_THREADS=${GEN_THREADS:-2}            # generator event loops
READY_TIMEOUT=${READY_TIMEOUT:-180}      # seconds a server may take to start (a loaded machine needs more)
if [[ $MODE == peer ]]; then
    TARGETS=${TARGETS:-"relay gateway ejabberd"}
    CHAT_RATES=${CHAT_RATES:-"1000 2000 3000 4500 6000"}
fi
IDLE_NS=${IDLE_NS:-"1000 10000"}
IDLE_CONCURRENCY=${IDLE_CONCURRENCY:-200}
IDLE_WARMUP=${IDLE_WARMUP:-200}          # visitors that open and close a dialog before the baseline
CHAT_RATES=${CHAT_RATES:-"1000 2000 3000"}
CHAT_VISITORS=${CHAT_VISITORS:-1000}
CHAT_AGENTS=${CHAT_AGENTS:-100}
CHAT_MAX_DIALOGS=${CHAT_MAX_DIALOGS:-12}
WARMUP=${WARMUP:-10}
DURATION=${DURATION:-20}
PROFILE_RATE=${PROFILE_RATE:-1000}
PROFILE_DURATION=${PROFILE_DURATION:-60}
PROFILE_IDLE_N=${PROFILE_IDLE_N:-10000}   # profile: the live-object histogram of this many idle sockets
TARGETS=${TARGETS:-"relay gateway"}   # also: embedded (the gateway on its embedded PostgreSQL, no database configured),
                                      # ejabberd (the peer XMPP server, bench/ejabberd/)

if [[ $MODE == smoke ]]; then
    REPEATS=1; IDLE_NS="300"; IDLE_WARMUP=50; CHAT_RATES="200"; CHAT_VISITORS=100; CHAT_AGENTS=10; WARMUP=2; DURATION=5
fi

OUT=${OUT:-$HERE/results/$(date +%Y%m%d-%H%M%S)-$MODE}
mkdir -p "$OUT"
WORK=${WORK:-/tmp/contact-gateway-bench}
mkdir -p "$WORK"

log() { echo "[run.sh $(date +%H:%M:%S)] $*" | tee -a "$OUT/run.log" >&2; }

# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
# the servers' ports (18081, 18090, 15432, 18099) lie below the ephemeral range prepare_machine sets
prepare_machine
cleanup() {
    stop_started
    declare -F stop_epmd_if_ours >/dev/null && stop_epmd_if_ours
    restore_machine
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_http() {
    local url=$1 pid=$2
    for _ in $(seq 1 $((READY_TIMEOUT * 2))); do
        if curl -sf -o /dev/null "$url"; then return 0; fi
        if ! kill -0 "$pid" 2>/dev/null; then log "process $pid died while starting"; return 1; fi
        sleep 0.5
    done
    log "timed out waiting for $url"
    return 1
}

# --- builds ------------------------------------------------------------------------------------
build_jars
# shellcheck source=bench/ejabberd/ejabberd.sh
source "$HERE/ejabberd/ejabberd.sh"
if [[ " $TARGETS " == *" ejabberd "* ]]; then
    ejabberd_install
fi
# accounts for the peer: as many visitors as the largest idle N or the chat's visitors
EJ_VISITORS=$CHAT_VISITORS
for n in $IDLE_NS; do (( n > EJ_VISITORS )) && EJ_VISITORS=$n; done

# --- servers -----------------------------------------------------------------------------------
SERVER_PID=
SERVER_URL=

fresh_db() {
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qX \
        -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
}

# start_gateway LOG [r2dbc-port] [extra JVM options…]
start_gateway() {
    local logfile=$1 r2dbc_port=${2:-$PG_PORT}
    shift 2 || shift $#
    fresh_db
    mkdir -p "$WORK/gateway-cwd"
    (cd "$WORK/gateway-cwd" && exec env \
        SPRING_R2DBC_URL="r2dbc:postgresql://$PG_HOST:$r2dbc_port/$DB" \
        SPRING_R2DBC_USERNAME=postgres \
        SPRING_FLYWAY_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB" \
        SPRING_FLYWAY_USER=postgres \
        GATEWAY_AGENT_ADMIN_PASSWORD=$ADMIN_PASSWORD \
        java -Xmx"$GATEWAY_XMX" -XX:+UseG1GC ${GATEWAY_JVM_OPTS:-} "$@" -jar "$GATEWAY_JAR" \
            --server.port="$PORT" \
            $(gateway_load_args) \
            >"$logfile" 2>&1) &
    SERVER_PID=$!
    STARTED+=("$SERVER_PID")
    SERVER_URL="http://$HOST:$PORT"
    # readiness (the database is reachable), not /actuator/health: that one also checks an SMTP server
    wait_http "$SERVER_URL/actuator/health/readiness" "$SERVER_PID"
    sleep 2
}

# start_embedded LOG: the gateway on its embedded default (no database configured), a fresh data folder each run;
# EMBEDDED_JDBC then points at that PostgreSQL for the generator's counters
start_embedded() {
    local logfile=$1
    rm -rf "$WORK/embedded-data"
    mkdir -p "$WORK/gateway-cwd"
    (cd "$WORK/gateway-cwd" && exec env -u SPRING_R2DBC_URL -u SPRING_FLYWAY_URL \
        GATEWAY_AGENT_ADMIN_PASSWORD=$ADMIN_PASSWORD \
        java -Xmx"$GATEWAY_XMX" -XX:+UseG1GC ${GATEWAY_JVM_OPTS:-} -jar "$GATEWAY_JAR" \
            --server.port="$PORT" \
            --gateway.embedded-db.data-dir="$WORK/embedded-data" \
            $(gateway_load_args) \
            >"$logfile" 2>&1) &
    SERVER_PID=$!
    STARTED+=("$SERVER_PID")
    SERVER_URL="http://$HOST:$PORT"
    wait_http "$SERVER_URL/actuator/health/readiness" "$SERVER_PID"
    local pg_port
    pg_port=$(grep -o 'Using the embedded PostgreSQL on port [0-9]*' "$logfile" | head -n 1 | grep -o '[0-9]*$')
    EMBEDDED_JDBC="jdbc:postgresql://127.0.0.1:$pg_port/postgres?user=postgres"
    grep -o 'Started the embedded PostgreSQL.*' "$logfile" | head -n 1 | sed 's/^/    /' >&2 || true
    sleep 2
}

start_relay() {
    local logfile=$1
    java -Xmx"$RELAY_XMX" -XX:+UseG1GC -jar "$BENCH_JAR" relay --host "$HOST" --port "$RELAY_PORT" >"$logfile" 2>&1 &
    SERVER_PID=$!
    STARTED+=("$SERVER_PID")
    SERVER_URL="http://$HOST:$RELAY_PORT"
    wait_http "$SERVER_URL/actuator/health" "$SERVER_PID"
}

start_target() {
    case $1 in
        gateway) start_gateway "$2" ;;
        embedded) start_embedded "$2" ;;
        ejabberd) start_ejabberd "$2" "$EJ_VISITORS" ;;
        *) start_relay "$2" ;;
    esac
}

stop_target() {
    case $1 in
        ejabberd) stop_ejabberd ;;
        *) stop_pid "$SERVER_PID" ;;
    esac
}

gen() {
    java -Xmx"$GEN_XMX" -XX:+UseG1GC ${GEN_JVM_OPTS:-} -jar "$BENCH_JAR" "$@"
}

JDBC="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB?user=postgres"

# --- scenarios ---------------------------------------------------------------------------------
run_idle() {
    for n in $IDLE_NS; do
        for r in $(seq 1 "$REPEATS"); do
            for target in $TARGETS; do
                local name="idle-n$n-$target-r$r"
                log "$name"
                start_target "$target" "$OUT/$name.server.log"
                local command=idle
                [[ $target == ejabberd ]] && command=xmpp-idle
                gen "$command" --url "$SERVER_URL" --pid "$SERVER_PID" --n "$n" --sources "$SOURCES" \
                    --threads "$GEN_THREADS" --concurrency "$IDLE_CONCURRENCY" --warmup-n "$IDLE_WARMUP" --hold 10 --label "$target" \
                    --out "$OUT/$name.json" >/dev/null 2>"$OUT/$name.gen.log" || log "$name failed (see $name.gen.log)"
                tail -n 3 "$OUT/$name.gen.log" | sed 's/^/    /' >&2
                stop_target "$target"
            done
        done
    done
}

# the shutdown drill (issue 8): N idle sockets, then SIGTERM; the process must be gone within 10 s and every
# socket told 1001 (going away)
run_shutdown() {
    for n in $IDLE_NS; do
        for r in $(seq 1 "$REPEATS"); do
            local name="shutdown-n$n-gateway-r$r"
            log "$name"
            start_target gateway "$OUT/$name.server.log"
            gen idle --url "$SERVER_URL" --pid "$SERVER_PID" --n "$n" --sources "$SOURCES" \
                --threads "$GEN_THREADS" --concurrency "$IDLE_CONCURRENCY" --warmup-n "$IDLE_WARMUP" --hold 10 \
                --label gateway --shutdown true \
                --out "$OUT/$name.json" >/dev/null 2>"$OUT/$name.gen.log" || log "$name failed (see $name.gen.log)"
            grep 'SIGTERM' "$OUT/$name.gen.log" | sed 's/^/    /' >&2 || true
            stop_pid "$SERVER_PID"
        done
    done
}

run_chat() {
    for rate in $CHAT_RATES; do
        for r in $(seq 1 "$REPEATS"); do
            for target in $TARGETS; do
                local name="chat-r$rate-$target-r$r"
                local db=() command=chat
                log "$name"
                start_target "$target" "$OUT/$name.server.log"
                [[ $target == gateway ]] && db=(--db "$JDBC")
                [[ $target == embedded ]] && db=(--db "$EMBEDDED_JDBC")
                [[ $target == ejabberd ]] && db=(--db "jdbc:postgresql://$PG_HOST:$PG_PORT/$EJ_DB?user=postgres") && command=xmpp-chat
                gen "$command" --url "$SERVER_URL" --pid "$SERVER_PID" --visitors "$CHAT_VISITORS" --agents "$CHAT_AGENTS" \
                    --max-dialogs "$CHAT_MAX_DIALOGS" --rate "$rate" --warmup "$WARMUP" --duration "$DURATION" \
                    --sources "$SOURCES" --threads "$GEN_THREADS" --label "$target" "${db[@]}" --pg-cluster "$PG_CLUSTER" \
                    --out "$OUT/$name.json" >/dev/null 2>"$OUT/$name.gen.log" || log "$name failed (see $name.gen.log)"
                tail -n 2 "$OUT/$name.gen.log" | sed 's/^/    /' >&2
                stop_target "$target"
            done
        done
    done
}

run_histogram() {
    for target in $TARGETS; do
        local hname="profile-idle-n$PROFILE_IDLE_N-$target"
        log "$hname: class histogram with $PROFILE_IDLE_N idle sockets"
        start_target "$target" "$OUT/$hname.server.log"
        gen idle --url "$SERVER_URL" --pid "$SERVER_PID" --n "$PROFILE_IDLE_N" --sources "$SOURCES" \
            --threads "$GEN_THREADS" --concurrency "$IDLE_CONCURRENCY" --warmup-n "$IDLE_WARMUP" --hold 10 \
            --label "$target" --histogram "$OUT/$hname.histogram.txt" --out "$OUT/$hname.json.profile" \
            >/dev/null 2>"$OUT/$hname.gen.log" || log "$hname failed"
        stop_pid "$SERVER_PID"
    done
}

run_profile() {
    run_histogram
    local name="profile-chat-r$PROFILE_RATE"
    log "$name: JFR for ${PROFILE_DURATION}s, SQL through the counting proxy on :$PROXY_PORT"
    java -Xmx256m -jar "$BENCH_JAR" pgproxy --listen "$PROXY_PORT" --target-host "$PG_HOST" \
        --target-port "$PG_PORT" --stats-port "$PROXY_STATS_PORT" >"$OUT/$name.proxy.log" 2>&1 &
    local proxy=$!
    STARTED+=("$proxy")
    wait_http "http://127.0.0.1:$PROXY_STATS_PORT/counters" "$proxy"
    start_gateway "$OUT/$name.server.log" "$PROXY_PORT" -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints
    gen chat --url "$SERVER_URL" --pid "$SERVER_PID" --visitors "$CHAT_VISITORS" --agents "$CHAT_AGENTS" \
        --max-dialogs "$CHAT_MAX_DIALOGS" --rate "$PROFILE_RATE" --warmup "$WARMUP" --duration "$PROFILE_DURATION" \
        --sources "$SOURCES" --threads "$GEN_THREADS" --label gateway-profiled --db "$JDBC" --pg-cluster "$PG_CLUSTER" \
        --pg-proxy "http://127.0.0.1:$PROXY_STATS_PORT" --jfr "$OUT/$name.jfr" \
        --out "$OUT/$name.json.profile" >/dev/null 2>"$OUT/$name.gen.log" || log "$name failed"
    stop_pid "$SERVER_PID"
    stop_pid "$proxy"
    if [[ -f $OUT/$name.jfr ]]; then
        java -jar "$BENCH_JAR" jfr-top --file "$OUT/$name.jfr" --top 30 > "$OUT/$name.jfr.txt"
        jfr summary "$OUT/$name.jfr" > "$OUT/$name.jfr-summary.txt" || true
        log "profile: $OUT/$name.jfr.txt"
    fi
}

{
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
    echo "java: $(java -version 2>&1 | head -1)"
    echo "postgres: $(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -Atc 'show server_version') shared_buffers=$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -Atc 'show shared_buffers') synchronous_commit=$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -Atc 'show synchronous_commit') max_connections=$(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -Atc 'show max_connections')"
    [[ " $TARGETS " == *" ejabberd "* ]] && echo "ejabberd: $(ejabberd_version), erts $(erl -noshell -eval 'io:format("~s", [erlang:system_info(version)]), halt().'), bench/ejabberd/ejabberd.yml, sql_pool_size=$EJ_SQL_POOL"
    echo "gateway: -Xmx$GATEWAY_XMX -XX:+UseG1GC --server.port=$PORT $(gateway_load_args)"
    echo "settings: REPEATS=$REPEATS IDLE_NS='$IDLE_NS' IDLE_WARMUP=$IDLE_WARMUP IDLE_CONCURRENCY=$IDLE_CONCURRENCY CHAT_RATES='$CHAT_RATES' V=$CHAT_VISITORS A=$CHAT_AGENTS maxDialogs=$CHAT_MAX_DIALOGS warmup=$WARMUP duration=$DURATION sources=$SOURCES"
} > "$OUT/environment.txt"
cat "$OUT/environment.txt" >&2

case $MODE in
    smoke) run_idle; run_chat ;;
    idle) run_idle ;;
    chat) run_chat ;;
    profile) run_profile ;;
    histogram) run_histogram ;;
    shutdown) run_shutdown ;;
    all) run_idle; run_chat; run_profile ;;
    peer) run_idle; run_chat ;;
    *) echo "usage: $0 smoke|idle|chat|profile|histogram|shutdown|all|peer" >&2; exit 2 ;;
esac

java -jar "$BENCH_JAR" summarize --dir "$OUT" > "$OUT/summary.md"
log "summary: $OUT/summary.md"
cat "$OUT/summary.md"
