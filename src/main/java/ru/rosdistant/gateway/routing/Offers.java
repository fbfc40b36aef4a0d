package ru.rosdistant.gateway.routing;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.cluster.ClusterProperties;

/**
 * The open offers of waiting dialogs, in PostgreSQL ({@code dialog_offer}) so that an agent on any node may answer
 * an offer made by any node's drain. Each change is one conditional statement: of two agents who accept at once one
 * deletes the row, the other finds it gone.
 */
@Component
class Offers {

    /** An offer as one statement changed it: its line, its targets afterwards (before, for an expiry). */
    record Changed(UUID dialogId, String line, Set<Long> targets, boolean reserved) {
    }

    /** What a drain of a line needs: the line's offers and the slots reserved by offers anywhere. */
    record Around(Set<UUID> open, Map<UUID, Set<Long>> passedOver, Map<Long, Integer> reserved) {

        static final Around NONE = new Around(Set.of(), Map.of(), Map.of());

        Set<Long> passedOver(UUID dialogId) {
            return passedOver.getOrDefault(dialogId, Set.of());
        }
    }

    private static final String OPEN = "cardinality(targets) > 0 AND expires_at > now()";

    private final DatabaseClient db;

    private final String nodeId;

    Offers(DatabaseClient db, ClusterProperties cluster) {
        this.db = db;
        this.nodeId = cluster.nodeId();
    }

    Mono<Around> around(String line) {
        return db.sql("SELECT dialog_id, line_id, targets, passed_over, reserved, " + OPEN + " AS open "
                        + "FROM dialog_offer WHERE line_id = :line OR (reserved AND " + OPEN + ")")
                .bind("line", line)
                .fetch()
                .all()
                .collectList()
                .map(rows -> {
                    Set<UUID> open = new HashSet<>();
                    Map<UUID, Set<Long>> passedOver = new HashMap<>();
                    Map<Long, Integer> reserved = new HashMap<>();
                    for (Map<String, Object> row : rows) {
                        UUID dialogId = (UUID) row.get("dialog_id");
                        boolean isOpen = Boolean.TRUE.equals(row.get("open"));
                        if (line.equals(row.get("line_id"))) {
                            if (isOpen) {
                                open.add(dialogId);
                            }
                            passedOver.put(dialogId, ids((Long[]) row.get("passed_over")));
                        }
                        if (isOpen && Boolean.TRUE.equals(row.get("reserved"))) {
                            ids((Long[]) row.get("targets")).forEach(agent -> reserved.merge(agent, 1, Integer::sum));
                        }
                    }
                    return new Around(open, passedOver, reserved);
                });
    }

    /**
     * Opens an offer of the dialog to the targets for {@code timeout}; its round, or empty when an open offer of the
     * dialog exists (made meanwhile by another node). {@code freshRound} forgets who was passed over.
     */
    Mono<UUID> open(UUID dialogId, String line, Set<Long> targets, Duration timeout, boolean reserved,
            boolean freshRound) {
        UUID round = ru.rosdistant.gateway.shared.RandomIds.uuid();
        return db.sql("""
                        INSERT INTO dialog_offer (dialog_id, line_id, round, node_id, targets, reserved, expires_at)
                        VALUES (:dialog, :line, :round, :node, :targets, :reserved, now() + make_interval(secs => :secs))
                        ON CONFLICT (dialog_id) DO UPDATE SET line_id = excluded.line_id, round = excluded.round,
                            node_id = excluded.node_id, targets = excluded.targets, reserved = excluded.reserved,
                            offered_at = now(), expires_at = excluded.expires_at,
                            passed_over = CASE WHEN :fresh THEN '{}' ELSE dialog_offer.passed_over END
                        WHERE NOT (cardinality(dialog_offer.targets) > 0 AND dialog_offer.expires_at > now())""")
                .bind("dialog", dialogId)
                .bind("line", line)
                .bind("round", round)
                .bind("node", nodeId)
                .bind("targets", targets.toArray(Long[]::new))
                .bind("reserved", reserved)
                .bind("secs", timeout.toMillis() / 1000.0)
                .bind("fresh", freshRound)
                .fetch()
                .rowsUpdated()
                .filter(rows -> rows > 0)
                .map(rows -> round);
    }

    /** The offer of the dialog when it is open to the agent. */
    Mono<Changed> openTo(UUID dialogId, long agentId) {
        return db.sql("SELECT dialog_id, line_id, targets, reserved FROM dialog_offer WHERE dialog_id = :dialog "
                        + "AND :agent = ANY(targets) AND expires_at > now()")
                .bind("dialog", dialogId)
                .bind("agent", agentId)
                .map(Offers::changed)
                .one();
    }

    /** Takes the offer for the agent (deletes it); empty when it is not open to them (any more). */
    Mono<Changed> take(UUID dialogId, long agentId) {
        return db.sql("DELETE FROM dialog_offer WHERE dialog_id = :dialog AND :agent = ANY(targets) "
                        + "AND expires_at > now() RETURNING dialog_id, line_id, targets, reserved")
                .bind("dialog", dialogId)
                .bind("agent", agentId)
                .map(Offers::changed)
                .one();
    }

    /** The agent passes on the offer; the offer as it is left (no targets: nobody else sees it). */
    Mono<Changed> decline(UUID dialogId, long agentId) {
        return db.sql("""
                        UPDATE dialog_offer SET targets = array_remove(targets, :agent),
                            passed_over = array_append(array_remove(passed_over, :agent), :agent)
                        WHERE dialog_id = :dialog AND :agent = ANY(targets)
                        RETURNING dialog_id, line_id, targets, reserved""")
                .bind("dialog", dialogId)
                .bind("agent", agentId)
                .map(Offers::changed)
                .one();
    }

    /** The agent gets no more offers (went away or lost their console): the offers that named them. */
    Flux<Changed> withdrawFrom(long agentId) {
        return db.sql("""
                        UPDATE dialog_offer SET targets = array_remove(targets, :agent) WHERE :agent = ANY(targets)
                        RETURNING dialog_id, line_id, targets, reserved""")
                .bind("agent", agentId)
                .map(Offers::changed)
                .all();
    }

    /** Ends one offer (its timer ran out): its targets are passed over; the offer with the targets it had. */
    Mono<Changed> expire(UUID dialogId, UUID round) {
        return expireWhere("dialog_id = :dialog AND round = :round", spec -> spec.bind("dialog", dialogId)
                .bind("round", round)).next();
    }

    /** Ends every offer past its time (those of a node that died before its timers ran out). */
    Flux<Changed> expireDue() {
        return expireWhere("expires_at <= now()", spec -> spec)
                .concatWith(db.sql("""
                                DELETE FROM dialog_offer o USING dialog d
                                WHERE d.id = o.dialog_id AND d.state <> 'WAITING'""")
                        .fetch()
                        .rowsUpdated()
                        .then(Mono.empty()));
    }

    private Flux<Changed> expireWhere(String condition,
            java.util.function.UnaryOperator<DatabaseClient.GenericExecuteSpec> binds) {
        return binds.apply(db.sql("""
                        WITH due AS (
                            SELECT dialog_id, targets FROM dialog_offer
                            WHERE cardinality(targets) > 0 AND %s
                            FOR UPDATE SKIP LOCKED)
                        UPDATE dialog_offer o SET passed_over = o.passed_over || due.targets, targets = '{}'
                        FROM due WHERE o.dialog_id = due.dialog_id
                        RETURNING o.dialog_id, o.line_id, due.targets, o.reserved""".formatted(condition)))
                .map(Offers::changed)
                .all();
    }

    /** The dialog closed: its offer ends; the agents it was open to. */
    Mono<Changed> drop(UUID dialogId) {
        return db.sql("DELETE FROM dialog_offer WHERE dialog_id = :dialog RETURNING dialog_id, line_id, targets, reserved")
                .bind("dialog", dialogId)
                .map(Offers::changed)
                .one();
    }

    private static Changed changed(Readable row) {
        return new Changed(row.get("dialog_id", UUID.class), row.get("line_id", String.class),
                ids(row.get("targets", Long[].class)), Boolean.TRUE.equals(row.get("reserved", Boolean.class)));
    }

    private static Set<Long> ids(Long[] array) {
        return array == null ? Set.of() : new HashSet<>(Arrays.asList(array));
    }
}
