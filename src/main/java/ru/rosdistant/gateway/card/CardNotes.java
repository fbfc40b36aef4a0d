package ru.rosdistant.gateway.card;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;

/**
 * Free-text notes staff keep on a card (regulation 4.2: what was learnt of the person goes on the card), newest
 * first, each with who wrote it and when. Adding one is audited.
 */
@Component
public class CardNotes {

    static final int MAX_LENGTH = 4000;

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final CardDesk desk;

    private final AccessAudit audit;

    CardNotes(DatabaseClient db, TransactionalOperator tx, CardDesk desk, AccessAudit audit) {
        this.db = db;
        this.tx = tx;
        this.desk = desk;
        this.audit = audit;
    }

    /** Adds a note to a card of the caller's scope. */
    public Mono<Map<String, Object>> add(UUID cardId, String body, StaffScope scope) {
        if (body == null || body.isBlank() || body.strip().length() > MAX_LENGTH) {
            return Mono.error(new CardChangeRefused(Map.of("body", "1 to " + MAX_LENGTH + " characters")));
        }
        String text = body.strip();
        return desk.card(cardId, scope)
                .filter(card -> card.mergedInto() == null)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("The card was merged into another; "
                        + "add the note there")))
                .flatMap(card -> db.sql("""
                                INSERT INTO card_note (card_id, agent_id, body) VALUES (:card, :agent, :body)
                                RETURNING id""")
                        .bind("card", cardId)
                        .bind("agent", scope.agentId())
                        .bind("body", text)
                        .map(row -> row.get("id", Long.class))
                        .one())
                .flatMap(id -> db.sql("UPDATE card SET updated_at = now() WHERE id = :card")
                        .bind("card", cardId)
                        .then()
                        .then(audit.record(scope.agentId(), "NOTE_ADDED", List.of(cardId), null, "note " + id))
                        .then(one(id)))
                .as(tx::transactional);
    }

    /** The notes of a card, newest first (at most 200). */
    static Flux<Map<String, Object>> of(DatabaseClient db, UUID cardId) {
        return db.sql(SELECT + " WHERE n.card_id = :card ORDER BY n.id DESC LIMIT 200")
                .bind("card", cardId)
                .map(CardNotes::note)
                .all();
    }

    private Mono<Map<String, Object>> one(long id) {
        return db.sql(SELECT + " WHERE n.id = :id").bind("id", id).map(CardNotes::note).one();
    }

    private static final String SELECT = """
            SELECT n.id, n.body, n.created_at, n.agent_id, a.display_name
            FROM card_note n JOIN agent a ON a.id = n.agent_id""";

    private static Map<String, Object> note(io.r2dbc.spi.Readable row) {
        Map<String, Object> note = new LinkedHashMap<>();
        note.put("id", row.get("id", Long.class));
        note.put("body", row.get("body", String.class));
        OffsetDateTime at = row.get("created_at", OffsetDateTime.class);
        note.put("createdAt", at == null ? null : at.toInstant());
        note.put("agentId", row.get("agent_id", Long.class));
        note.put("agentName", row.get("display_name", String.class));
        return note;
    }
}
