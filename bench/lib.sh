# Shared by bench/run.sh, bench/drill-crash.sh, bench/drill-cluster.sh, bench/reports.sh and bench/reports-chat.sh
# (sourced, after their log function): the machine's limits, the processes a script starts (STARTED, stopped when it
# ends), the jars, the report benchmark's PostgreSQL settings.

# --- the machine: file descriptors and ephemeral ports ------------------------------------------
# prepare_machine raises the open-files limit and moves the ephemeral ports to 20000-65000, above the servers'
# ports: a generator socket that took a gateway's port as its source port (while that gateway is down or between
# two runs) would keep it from binding. restore_machine puts the range back.
PORT_RANGE_FILE=/proc/sys/net/ipv4/ip_local_port_range
PORT_RANGE_CHANGED=0
prepare_machine() {
    if ! ulimit -n 200000 2>/dev/null; then
        ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    fi
    log "open files limit: $(ulimit -n) (hard $(ulimit -Hn)) per process"
    OLD_PORT_RANGE=$(tr -s '\t ' ' ' < "$PORT_RANGE_FILE")
    if (echo "20000 65000" > "$PORT_RANGE_FILE") 2>/dev/null; then
        PORT_RANGE_CHANGED=1
        log "ip_local_port_range: $OLD_PORT_RANGE -> 20000 65000 (restored at the end)"
    else
        log "ip_local_port_range stays $OLD_PORT_RANGE (not permitted)"
    fi
}

restore_machine() {
    if [[ $PORT_RANGE_CHANGED == 1 ]]; then
        echo "$OLD_PORT_RANGE" > "$PORT_RANGE_FILE" 2>/dev/null || true
    fi
}

# --- the processes a script starts: it adds each PID to STARTED; stop_started ends them all -------
STARTED=()

# alive PID: running (a child that has exited is a zombie until waited for, and kill -0 still finds it)
alive() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null) && [[ $state != Z* ]]
}

forget() {
    local kept=() p
    for p in "${STARTED[@]+"${STARTED[@]}"}"; do [[ $p != "$1" ]] && kept+=("$p"); done
    STARTED=("${kept[@]+"${kept[@]}"}")
}

# stop_pid PID [signal]: sends the signal (TERM), KILL after 30 s, and forgets the process
stop_pid() {
    local pid=$1 signal=${2:-TERM}
    if kill -0 "$pid" 2>/dev/null; then
        kill -"$signal" "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    forget "$pid"
}

stop_started() {
    local pid
    for pid in "${STARTED[@]+"${STARTED[@]}"}"; do
        stop_pid "$pid"
    done
}

# --- builds: needs HERE, ROOT, OUT, WORK, GATEWAY_FROM, GATEWAY_JAR; sets BENCH_JAR and GATEWAY_JAR -----

build_jars() {
    log "building the generator (bench/)"
    (cd "$HERE" && { mvn -q -B -o package -DskipTests || mvn -q -B package -DskipTests; })
    BENCH_JAR="$OUT/contact-gateway-bench.jar"
    cp "$HERE/target/contact-gateway-bench.jar" "$BENCH_JAR"

    if [[ -z $GATEWAY_JAR ]]; then
        if [[ $GATEWAY_FROM == head ]]; then
            local src="$WORK/gateway-src"
            log "building the gateway from a clean export of HEAD ($(git -C "$ROOT" rev-parse --short HEAD)) in $src"
            rm -rf "$src" && mkdir -p "$src"
            git -C "$ROOT" archive HEAD | tar -x -C "$src"
            (cd "$src" && mvn -q -B -o package -DskipTests)
            GATEWAY_JAR="$src/target/contact-gateway-0.1.0-SNAPSHOT.jar"
            echo "HEAD $(git -C "$ROOT" rev-parse HEAD)" > "$OUT/gateway-version.txt"
        else
            log "building the gateway from the work tree ($ROOT)"
            (cd "$ROOT" && mvn -q -B -o package -DskipTests)
            GATEWAY_JAR="$ROOT/target/contact-gateway-0.1.0-SNAPSHOT.jar"
            { echo "work tree on $(git -C "$ROOT" rev-parse HEAD)"; git -C "$ROOT" status --short; } > "$OUT/gateway-version.txt"
        fi
    fi
    [[ -f $OUT/gateway-version.txt ]] || echo "jar $GATEWAY_JAR" > "$OUT/gateway-version.txt"
    # a private copy, so a rebuild by someone else during the runs changes nothing
    cp "$GATEWAY_JAR" "$OUT/gateway.jar"
    GATEWAY_JAR="$OUT/gateway.jar"
}

# The gateway's settings for a load test (after the jar's own): the generator is a few thousand clients on a few
# loopback addresses, so the per-client limits (frames, sockets, new visitors and dialogs per address) are lifted
# for them, a waiting dialog never falls back to the offline form, and a dialog joins the waiting line at open
# (the generator's visitors wait to be assigned before they write); the idle scenario upgrades all N sockets before
# any says hello, which takes longer than the 10-s hello timeout when the machine is slow. Needs SOURCES.
gateway_load_args() {
    local sources="127.0.0.1" i
    for i in $(seq 2 $((SOURCES + 1))); do sources="$sources,127.0.0.$i"; done
    echo "--gateway.socket.frames-per-second=1000 --gateway.socket.burst=1000" \
        "--gateway.routing.defaults.max-wait=1h --gateway.routing.defaults.queue-on-open=true" \
        "--gateway.socket.max-per-client=1000000 --gateway.visitors.unlimited-addresses=$sources" \
        "--gateway.socket.hello-timeout=10m"
}

# --- the report benchmark's PostgreSQL (bench/reports.sh loads and asks it, bench/reports-chat.sh runs the chat on it)
# one copy of its server settings, passed to pg_ctl -o (with the script's own -p, -k and additions)
REPORT_PG_SETTINGS="-c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=512MB -c max_wal_size=8GB"
