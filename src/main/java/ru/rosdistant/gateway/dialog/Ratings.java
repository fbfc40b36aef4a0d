package ru.rosdistant.gateway.dialog;

import java.util.Objects;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;

/** The visitor's rating of their closed dialog: 1 to 5 stars and an optional comment, once per dialog. */
@Component
public class Ratings {

    public static final int MAX_COMMENT = 1000;

    private final DatabaseClient db;

    Ratings(DatabaseClient db) {
        this.db = db;
    }

    /**
     * Stores the rating on the visitor's own closed dialog. Emits true when stored now, false when the very
     * same rating was stored before (a resent frame); fails with {@link DialogException}: UNKNOWN_DIALOG for
     * no such dialog or another visitor's, FORBIDDEN while it is open or when it was rated already.
     */
    public Mono<Boolean> rate(Visitor visitor, UUID dialogId, int rating, String comment) {
        if (rating < 1 || rating > 5 || (comment != null && comment.length() > MAX_COMMENT)) {
            return Mono.error(new IllegalArgumentException("rating 1..5, comment up to " + MAX_COMMENT));
        }
        return db.sql("""
                        UPDATE dialog SET rating = :rating, rating_comment = :comment, rated_at = now()
                        WHERE id = :id AND visitor_id = :visitor AND state = 'CLOSED' AND rating IS NULL
                        RETURNING id""")
                .bind("rating", (short) rating)
                .bind("comment", Parameter.fromOrEmpty(comment, String.class))
                .bind("id", dialogId)
                .bind("visitor", visitor.id())
                .map(row -> Boolean.TRUE)
                .one()
                .switchIfEmpty(Mono.defer(() -> whyNot(visitor, dialogId, rating, comment)));
    }

    /** Why the update changed nothing; decided after the row is read (never by failing a query in flight). */
    private Mono<Boolean> whyNot(Visitor visitor, UUID dialogId, int rating, String comment) {
        return db.sql("SELECT visitor_id, state, rating::int AS rating, rating_comment FROM dialog WHERE id = :id")
                .bind("id", dialogId)
                .map(row -> new Stored(row.get("visitor_id", UUID.class), row.get("state", String.class),
                        row.get("rating", Integer.class), row.get("rating_comment", String.class)))
                .one()
                .filter(stored -> visitor.id().equals(stored.visitorId()))
                .switchIfEmpty(Mono.error(() -> new DialogException(DialogException.Reason.UNKNOWN_DIALOG,
                        "No such dialog, or not yours")))
                .flatMap(stored -> {
                    if (!"CLOSED".equals(stored.state())) {
                        return Mono.error(new DialogException(DialogException.Reason.FORBIDDEN,
                                "A dialog is rated once it is closed"));
                    }
                    if (stored.rating() != null && stored.rating() == rating
                            && Objects.equals(stored.comment(), comment)) {
                        return Mono.just(Boolean.FALSE);
                    }
                    return Mono.error(new DialogException(DialogException.Reason.FORBIDDEN,
                            "This dialog has been rated already"));
                });
    }

    private record Stored(UUID visitorId, String state, Integer rating, String comment) {
    }
}
