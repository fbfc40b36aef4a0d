package ru.rosdistant.gateway.card;

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
 * Moving a dialog or an offline form to another card, when it was put on the wrong person: what hangs on it (the
 * transcript, its task, its offline appeal) moves along. Both cards must lie in the caller's scope; the move is on
 * the audit record of both.
 */
@Component
public class CardMoves {

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final StaffAccess access;

    private final CardDesk desk;

    private final AccessAudit audit;

    CardMoves(DatabaseClient db, TransactionalOperator tx, StaffAccess access, CardDesk desk, AccessAudit audit) {
        this.db = db;
        this.tx = tx;
        this.access = access;
        this.desk = desk;
        this.audit = audit;
    }

    /** Moves a dialog (with its transcript, task and offline appeal) to the card {@code toCard}. */
    public Mono<Map<String, Object>> dialog(UUID dialogId, UUID toCard, StaffScope scope) {
        return from("SELECT d.card_id AS id FROM dialog d JOIN card c ON c.id = d.card_id WHERE d.id = :thing AND "
                + StaffAccess.cardVisible("c"), dialogId, scope)
                .flatMap(fromCard -> target(fromCard, toCard, scope)
                        .then(claim("UPDATE dialog SET card_id = :to WHERE id = :thing AND card_id = :from "
                                + "RETURNING id", dialogId, fromCard, toCard))
                        .then(Flux.concat(
                                        update("UPDATE transcript SET card_id = :to WHERE dialog_id = :thing", dialogId,
                                                toCard),
                                        update("UPDATE task SET card_id = :to WHERE dialog_id = :thing", dialogId,
                                                toCard),
                                        update("UPDATE offline_appeal SET card_id = :to WHERE dialog_id = :thing",
                                                dialogId, toCard),
                                        // the lead made for this dialog alone no longer goes with it when it is spam
                                        db.sql("UPDATE card SET lead_of_dialog = NULL, updated_at = now() "
                                                        + "WHERE id = :from AND lead_of_dialog = :thing")
                                                .bind("from", fromCard)
                                                .bind("thing", dialogId)
                                                .then(),
                                        touch(toCard),
                                        audit.record(scope.agentId(), "DIALOG_MOVED", List.of(fromCard, toCard), null,
                                                "dialog " + dialogId + " moved from card " + fromCard + " to card "
                                                        + toCard))
                                .then(Mono.fromCallable(() -> moved("dialogId", dialogId, fromCard, toCard)))))
                .as(tx::transactional);
    }

    /** Moves an offline form (with its offline appeal) to the card {@code toCard}. */
    public Mono<Map<String, Object>> form(UUID formId, UUID toCard, StaffScope scope) {
        return from("SELECT f.card_id AS id FROM offline_form f JOIN card c ON c.id = f.card_id WHERE f.id = :thing AND "
                + StaffAccess.cardVisible("c"), formId, scope)
                .flatMap(fromCard -> target(fromCard, toCard, scope)
                        .then(claim("UPDATE offline_form SET card_id = :to WHERE id = :thing AND card_id = :from "
                                + "RETURNING id", formId, fromCard, toCard))
                        .then(Flux.concat(
                                        update("UPDATE offline_appeal SET card_id = :to WHERE offline_form_id = :thing",
                                                formId, toCard),
                                        touch(toCard),
                                        audit.record(scope.agentId(), "FORM_MOVED", List.of(fromCard, toCard), null,
                                                "offline form " + formId + " moved from card " + fromCard
                                                        + " to card " + toCard))
                                .then(Mono.fromCallable(() -> moved("formId", formId, fromCard, toCard)))))
                .as(tx::transactional);
    }

    private Mono<UUID> from(String sql, UUID thing, StaffScope scope) {
        return access.bind(db.sql(sql), scope)
                .bind("thing", thing)
                .map(row -> row.get("id", UUID.class))
                .one()
                .switchIfEmpty(Mono.error(() -> new CardNotFoundException(thing)));
    }

    private Mono<Void> target(UUID fromCard, UUID toCard, StaffScope scope) {
        if (toCard == null) {
            return Mono.error(new CardChangeRefused(Map.of("cardId", "the card to move to")));
        }
        if (toCard.equals(fromCard)) {
            return Mono.error(new IllegalStateException("It is on that card already"));
        }
        return desk.card(toCard, scope)
                .filter(card -> card.mergedInto() == null)
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("The card was merged into another; "
                        + "move it there")))
                .then();
    }

    /**
     * Moves the thing itself, only from the card it was read on: of two moves at once, the one that waited for the
     * other's row lock finds it moved and is refused (409) rather than recording a move from a card it had left.
     */
    private Mono<Void> claim(String sql, UUID thing, UUID fromCard, UUID toCard) {
        return db.sql(sql)
                .bind("thing", thing)
                .bind("from", fromCard)
                .bind("to", toCard)
                .map(row -> row.get("id", UUID.class))
                .one()
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("It was moved to another card meanwhile; "
                        + "look again")))
                .then();
    }

    private Mono<Void> update(String sql, UUID thing, UUID toCard) {
        return db.sql(sql).bind("thing", thing).bind("to", toCard).then();
    }

    private Mono<Void> touch(UUID card) {
        return db.sql("UPDATE card SET updated_at = now() WHERE id = :card").bind("card", card).then();
    }

    private static Map<String, Object> moved(String key, UUID thing, UUID fromCard, UUID toCard) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put(key, thing);
        view.put("fromCardId", fromCard);
        view.put("toCardId", toCard);
        return view;
    }
}
