package ru.rosdistant.gateway.channel;

import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/** A person who unsubscribed from a bot (Viber) is marked until they write again. */
@Component
public class MessengerUnsubscriptions {

    private final MessengerUsers users;

    MessengerUnsubscriptions(MessengerUsers users) {
        this.users = users;
    }

    public Mono<Void> unsubscribed(Bot bot, String externalId) {
        return users.unsubscribed(bot.id(), externalId);
    }
}
