package ru.rosdistant.gateway.card;

import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;

/**
 * The record of who read or changed personal data (152-FZ), table {@code card_audit}: every card read, edit
 * and merge, every search with its query and the cards it found, task lists and reads, file downloads. An
 * entry is written before (or in the same transaction as) what it records, so nothing is read unrecorded.
 */
@Component
public class AccessAudit {

    private static final int MAX_QUERY = 500;

    private final DatabaseClient db;

    AccessAudit(DatabaseClient db) {
        this.db = db;
    }

    /** One entry; {@code cards} may be empty (a search that found nothing), {@code query} and {@code detail} null. */
    public Mono<Void> record(long agentId, String action, Collection<UUID> cards, String query, String detail) {
        UUID single = cards.size() == 1 ? cards.iterator().next() : null;
        return db.sql("""
                        INSERT INTO card_audit (card_id, card_ids, agent_id, action, query, detail)
                        VALUES (:card, :cards, :agent, :action, :query, :detail)""")
                .bind("card", Parameter.fromOrEmpty(single, UUID.class))
                .bind("cards", cards.stream().distinct().toArray(UUID[]::new))
                .bind("agent", agentId)
                .bind("action", action)
                .bind("query", Parameter.fromOrEmpty(query == null || query.length() <= MAX_QUERY ? query
                        : query.substring(0, MAX_QUERY), String.class))
                .bind("detail", Parameter.fromOrEmpty(detail, String.class))
                .then();
    }

    /** A page of the record, newest first: entries with an id below {@code before}, by agent or card if given. */
    public Mono<Map<String, Object>> page(Long before, int size, Long agentId, UUID cardId) {
        return db.sql("""
                        SELECT a.id, a.at, a.agent_id, ag.login, ag.display_name, a.action, a.card_ids, a.query,
                               a.detail
                        FROM card_audit a LEFT JOIN agent ag ON ag.id = a.agent_id
                        WHERE a.id < :before AND (CAST(:agent AS bigint) IS NULL OR a.agent_id = :agent)
                          AND (CAST(:card AS uuid) IS NULL OR a.card_ids @> ARRAY[CAST(:card AS uuid)])
                        ORDER BY a.id DESC LIMIT :size""")
                .bind("before", before == null ? Long.MAX_VALUE : before)
                .bind("agent", Parameter.fromOrEmpty(agentId, Long.class))
                .bind("card", Parameter.fromOrEmpty(cardId, UUID.class))
                .bind("size", size)
                .map(row -> {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("id", row.get("id", Long.class));
                    OffsetDateTime at = row.get("at", OffsetDateTime.class);
                    entry.put("at", at == null ? null : at.toInstant());
                    entry.put("agentId", row.get("agent_id", Long.class));
                    entry.put("agentLogin", row.get("login", String.class));
                    entry.put("agentName", row.get("display_name", String.class));
                    entry.put("action", row.get("action", String.class));
                    entry.put("cardIds", List.of(row.get("card_ids", UUID[].class)));
                    entry.put("query", row.get("query", String.class));
                    entry.put("detail", row.get("detail", String.class));
                    return entry;
                })
                .all()
                .collectList()
                .map(entries -> {
                    Map<String, Object> page = new LinkedHashMap<>();
                    page.put("entries", entries);
                    page.put("next", entries.size() < size ? null : entries.get(entries.size() - 1).get("id"));
                    return page;
                });
    }
}
