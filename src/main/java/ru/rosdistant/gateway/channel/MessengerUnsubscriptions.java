package ru.rosdistant.gateway.channel;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * A person who unsubscribed from a bot (Viber) or denied it messages (VK message_deny) is marked until they
 * write again; VK's allow and deny are also recorded as such, whether or not the person has written yet.
 */
@Component
public class MessengerUnsubscriptions {

    private final MessengerUsers users;

    private final DatabaseClient db;

    MessengerUnsubscriptions(MessengerUsers users, DatabaseClient db) {
        this.users = users;
        this.db = db;
    }

    /** Records whether the person lets the bot write to them; the latest report wins. */
    public Mono<Void> consent(Bot bot, String externalId, boolean allowed) {
        Mono<Void> recorded = db.sql("""
                        INSERT INTO messenger_consent (bot_id, external_id, allowed) VALUES (:bot, :external, :allowed)
                        ON CONFLICT (bot_id, external_id) DO UPDATE SET allowed = excluded.allowed, changed_at = now()""")
                .bind("bot", bot.id())
                .bind("external", Keys.fit(externalId, 200))
                .bind("allowed", allowed)
                .then();
        return allowed ? recorded : recorded.then(users.unsubscribed(bot.id(), externalId));
    }

    public Mono<Void> unsubscribed(Bot bot, String externalId) {
        return users.unsubscribed(bot.id(), externalId);
    }
}
