# Shared by bench/run.sh and bench/drill-crash.sh (sourced): builds the generator and the gateway jar.
# Needs HERE, ROOT, OUT, WORK, GATEWAY_FROM, GATEWAY_JAR and a log function; sets BENCH_JAR and GATEWAY_JAR.

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
