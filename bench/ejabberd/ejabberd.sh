# The peer of the benchmarks: ejabberd from the Debian package, configured from bench/ejabberd/ (sourced by
# bench/run.sh). Needs WORK, OUT, PG_HOST, PG_PORT, STARTED, a log function, wait_http and stop_pid.
#
#   ejabberd_install          apt-get install ejabberd + its PostgreSQL driver when missing
#   start_ejabberd LOG USERS  a fresh database (ejabberd's pg.sql schema, USERS visitor accounts v0…, agents a0…,
#                             warm-up accounts w0…), a fresh spool, ejabberd in the foreground; sets SERVER_PID (the
#                             BEAM process) and SERVER_URL
#   stop_ejabberd             stops the node and its wrapper

EJ_CONF_SRC=${EJ_CONF_SRC:-$HERE/ejabberd}
EJ_PORT=${EJABBERD_PORT:-15280}
EJ_DB=${EJABBERD_DB:-ejabberd_bench}
EJ_DOMAIN=${EJABBERD_DOMAIN:-bench.local}
EJ_PASSWORD=pw-bench
EJ_NODE=${EJABBERD_NODE:-ejabberdbench@localhost}
EJ_SQL_POOL=${EJABBERD_SQL_POOL:-10}
EJ_AGENTS=${EJ_AGENTS:-100}
EJ_WARMUP_ACCOUNTS=${EJ_WARMUP_ACCOUNTS:-500}
EJ_DIR=$WORK/ejabberd
EJ_WRAPPER=
EJ_EPMD_WAS_RUNNING=

ejabberd_install() {
    if command -v ejabberdctl >/dev/null && dpkg -s erlang-p1-pgsql >/dev/null 2>&1; then
        return 0
    fi
    log "installing ejabberd and erlang-p1-pgsql from the distribution (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q ejabberd erlang-p1-pgsql >/dev/null \
        || { apt-get update -q >/dev/null && apt-get install -y -q ejabberd erlang-p1-pgsql >/dev/null; }
    # the package's own service (node ejabberd@localhost, ports 5222/5280/5443) is not used by the bench
}

ejabberd_version() {
    dpkg-query -W -f='${Version}' ejabberd 2>/dev/null
}

ejabberd_ctl() {
    ejabberdctl --config-dir "$EJ_DIR" --config "$EJ_DIR/ejabberd.yml" --ctl-config "$EJ_DIR/ejabberdctl.cfg" \
        --logs "$EJ_DIR/logs" --spool "$EJ_DIR/spool" --node "$EJ_NODE" "$@"
}

# a fresh database with ejabberd's schema and the accounts (plain passwords, as auth_password_format: plain keeps them)
ejabberd_fresh_db() {
    local visitors=$1
    local psql=(psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qX -v ON_ERROR_STOP=1)
    "${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $EJ_DB WITH (FORCE)" -c "CREATE DATABASE $EJ_DB" >/dev/null
    "${psql[@]}" -d "$EJ_DB" -f /usr/share/ejabberd/sql/pg.sql >/dev/null
    "${psql[@]}" -d "$EJ_DB" >/dev/null <<SQL
INSERT INTO users (username, password) SELECT 'v' || g, '$EJ_PASSWORD' FROM generate_series(0, $visitors - 1) g;
INSERT INTO users (username, password) SELECT 'a' || g, '$EJ_PASSWORD' FROM generate_series(0, $EJ_AGENTS - 1) g;
INSERT INTO users (username, password) SELECT 'w' || g, '$EJ_PASSWORD' FROM generate_series(0, $EJ_WARMUP_ACCOUNTS - 1) g;
VACUUM ANALYZE users;
SQL
}

start_ejabberd() {
    local logfile=$1 visitors=${2:-20000}
    ejabberd_fresh_db "$visitors"
    rm -rf "$EJ_DIR"
    mkdir -p "$EJ_DIR/logs" "$EJ_DIR/spool"
    sed -e "s|@HOST@|$EJ_DOMAIN|" -e "s|@PORT@|$EJ_PORT|" -e "s|@PG_HOST@|$PG_HOST|" -e "s|@PG_PORT@|$PG_PORT|" \
        -e "s|@PG_DB@|$EJ_DB|" -e "s|@PG_USER@|postgres|" -e "s|@PG_PASSWORD@|${PGPASSWORD:-}|" \
        -e "s|@SQL_POOL@|$EJ_SQL_POOL|" "$EJ_CONF_SRC/ejabberd.yml" > "$EJ_DIR/ejabberd.yml"
    cp "$EJ_CONF_SRC/ejabberdctl.cfg" "$EJ_DIR/ejabberdctl.cfg"
    [[ -f /etc/ejabberd/inetrc ]] && cp /etc/ejabberd/inetrc "$EJ_DIR/inetrc"
    chown -R ejabberd:ejabberd "$EJ_DIR"
    [[ -n $EJ_EPMD_WAS_RUNNING ]] || { epmd -names >/dev/null 2>&1 && EJ_EPMD_WAS_RUNNING=yes || EJ_EPMD_WAS_RUNNING=no; }
    # the node runs as the package's user "ejabberd", in the foreground of this wrapper; setpriv rather than the su
    # that ejabberdctl would use as root, because su's PAM session resets the open-files limit to 1024
    (cd "$EJ_DIR" && exec setpriv --reuid=ejabberd --regid=ejabberd --init-groups \
        env HOME=/var/lib/ejabberd EJABBERD_PID_PATH="$EJ_DIR/ejabberd.pid" \
        ejabberdctl --config-dir "$EJ_DIR" --config "$EJ_DIR/ejabberd.yml" --ctl-config "$EJ_DIR/ejabberdctl.cfg" \
        --logs "$EJ_DIR/logs" --spool "$EJ_DIR/spool" --node "$EJ_NODE" foreground >"$logfile" 2>&1) &
    EJ_WRAPPER=$!
    STARTED+=("$EJ_WRAPPER")
    SERVER_URL="http://$HOST:$EJ_PORT"
    for _ in $(seq 1 120); do
        [[ -s $EJ_DIR/ejabberd.pid ]] && [[ $(curl -s -o /dev/null -w '%{http_code}' "$SERVER_URL/ws") != 000 ]] && break
        kill -0 "$EJ_WRAPPER" 2>/dev/null || { log "ejabberd died while starting (see $logfile)"; return 1; }
        sleep 0.5
    done
    SERVER_PID=$(cat "$EJ_DIR/ejabberd.pid")
    STARTED+=("$SERVER_PID")
    log "ejabberd $(ejabberd_version) up: node $EJ_NODE, BEAM pid $SERVER_PID, $SERVER_URL/ws," \
        "$(ejabberd_ctl registered_users "$EJ_DOMAIN" | wc -l) accounts," \
        "open files limit $(awk '/Max open files/ {print $4}' "/proc/$SERVER_PID/limits")"
    sleep 2
}

stop_ejabberd() {
    [[ -n $SERVER_PID ]] && stop_pid "$SERVER_PID"
    [[ -n $EJ_WRAPPER ]] && stop_pid "$EJ_WRAPPER"
    EJ_WRAPPER=
}

# epmd (Erlang's port mapper) is started by the first node; stop it at the end if it was not running before
stop_epmd_if_ours() {
    [[ $EJ_EPMD_WAS_RUNNING == no ]] && epmd -kill >/dev/null 2>&1 || true
}
