package ru.rosdistant.gateway.email;

import java.util.List;
import java.util.UUID;

import jakarta.activation.DataHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.files.FileStore;
import ru.rosdistant.gateway.mail.Mailer;
import ru.rosdistant.gateway.outbox.OutboxHandler;
import ru.rosdistant.gateway.outbox.PermanentDeliveryFailure;

/**
 * Mails an agent's reply in an e-mail dialog (outbox kind {@code email.reply}, queued by the database with the
 * message). From the dialog's mailbox, Reply-To its signed reply address, with a Message-ID of its own derived from
 * the entry (the same on every attempt), In-Reply-To the person's latest mail before it and References the thread;
 * no {@code Auto-Submitted}: it is a person's answer, and the person's mail program may answer it. Files the agent
 * attached to the answer ({@link EmailReplyFiles}) go as MIME attachments.
 */
@Component
class EmailReplies implements OutboxHandler {

    static final String KIND = "email.reply";

    private final DatabaseClient db;

    private final ObjectProvider<JavaMailSender> senders;

    private final Mailer mailer;

    private final EmailChannel channel;

    private final FileStore files;

    EmailReplies(DatabaseClient db, ObjectProvider<JavaMailSender> senders, Mailer mailer, EmailChannel channel,
            FileStore files) {
        this.db = db;
        this.files = files;
        this.senders = senders;
        this.mailer = mailer;
        this.channel = channel;
    }

    @Override
    public String kind() {
        return KIND;
    }

    /** What a reply is made of. */
    record Reply(UUID dialogId, long seq, String mailboxAddress, String contact, String subject, String text,
            String author, List<String> thread, List<Attached> files) {

        Reply with(List<Attached> attached) {
            return new Reply(dialogId, seq, mailboxAddress, contact, subject, text, author, thread, attached);
        }
    }

    /** A file the agent attached to the answer ({@link EmailReplyFiles}), read from the file store. */
    record Attached(String name, String mimeType, byte[] content) {
    }

    @Override
    public Mono<Void> deliver(JsonNode payload) {
        if (!payload.hasNonNull("dialogId") || !payload.hasNonNull("seq")) {
            return Mono.error(new PermanentDeliveryFailure("Not an e-mail reply payload"));
        }
        UUID dialogId = UUID.fromString(payload.get("dialogId").asString());
        long seq = payload.get("seq").asLong();
        String messageId = mailer.messageId("email-reply:" + dialogId + ":" + seq);
        return reply(dialogId, seq)
                .switchIfEmpty(Mono.error(() -> new PermanentDeliveryFailure("No e-mail dialog " + dialogId)))
                .flatMap(reply -> attached(dialogId, seq).map(reply::with))
                .flatMap(reply -> db.sql("INSERT INTO email_sent (message_id, dialog_id, seq) VALUES (:id, :dialog, "
                                + ":seq) ON CONFLICT (message_id) DO NOTHING")
                        .bind("id", messageId)
                        .bind("dialog", dialogId)
                        .bind("seq", seq)
                        .then()
                        .then(Mono.fromRunnable(() -> send(reply, messageId))
                                .subscribeOn(Schedulers.boundedElastic())))
                .onErrorMap(EmailReplies::classify)
                .then();
    }

    private Mono<Reply> reply(UUID dialogId, long seq) {
        return db.sql("""
                        SELECT e.mailbox_address, e.contact_address, e.subject, m.body, m.author_name,
                            ARRAY(SELECT x.message_id FROM (
                                    SELECT em.message_id, em.received_at AS at FROM email_message em
                                    WHERE em.dialog_id = e.dialog_id AND em.state IN ('DELIVERED', 'BLOCKED')
                                      AND em.message_id IS NOT NULL
                                    UNION ALL
                                    SELECT s.message_id, s.sent_at FROM email_sent s
                                    WHERE s.dialog_id = e.dialog_id AND s.seq < :seq) x
                                  ORDER BY x.at) AS thread,
                            (SELECT em.message_id FROM email_message em JOIN message vm
                                  ON vm.dialog_id = em.dialog_id AND vm.client_msg_id = 'email:' || em.id
                             WHERE em.dialog_id = e.dialog_id AND vm.seq < :seq AND em.message_id IS NOT NULL
                             ORDER BY vm.seq DESC LIMIT 1) AS last_inbound
                        FROM email_dialog e JOIN message m ON m.dialog_id = e.dialog_id AND m.seq = :seq
                        WHERE e.dialog_id = :dialog""")
                .bind("dialog", dialogId)
                .bind("seq", seq)
                .map(row -> {
                    java.util.List<String> thread = new java.util.ArrayList<>(List.of(row.get("thread",
                            String[].class)));
                    String last = row.get("last_inbound", String.class);
                    // In-Reply-To is the person's latest mail before the reply: put it last, where it is read from
                    if (last != null) {
                        thread.remove(last);
                        thread.add(last);
                    }
                    return new Reply(dialogId, seq, row.get("mailbox_address", String.class),
                            row.get("contact_address", String.class), row.get("subject", String.class),
                            row.get("body", String.class), row.get("author_name", String.class), List.copyOf(thread),
                            List.of());
                })
                .one();
    }

    /** The files attached to the answer (uploaded under its client id), in order, with their content. */
    private Mono<List<Attached>> attached(UUID dialogId, long seq) {
        return db.sql("""
                        SELECT f.file_name, f.mime_type, f.storage_key FROM email_reply_file f
                        JOIN message m ON m.dialog_id = f.dialog_id AND m.client_msg_id = f.client_msg_id
                        WHERE m.dialog_id = :dialog AND m.seq = :seq AND m.sender = 'AGENT' ORDER BY f.position""")
                .bind("dialog", dialogId)
                .bind("seq", seq)
                .map(row -> new String[] {row.get("file_name", String.class), row.get("mime_type", String.class),
                        row.get("storage_key", String.class)})
                .all()
                .concatMap(file -> DataBufferUtils.join(files.open(file[2]))
                        .map(buffer -> {
                            byte[] content = new byte[buffer.readableByteCount()];
                            buffer.read(content);
                            DataBufferUtils.release(buffer);
                            return new Attached(file[0], file[1], content);
                        })
                        .switchIfEmpty(Mono.fromSupplier(() -> new Attached(file[0], file[1], new byte[0]))))
                .collectList();
    }

    static String subject(String original, UUID dialogId) {
        String base = original == null || original.isBlank() ? "Ваше обращение" : original.strip();
        base = EmailThreads.SUBJECT_TAG.matcher(base).replaceAll("").strip();
        String tag = "[#" + dialogId.toString().substring(0, 8) + "]";
        return (base.regionMatches(true, 0, "Re:", 0, 3) ? base : "Re: " + base) + " " + tag;
    }

    private void send(Reply reply, String messageId) {
        JavaMailSender sender = senders.getIfAvailable();
        if (sender == null) {
            throw new IllegalStateException("No SMTP server is configured (spring.mail.host)");
        }
        MimeMessage message = sender.createMimeMessage();
        try {
            String local = reply.mailboxAddress().substring(0, reply.mailboxAddress().lastIndexOf('@'));
            String domain = reply.mailboxAddress().substring(reply.mailboxAddress().lastIndexOf('@') + 1);
            message.setFrom(new InternetAddress(reply.mailboxAddress(), "Контакт-центр Росдистант", "UTF-8"));
            message.setReplyTo(new InternetAddress[] {
                    new InternetAddress(channel.tokens().replyAddress(local, domain, reply.dialogId()))});
            message.setRecipients(jakarta.mail.Message.RecipientType.TO, InternetAddress.parse(reply.contact(),
                    true));
            message.setSubject(subject(reply.subject(), reply.dialogId()), "UTF-8");
            String signature = reply.author() == null ? "Контакт-центр Росдистант"
                    : reply.author() + "\nКонтакт-центр Росдистант";
            String text = reply.text() + "\n\n—\n" + signature + "\n";
            if (reply.files().isEmpty()) {
                message.setText(text, "UTF-8");
            }
            else {
                MimeMultipart parts = new MimeMultipart("mixed");
                MimeBodyPart body = new MimeBodyPart();
                body.setText(text, "UTF-8");
                parts.addBodyPart(body);
                for (Attached file : reply.files()) {
                    MimeBodyPart part = new MimeBodyPart();
                    part.setDataHandler(new DataHandler(new ByteArrayDataSource(file.content(), file.mimeType())));
                    // RFC 2231 for a Cyrillic name (mail.mime.encodeparameters is on by default)
                    part.setFileName(file.name());
                    part.setDisposition(Part.ATTACHMENT);
                    parts.addBodyPart(part);
                }
                message.setContent(parts);
            }
            if (!reply.thread().isEmpty()) {
                message.setHeader("In-Reply-To", reply.thread().get(reply.thread().size() - 1));
                List<String> references = reply.thread().size() <= 20 ? reply.thread()
                        : reply.thread().subList(reply.thread().size() - 20, reply.thread().size());
                message.setHeader("References", String.join(" ", references));
            }
            message.saveChanges();
            // after saveChanges, which would make a Message-ID of its own: every attempt carries this one
            message.setHeader("Message-ID", messageId);
        }
        catch (MessagingException | java.io.UnsupportedEncodingException ex) {
            throw new PermanentDeliveryFailure("Could not build the reply to " + reply.contact(), ex);
        }
        sender.send(message);
    }

    private static Throwable classify(Throwable error) {
        if (error instanceof MailSendException send && send.getFailedMessages()
                .values()
                .stream()
                .anyMatch(failure -> failure instanceof SendFailedException refused
                        && refused.getInvalidAddresses() != null && refused.getInvalidAddresses().length > 0)) {
            return new PermanentDeliveryFailure("The SMTP server refused the recipient: " + error.getMessage(), error);
        }
        return error;
    }
}
