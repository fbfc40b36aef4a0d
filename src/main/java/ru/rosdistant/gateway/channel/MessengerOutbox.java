package ru.rosdistant.gateway.channel;

import java.util.LinkedHashMap;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.outbox.Outbox;

/**
 * What a bot says by itself (greeting, identification questions, the out-of-hours text) goes through the
 * outbox like the agents' replies, which the database queues itself (see the V6 migration). Call it in the
 * transaction that decided to send.
 */
@Component
public class MessengerOutbox {

    /** A reply keyboard to show with the text: ask for the phone, or remove the keyboard shown before. */
    public enum Keyboard {
        CONTACT, REMOVE
    }

    private final Outbox outbox;

    MessengerOutbox(Outbox outbox) {
        this.outbox = outbox;
    }

    Mono<Void> say(Bot bot, String chat, String dedupKey, String text, Keyboard keyboard) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("bot", bot.id());
        payload.put("chat", chat);
        payload.put("text", text);
        payload.put("to", bot.platform().name().toLowerCase(java.util.Locale.ROOT) + ":" + chat);
        if (keyboard != null) {
            payload.put("keyboard", keyboard.name());
        }
        String outboxKey = "bot:" + bot.id() + ":" + dedupKey;
        // a platform that deduplicates sends by an id of ours (VK's random_id) derives it from this
        payload.put("outboxKey", outboxKey);
        return outbox.enqueue(bot.platform().sendKind(), outboxKey, payload);
    }
}
