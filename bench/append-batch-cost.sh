#!/usr/bin/env bash
# The group commit's statement in PostgreSQL alone: a batch of B chat messages through append_message once per
# message (the statement before V68) against append_messages (V68: a dialog with several messages in the batch is
# rewritten once), alternating, on a copy of a database a chat run left behind (its dialogs, visitors and agents).
# pgbench with one client, as the gateway keeps one batch in flight; each message goes to a random open dialog of
# the copy, from its visitor or its agent (half each), ordered by dialog as AppendBatches orders a batch.
#
#   bench/run.sh chat                       # any chat run with the gateway of V68 or later, leaves $BENCH_DB
#   bench/append-batch-cost.sh              # then this: ROUNDS (3), SIZES ("16 128"), T (15 s a run)
#
# Per run: messages stored per second, executor time per message (pg_stat_statements, when the cluster preloads it;
# else "-"), WAL bytes and shared buffers per message, foreign-key checks and dialog row updates per message.
set -euo pipefail

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
FROM_DB=${BENCH_DB:-gateway_bench}
DB=${COST_DB:-${FROM_DB}_append_cost}
ROUNDS=${ROUNDS:-"1 2 3"}
SIZES=${SIZES:-"16 128"}
T=${T:-15}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

P() { psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -qAtX "$@"; }

P -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB TEMPLATE $FROM_DB"
P -d "$DB" <<'SQL'
-- every open dialog assigned (an agent of the run's), so that both its visitor and its agent may write
UPDATE dialog d SET state = 'ASSIGNED', agent_id = a.id, assigned_at = coalesce(d.assigned_at, now()),
                    queued_at = coalesce(d.queued_at, now())
FROM (SELECT id, row_number() OVER (ORDER BY id) AS r, count(*) OVER () AS n FROM agent WHERE login <> 'admin') a
WHERE d.state = 'WAITING' AND a.r = 1 + (abs(hashtext(d.id::text)) % a.n);
CREATE TABLE bench_d AS
SELECT row_number() OVER (ORDER BY id)::int AS n, id, visitor_id AS visitor, agent_id AS agent
FROM dialog WHERE state = 'ASSIGNED';
ALTER TABLE bench_d ADD PRIMARY KEY (n);
SQL
DIALOGS=$(P -d "$DB" -c "SELECT count(*) FROM bench_d")
STATEMENTS=0
if P -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" \
        >/dev/null 2>&1; then
    STATEMENTS=1
fi
echo "database $DB (a copy of $FROM_DB), $DIALOGS dialogs; load $(cut -d' ' -f1-3 /proc/loadavg)"

BATCH="WITH m AS (SELECT b.id, b.visitor, b.agent, g, random() < 0.5 AS vis
                  FROM (SELECT g, 1 + floor(random() * $DIALOGS)::int AS k FROM generate_series(1, :b) g OFFSET 0) s
                  JOIN bench_d b ON b.n = s.k),
     a AS (SELECT array_agg(id ORDER BY id, g) AS dialogs,
                  array_agg(CASE WHEN vis THEN 'VISITOR' ELSE 'AGENT' END ORDER BY id, g) AS senders,
                  array_agg(CASE WHEN vis THEN visitor END ORDER BY id, g) AS visitors,
                  array_agg(CASE WHEN vis THEN NULL ELSE agent END ORDER BY id, g) AS agents,
                  array_agg(CASE WHEN vis THEN NULL ELSE 'Agent' END ORDER BY id, g) AS authors,
                  array_agg(md5(random()::text || g || clock_timestamp()) ORDER BY id, g) AS clients,
                  array_agg('bench message text of a usual length, about sixty characters ' || g ORDER BY id, g)
                      AS bodies
           FROM m)
SELECT count(*) FROM a,"
echo "$BATCH unnest(a.dialogs, a.senders, a.visitors, a.agents, a.authors, a.clients, a.bodies) WITH ORDINALITY
    AS t(dialog, sender, visitor, agent, author, client, body, ord)
    CROSS JOIN LATERAL append_message(t.dialog, t.sender, t.visitor, t.agent, t.author, t.client, NULL, t.body, false) r;" \
    | tr '\n' ' ' > "$WORK/one-by-one.sql"
echo "$BATCH append_messages(a.dialogs, a.senders, a.visitors, a.agents, a.authors, a.clients, a.bodies) r;" \
    | tr '\n' ' ' > "$WORK/append-messages.sql"

counters() {
    P -d "$DB" -F ' ' -c "SELECT (SELECT sum(n_tup_ins) FROM pg_stat_user_tables WHERE relname = 'message'),
        (SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'dialog'),
        (SELECT blks_hit FROM pg_stat_database WHERE datname = current_database()),
        pg_current_wal_lsn() - '0/0'::pg_lsn"
}

printf '%-5s %-5s %-16s %12s %10s %10s %8s %10s %10s\n' round batch statement "msg/s" "ms/msg" "WAL B/msg" \
    "blks/msg" "FK/msg" "upd/msg"
for round in $ROUNDS; do
    for b in $SIZES; do
        for variant in one-by-one append-messages; do
            P -d "$DB" -c "VACUUM dialog, message" >/dev/null
            [[ $STATEMENTS == 1 ]] && P -d "$DB" -c "SELECT pg_stat_statements_reset()" >/dev/null
            sleep 1   # the statistics collector's view settles
            read -r ins0 upd0 hit0 wal0 <<< "$(counters)"
            tps=$(pgbench -h "$PG_HOST" -p "$PG_PORT" -U postgres -n -c 1 -T "$T" -D b="$b" -f "$WORK/$variant.sql" \
                "$DB" 2>/dev/null | grep -o 'tps = [0-9.]*' | cut -d' ' -f3)
            sleep 1
            read -r ins1 upd1 hit1 wal1 <<< "$(counters)"
            msgs=$((ins1 - ins0))
            ms=- fk=-
            if [[ $STATEMENTS == 1 ]]; then
                read -r ms fk <<< "$(P -d "$DB" -F ' ' -c "SELECT
                    round((sum(total_exec_time) FILTER (WHERE toplevel))::numeric / $msgs, 4),
                    round(coalesce(sum(calls) FILTER (WHERE query LIKE '%FOR KEY SHARE%'), 0)::numeric / $msgs, 3)
                    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                    WHERE d.datname = current_database() AND (query LIKE '%append_message%' OR NOT toplevel)")"
            fi
            printf '%-5s %-5s %-16s %12.0f %10s %10.0f %8.1f %10s %10.3f\n' "$round" "$b" "$variant" \
                "$(echo "$tps * $b" | bc)" "$ms" "$(echo "($wal1 - $wal0) / $msgs" | bc -l)" \
                "$(echo "($hit1 - $hit0) / $msgs" | bc -l)" "$fk" "$(echo "($upd1 - $upd0) / $msgs" | bc -l)"
        done
    done
done
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
