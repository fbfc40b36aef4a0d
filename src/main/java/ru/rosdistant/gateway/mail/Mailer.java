package ru.rosdistant.gateway.mail;

import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.outbox.Outbox;

/** Sends mail through the outbox: queued in the caller's transaction, delivered by SMTP afterwards. */
@Component
public class Mailer {

    static final String KIND = "mail";

    private final Outbox outbox;

    private final MailProperties properties;

    Mailer(Outbox outbox, MailProperties properties) {
        this.outbox = outbox;
        this.properties = properties;
    }

    /**
     * Queues the mail under {@code dedupKey} (e.g. {@code offline-form:<id>}); queuing the same key again
     * does nothing. Its Message-ID is derived from the key, so every attempt carries the same one and a
     * repeat after a crash is recognisable as the same message.
     */
    public Mono<Void> enqueue(String dedupKey, MailMessage message) {
        return outbox.enqueue(KIND, dedupKey, new MailPayload(message.to(), message.replyTo(), message.subject(),
                message.body(), messageId(dedupKey)));
    }

    /** The Message-ID every mail of the gateway queued under this key carries, in the domain of the sender. */
    public String messageId(String dedupKey) {
        return "<" + dedupKey.replaceAll("[^A-Za-z0-9.-]", ".") + ".contact-gateway@" + properties.domain() + ">";
    }

    /** Whether a Message-ID is one the gateway made (its own mail found again in a mailbox). */
    public boolean isOwn(String messageId) {
        return messageId != null && messageId.toLowerCase(java.util.Locale.ROOT)
                .endsWith(".contact-gateway@" + properties.domain().toLowerCase(java.util.Locale.ROOT) + ">");
    }

    /** The gateway's sender address ({@code gateway.mail.from}). */
    public String from() {
        return properties.from();
    }
}
