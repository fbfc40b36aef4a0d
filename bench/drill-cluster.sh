#!/usr/bin/env bash
# The several-nodes drills (issue 20, docs/reliability.md "Several nodes", docs/benchmarks.md "Several nodes"):
#
#   bench/drill-cluster.sh            # failover: 3 nodes behind HAProxy, kill -9 one, then Redis down for 30 s
#   bench/drill-cluster.sh scale      # two nodes (one PostgreSQL, one Redis) holding $IDLE_N idle sockets each
#
# failover, for each of $RUNS runs: a fresh database ($BENCH_DB) on the PostgreSQL at $PG_HOST:$PG_PORT (trust
# auth), a private redis-server on :$REDIS_PORT, three gateway nodes (node1..node3 on :$NODE_PORT_BASE+1..3) and
# HAProxy on :$LB_PORT with bench/haproxy/gateway.cfg (installed with apt-get when missing). The generator's
# `cluster` mode connects $VISITORS visitors and $AGENTS agents through HAProxy and chats at $RATE msg/s for $LOAD s;
# $KILL_AFTER s into the load node3 is killed with kill -9 (not restarted: its clients must resume on the others);
# $REDIS_AFTER s into the load redis-server is killed with kill -9, $NODE_DELAY s later node3 is started again
# (a new node id) while Redis is down and must come up ready; Redis comes back after $REDIS_DOWN s (or 3 s after
# that node's readiness, if later). While Redis is down, the live nodes' readiness is polled every 0.5 s.
# The generator then waits until every session is resumed and every message acknowledged and delivered, and
# compares with PostgreSQL. Results: $OUT (one JSON per run, every process's log, summary.md with medians).
# Outbox mail (unless FORMS_RATE=0): the generator runs an SMTP server on :$SMTP_PORT (SmtpSink: every mail accepted,
# the 250 after DATA sent $SMTP_DELAY_MS ms late, so the kill lands on mails in flight) that the nodes deliver to, and
# posts $FORMS_RATE offline forms a second through HAProxy during the load; after the load it waits until every form
# in PostgreSQL has its mail and the outbox is drained, and counts missing and duplicated mails (by Message-ID). The
# nodes run the drill with a shorter outbox lease ($OUTBOX_LEASE, delivery timeout $OUTBOX_DELIVERY_TIMEOUT, SMTP
# socket timeouts 5 s) so the killed node's claims are taken over within the run, and with the offline form's limit
# per client address raised (all forms reach the nodes from HAProxy's one address).
#
# Settings (defaults in brackets): RUNS [3], RATE [1000], VISITORS [1000], AGENTS [100], MAX_DIALOGS [12],
# LOAD [100 s], KILL_AFTER [30 s], REDIS_AFTER [55 s], NODE_DELAY [2 s], REDIS_DOWN [30 s], IDLE_N [19000],
# PG_HOST [127.0.0.1], PG_PORT [5432], BENCH_DB [gw_cluster_bench, dropped at the end], REDIS_PORT [18379],
# LB_PORT [18300], NODE_PORT_BASE [18300], GATEWAY_FROM [worktree|head], GATEWAY_JAR, GATEWAY_XMX [1g],
# GEN_XMX [2g], GATEWAY_OPTS, GEN_OPTS, FORMS_RATE [10/s], SMTP_PORT [LB_PORT+25], SMTP_DELAY_MS [1000],
# OUTBOX_LEASE [30s], OUTBOX_DELIVERY_TIMEOUT [20s]. Everything this script starts is stopped when it ends, also on Ctrl-C.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
MODE=${1:-failover}

RUNS=${RUNS:-3}
RATE=${RATE:-1000}
VISITORS=${VISITORS:-1000}
AGENTS=${AGENTS:-100}
MAX_DIALOGS=${MAX_DIALOGS:-12}
LOAD=${LOAD:-100}
KILL_AFTER=${KILL_AFTER:-30}
REDIS_AFTER=${REDIS_AFTER:-55}
NODE_DELAY=${NODE_DELAY:-2}
REDIS_DOWN=${REDIS_DOWN:-30}
IDLE_N=${IDLE_N:-19000}
HOST=127.0.0.1
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
DB=${BENCH_DB:-gw_cluster_bench}
REDIS_PORT=${REDIS_PORT:-18379}
LB_PORT=${LB_PORT:-18300}
NODE_PORT_BASE=${NODE_PORT_BASE:-18300}
ADMIN_PASSWORD=bench-admin-pw
GATEWAY_FROM=${GATEWAY_FROM:-worktree}
GATEWAY_JAR=${GATEWAY_JAR:-}
GATEWAY_XMX=${GATEWAY_XMX:-1g}
GEN_XMX=${GEN_XMX:-2g}
GATEWAY_OPTS=${GATEWAY_OPTS:-}
GEN_OPTS=${GEN_OPTS:-}
SOURCES=${SOURCES:-4}
FORMS_RATE=${FORMS_RATE:-10}
SMTP_PORT=${SMTP_PORT:-$((LB_PORT + 25))}
SMTP_DELAY_MS=${SMTP_DELAY_MS:-1000}
OUTBOX_LEASE=${OUTBOX_LEASE:-30s}
OUTBOX_DELIVERY_TIMEOUT=${OUTBOX_DELIVERY_TIMEOUT:-20s}
GEN_THREADS=${GEN_THREADS:-2}
OUT=${OUT:-$HERE/results/$(date +%Y%m%d-%H%M%S)-cluster-$MODE}
WORK=${WORK:-/tmp/contact-gateway-cluster}
mkdir -p "$OUT" "$WORK"
OUT=$(cd "$OUT" && pwd)

log() { echo "[drill-cluster $(date +%H:%M:%S.%3N)] $*" | tee -a "$OUT/drill.log" >&2; }
now_ms() { date +%s%3N; }
port_of() { echo $((NODE_PORT_BASE + $1)); }
# the outbox's settings for the drill: mail to the generator's SMTP sink, a lease that ends within the run, the
# offline form's per-address limit out of the way (the nodes see every form come from HAProxy)
mail_args() {
    echo "--spring.mail.host=$HOST --spring.mail.port=$SMTP_PORT" \
        "--spring.mail.properties.mail.smtp.connectiontimeout=5000 --spring.mail.properties.mail.smtp.timeout=5000" \
        "--spring.mail.properties.mail.smtp.writetimeout=5000" \
        "--gateway.outbox.lease=$OUTBOX_LEASE --gateway.outbox.delivery-timeout=$OUTBOX_DELIVERY_TIMEOUT" \
        "--gateway.offline.forms-per-minute=1000000 --gateway.offline.burst=100000"
}

# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"
prepare_machine
DB_CREATED=0
cleanup() {
    stop_started
    if [[ $DB_CREATED == 1 ]]; then
        psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qX -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
            -c "DROP DATABASE IF EXISTS ${DB}_tpl WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    restore_machine
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- HAProxy (Debian's package) ----------------------------------------------------------------
need_haproxy() {
    command -v haproxy >/dev/null && return 0
    log "installing haproxy (apt-get)"
    for _ in $(seq 1 120); do pgrep -x apt-get >/dev/null || pgrep -x apt >/dev/null || pgrep -x dpkg >/dev/null || break; sleep 5; done
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >"$OUT/apt-haproxy.log" 2>&1 \
        || { apt-get update -q >>"$OUT/apt-haproxy.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q haproxy >>"$OUT/apt-haproxy.log" 2>&1; }
    command -v haproxy >/dev/null || { log "no haproxy (see apt-haproxy.log)"; exit 1; }
}
command -v redis-server >/dev/null || { log "no redis-server (apt-get install redis-server)"; exit 1; }
[[ $MODE == failover ]] && need_haproxy

# --- builds ------------------------------------------------------------------------------------
build_jars

# A fresh database for every run: the first is migrated by node1 and copied (pg_dump) into ${DB}_tpl, the next
# ones are made from that template (the migrations take a minute on a busy machine)
TEMPLATE=0
fresh_db() {
    local from=""
    [[ $TEMPLATE == 1 ]] && from=" TEMPLATE ${DB}_tpl"
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qX \
        -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB$from" >/dev/null
    DB_CREATED=1
}
keep_template() {
    [[ $TEMPLATE == 1 ]] && return 0
    psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -qX \
        -c "DROP DATABASE IF EXISTS ${DB}_tpl" -c "CREATE DATABASE ${DB}_tpl" >/dev/null
    pg_dump -h "$PG_HOST" -p "$PG_PORT" -U postgres "$DB" | psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qX -d "${DB}_tpl" >/dev/null
    TEMPLATE=1
}

REDIS_PID=
start_redis() {
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --protected-mode no \
        >>"$1" 2>&1 &
    REDIS_PID=$!
    STARTED+=("$REDIS_PID")
    for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
    log "redis-server did not answer (see $1)"; exit 1
}

LB_PID=
start_haproxy() {
    LISTEN="$HOST:$LB_PORT" NODE1="$HOST:$(port_of 1)" NODE2="$HOST:$(port_of 2)" NODE3="$HOST:$(port_of 3)" \
        STATS="$HOST:$((LB_PORT + 99))" MAXCONN=8000 \
        haproxy -db -f "$HERE/haproxy/gateway.cfg" >>"$1" 2>&1 &
    LB_PID=$!
    STARTED+=("$LB_PID")
}

declare -A NODE_PID
# start_node N ID LOG: gateway node N on its port with node id ID; returns at once
start_node() {
    local n=$1 id=$2
    mkdir -p "$WORK/node$n-cwd"
    (cd "$WORK/node$n-cwd" && exec env \
        SPRING_R2DBC_URL="r2dbc:postgresql://$PG_HOST:$PG_PORT/$DB" \
        SPRING_R2DBC_USERNAME=postgres \
        SPRING_FLYWAY_URL="jdbc:postgresql://$PG_HOST:$PG_PORT/$DB" \
        SPRING_FLYWAY_USER=postgres \
        GATEWAY_AGENT_ADMIN_PASSWORD=$ADMIN_PASSWORD \
        GATEWAY_CLUSTER_REDIS_URL="redis://$HOST:$REDIS_PORT" \
        GATEWAY_CLUSTER_NODE_ID="$id" \
        java -Xmx"$GATEWAY_XMX" -XX:+UseG1GC -jar "$GATEWAY_JAR" \
            --server.port="$(port_of "$n")" \
            $(gateway_load_args) $(mail_args) --spring.mail.properties.mail.smtp.localhost="$id" $GATEWAY_OPTS \
            >"$3" 2>&1) &
    NODE_PID[$n]=$!
    STARTED+=("${NODE_PID[$n]}")
}

# wait_ready N: polls node N's readiness every 100 ms; prints the epoch ms it answered UP
wait_ready() {
    local n=$1 pid=${NODE_PID[$1]}
    for _ in $(seq 1 2400); do
        if curl -sf -m 1 -o /dev/null "http://$HOST:$(port_of "$n")/actuator/health/readiness"; then
            now_ms
            return 0
        fi
        alive "$pid" || { log "node$n ($pid) died while starting"; return 1; }
        sleep 0.1
    done
    log "node$n not ready after 240 s"
    return 1
}

{
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
    echo "java: $(java -version 2>&1 | head -1)"
    echo "postgres: $(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -Atc 'show server_version')"
    echo "redis: $(redis-server --version)"
    [[ $MODE == failover ]] && echo "haproxy: $(haproxy -v | head -1)"
    echo "gateway: -Xmx$GATEWAY_XMX -XX:+UseG1GC $(gateway_load_args) $(mail_args) $GATEWAY_OPTS"
    echo "settings: MODE=$MODE RUNS=$RUNS RATE=$RATE VISITORS=$VISITORS AGENTS=$AGENTS LOAD=$LOAD KILL_AFTER=$KILL_AFTER REDIS_AFTER=$REDIS_AFTER REDIS_DOWN=$REDIS_DOWN IDLE_N=$IDLE_N FORMS_RATE=$FORMS_RATE SMTP_DELAY_MS=$SMTP_DELAY_MS OUTBOX_LEASE=$OUTBOX_LEASE"
    echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg); busiest processes:"
    ps -eo pcpu,args --sort=-pcpu | head -8 | cut -c1-150
} > "$OUT/environment.txt"
cat "$OUT/environment.txt" >&2

# load_probe FILE: the machine's load average and the busiest other processes, every 10 s, until killed
load_probe() {
    while true; do
        echo "$(date +%H:%M:%S) loadavg $(cut -d' ' -f1-3 /proc/loadavg)" >> "$1"
        sleep 10
    done
}

# readiness_probe FILE PORT...: every 0.5 s, each port's readiness status code, until killed
readiness_probe() {
    local file=$1; shift
    while true; do
        local line="" port
        for port in "$@"; do
            line="$line $port:$(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://$HOST:$port/actuator/health/readiness" || true)"
        done
        echo "$(now_ms)$line" >> "$file"
        sleep 0.5
    done
}

form_args() {
    [[ $FORMS_RATE == 0 ]] && return 0
    echo "--smtp-port $SMTP_PORT --smtp-delay-ms $SMTP_DELAY_MS --forms-rate $FORMS_RATE"
}

failover_run() {
    local name=$1
    local events="$OUT/$name.events" marker="$OUT/$name.loadstart"
    rm -f "$events" "$marker"
    log "$name: fresh database $DB, redis on :$REDIS_PORT, nodes on :$(port_of 1)..$(port_of 3), HAProxy on :$LB_PORT"
    fresh_db
    start_redis "$OUT/$name.redis.log"
    # all three at once (Flyway's lock lets one migrate a fresh database while the others wait)
    start_node 1 node1 "$OUT/$name.node1.log"
    start_node 2 node2 "$OUT/$name.node2.log"
    start_node 3 node3 "$OUT/$name.node3.log"
    wait_ready 1 >/dev/null
    wait_ready 2 >/dev/null
    wait_ready 3 >/dev/null
    keep_template
    start_haproxy "$OUT/$name.haproxy.log"
    for _ in $(seq 1 100); do curl -sf -m 1 -o /dev/null "http://$HOST:$LB_PORT/actuator/health/readiness" && break; sleep 0.1; done
    sleep 3   # every server's check has risen

    load_probe "$OUT/$name.loadavg" &
    local probe=$!
    STARTED+=("$probe")
    java -Xmx"$GEN_XMX" -XX:+UseG1GC -jar "$BENCH_JAR" cluster --url "http://$HOST:$LB_PORT" \
        --visitors "$VISITORS" --agents "$AGENTS" --max-dialogs "$MAX_DIALOGS" --rate "$RATE" --load "$LOAD" \
        --sources "$SOURCES" --threads "$GEN_THREADS" \
        --db "jdbc:postgresql://$PG_HOST:$PG_PORT/$DB?user=postgres" \
        --events "$events" --load-marker "$marker" --recovery-timeout 600 $(form_args) $GEN_OPTS \
        --out "$OUT/$name.json" >/dev/null 2>"$OUT/$name.gen.log" &
    local gen=$!
    STARTED+=("$gen")
    for _ in $(seq 1 3000); do
        [[ -f $marker ]] && break
        alive "$gen" || break
        sleep 0.1
    done
    if [[ ! -f $marker ]]; then
        log "$name: the generator did not start its load (see $name.gen.log)"
        tail -n 20 "$OUT/$name.gen.log" >&2 || true
        exit 1
    fi
    local load_ms
    load_ms=$(cat "$marker")
    log "$name: load running; kill -9 node3 at +$KILL_AFTER s, Redis at +$REDIS_AFTER s"
    sleep_until $((load_ms + KILL_AFTER * 1000))
    kill -KILL "${NODE_PID[3]}"
    echo "kill_ms=$(now_ms)" >> "$events"
    echo "killed_node=node3" >> "$events"
    wait "${NODE_PID[3]}" 2>/dev/null || true
    forget "${NODE_PID[3]}"
    log "$name: node3 killed"

    sleep_until $((load_ms + REDIS_AFTER * 1000))
    readiness_probe "$OUT/$name.readiness" "$(port_of 1)" "$(port_of 2)" &
    local rprobe=$!
    STARTED+=("$rprobe")
    kill -KILL "$REDIS_PID"
    local down_ms
    down_ms=$(now_ms)
    echo "redis_down_ms=$down_ms" >> "$events"
    wait "$REDIS_PID" 2>/dev/null || true
    forget "$REDIS_PID"
    log "$name: redis killed; node3 starts again (node3b) in $NODE_DELAY s"
    sleep "$NODE_DELAY"
    echo "node_start_ms=$(now_ms)" >> "$events"
    start_node 3 node3b "$OUT/$name.node3b.log"
    local ready_ms
    ready_ms=$(wait_ready 3) || ready_ms=
    if [[ -n $ready_ms ]]; then
        echo "node_ready_ms=$ready_ms" >> "$events"
        log "$name: node3b ready $((ready_ms - down_ms)) ms after Redis went down"
    fi
    local up_at=$((down_ms + REDIS_DOWN * 1000))
    [[ -n $ready_ms && $((ready_ms + 3000)) -gt $up_at ]] && up_at=$((ready_ms + 3000))
    sleep_until "$up_at"
    start_redis "$OUT/$name.redis.log"
    echo "redis_up_ms=$(now_ms)" >> "$events"
    log "$name: redis back"
    sleep 3
    stop_pid "$rprobe" KILL
    echo "done=1" >> "$events"

    if ! wait "$gen"; then
        log "$name: the generator failed (see $name.gen.log)"
    fi
    forget "$gen"
    stop_pid "$probe" KILL
    tail -n 4 "$OUT/$name.gen.log" | sed 's/^/    /' >&2
    # readiness while Redis was down: answers of the live nodes other than 200
    awk -v down="$down_ms" '$1 >= down { for (i = 2; i <= NF; i++) { n++; if ($i !~ /:200$/) bad++ } }
        END { printf "readiness_polls=%d\nreadiness_not_up=%d\n", n, bad + 0 }' "$OUT/$name.readiness" >> "$events"
    stop_pid "$LB_PID"
    local n
    for n in 1 2 3; do stop_pid "${NODE_PID[$n]}"; done
    stop_pid "$REDIS_PID"
}

sleep_until() {
    local wait_ms=$(($1 - $(now_ms)))
    if ((wait_ms > 0)); then sleep "$(awk -v ms="$wait_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"; fi
}

scale_run() {
    log "scale: fresh database $DB, redis on :$REDIS_PORT, node1 and node2 on :$(port_of 1), :$(port_of 2)"
    fresh_db
    start_redis "$OUT/scale.redis.log"
    start_node 1 node1 "$OUT/scale.node1.log"
    start_node 2 node2 "$OUT/scale.node2.log"
    wait_ready 1 >/dev/null
    wait_ready 2 >/dev/null
    load_probe "$OUT/scale.loadavg" &
    local probe=$!
    STARTED+=("$probe")
    # both generators at once, one per node (each process may hold 20,000 files here); the sockets held at the same
    # time are counted with ss every 2 s
    local gens=() n
    for n in 1 2; do
        java -Xmx"$GEN_XMX" -XX:+UseG1GC -jar "$BENCH_JAR" idle --url "http://$HOST:$(port_of "$n")" \
            --pid "${NODE_PID[$n]}" --n "$IDLE_N" --sources "$SOURCES" --threads "$GEN_THREADS" --hold 60 \
            --label "node$n" --out "$OUT/scale.node$n.json" >/dev/null 2>"$OUT/scale.node$n.gen.log" &
        gens+=($!)
        STARTED+=($!)
    done
    local peak=0
    while alive "${gens[0]}" || alive "${gens[1]}"; do
        local a b
        a=$(ss -Htn state established "( sport = :$(port_of 1) )" | wc -l)
        b=$(ss -Htn state established "( sport = :$(port_of 2) )" | wc -l)
        echo "$(date +%H:%M:%S) node1=$a node2=$b" >> "$OUT/scale.sockets"
        ((a + b > peak)) && peak=$((a + b)) && echo "peak=$peak node1=$a node2=$b" > "$OUT/scale.peak"
        sleep 2
    done
    for n in 0 1; do wait "${gens[$n]}" || log "scale: generator $n failed"; forget "${gens[$n]}"; done
    stop_pid "$probe" KILL
    log "scale: $(cat "$OUT/scale.peak")"
    for n in 1 2; do stop_pid "${NODE_PID[$n]}"; done
    stop_pid "$REDIS_PID"
}

case $MODE in
    failover)
        for r in $(seq 1 "$RUNS"); do
            failover_run "cluster-r$RATE-run$r"
        done
        python3 "$HERE/cluster-summary.py" "$OUT" > "$OUT/summary.md"
        ;;
    scale)
        scale_run
        python3 "$HERE/cluster-summary.py" "$OUT" > "$OUT/summary.md"
        ;;
    *) echo "usage: $0 [failover|scale]" >&2; exit 2 ;;
esac
echo "loadavg at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/environment.txt"
log "summary: $OUT/summary.md"
cat "$OUT/summary.md"
