package ru.rosdistant.gateway.mail;

import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.MimeMessage;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.mail.MailParseException;
import org.springframework.mail.MailPreparationException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.outbox.OutboxHandler;
import ru.rosdistant.gateway.outbox.PermanentDeliveryFailure;

/**
 * Delivers the outbox's mail over SMTP ({@code spring.mail.*}). Jakarta Mail blocks, so each send runs on
 * boundedElastic. Connection trouble is retried by the outbox; a mail that cannot be built or whose
 * recipient the server refuses fails for good.
 */
@Component
class MailDelivery implements OutboxHandler {

    private final ObjectProvider<JavaMailSender> senders;

    private final MailProperties properties;

    private final JsonMapper json;

    MailDelivery(ObjectProvider<JavaMailSender> senders, MailProperties properties, JsonMapper json) {
        this.senders = senders;
        this.properties = properties;
        this.json = json;
    }

    @Override
    public String kind() {
        return Mailer.KIND;
    }

    @Override
    public Mono<Void> deliver(JsonNode payload) {
        return Mono.fromCallable(() -> json.treeToValue(payload, MailPayload.class))
                .onErrorMap(JacksonException.class, ex -> new PermanentDeliveryFailure("Not a mail payload", ex))
                .flatMap(mail -> Mono.fromRunnable(() -> send(mail))
                        .subscribeOn(Schedulers.boundedElastic()))
                .onErrorMap(MailDelivery::classify)
                .then();
    }

    private void send(MailPayload mail) {
        JavaMailSender sender = senders.getIfAvailable();
        if (sender == null) {
            throw new IllegalStateException("No SMTP server is configured (spring.mail.host)");
        }
        MimeMessage message = sender.createMimeMessage();
        try {
            MimeMessageHelper helper = new MimeMessageHelper(message, false, "UTF-8");
            helper.setFrom(properties.from());
            helper.setTo(mail.to());
            if (mail.replyTo() != null) {
                helper.setReplyTo(mail.replyTo());
            }
            helper.setSubject(mail.subject());
            helper.setText(mail.body(), false);
            message.setHeader("Message-ID", mail.messageId());
            // RFC 3834: no vacation auto-replies to the gateway
            message.setHeader("Auto-Submitted", "auto-generated");
        }
        catch (MessagingException ex) {
            throw new PermanentDeliveryFailure("Could not build the mail to " + mail.to(), ex);
        }
        sender.send(message);
    }

    private static Throwable classify(Throwable error) {
        if (error instanceof MailParseException || error instanceof MailPreparationException) {
            return new PermanentDeliveryFailure(error.getMessage(), error);
        }
        if (error instanceof MailSendException send && send.getFailedMessages()
                .values()
                .stream()
                .anyMatch(MailDelivery::recipientRefused)) {
            return new PermanentDeliveryFailure("The SMTP server refused the recipient: " + error.getMessage(), error);
        }
        return error;
    }

    /** A 5xx answer to RCPT TO: the address itself is wrong, trying again will not help. */
    private static boolean recipientRefused(Exception failure) {
        return failure instanceof SendFailedException refused && refused.getInvalidAddresses() != null
                && refused.getInvalidAddresses().length > 0
                && (refused.getValidSentAddresses() == null || refused.getValidSentAddresses().length == 0);
    }
}
