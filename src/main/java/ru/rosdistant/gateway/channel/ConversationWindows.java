package ru.rosdistant.gateway.channel;

import java.time.Duration;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * Platforms that limit free-form replies to a window after the person's last message (WhatsApp: 24 hours)
 * ask here whether a reply may go out as it is, or a template must go instead, and only once.
 */
@Component
public class ConversationWindows {

    /** What may be sent to the person now. */
    public enum Allowed {
        FREE_TEXT, TEMPLATE, NOTHING
    }

    private final DatabaseClient db;

    ConversationWindows(DatabaseClient db) {
        this.db = db;
    }

    /**
     * Free text inside the window; outside it, the right to send the template, claimed atomically so that
     * replies delivered side by side send one template between them; after that, nothing until the person
     * writes again. A claimed template whose send fails is given back with {@link #templateFailed}.
     */
    public Mono<Allowed> allowed(String botId, String externalId, Duration window) {
        return db.sql("""
                        SELECT last_inbound_at > now() - make_interval(secs => :window) AS open
                        FROM messenger_user WHERE bot_id = :bot AND external_id = :external""")
                .bind("bot", botId)
                .bind("external", externalId)
                .bind("window", (double) window.toSeconds())
                .map(row -> Boolean.TRUE.equals(row.get("open", Boolean.class)))
                .one()
                .defaultIfEmpty(false)
                .flatMap(open -> open ? Mono.just(Allowed.FREE_TEXT) : claimTemplate(botId, externalId));
    }

    private Mono<Allowed> claimTemplate(String botId, String externalId) {
        return db.sql("""
                        UPDATE messenger_user SET template_sent_at = now()
                        WHERE bot_id = :bot AND external_id = :external
                          AND (template_sent_at IS NULL OR template_sent_at < last_inbound_at)""")
                .bind("bot", botId)
                .bind("external", externalId)
                .fetch()
                .rowsUpdated()
                .map(claimed -> claimed > 0 ? Allowed.TEMPLATE : Allowed.NOTHING);
    }

    public Mono<Void> templateFailed(String botId, String externalId) {
        return db.sql("UPDATE messenger_user SET template_sent_at = NULL WHERE bot_id = :bot AND external_id = :external")
                .bind("bot", botId)
                .bind("external", externalId)
                .then();
    }

}
