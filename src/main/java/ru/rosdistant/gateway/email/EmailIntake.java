package ru.rosdistant.gateway.email;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.cluster.JobLeases;
import ru.rosdistant.gateway.files.FileStore;
import ru.rosdistant.gateway.files.StoredFile;
import ru.rosdistant.gateway.shared.RandomIds;
import ru.rosdistant.gateway.mail.Mailer;

/**
 * Stores each mail read once, in one transaction with the mailbox's cursor: the raw message (in the file store), what
 * it is (a person's mail, the gateway's own, an auto-reply, a delivery report, one that cannot be parsed) and its
 * attachments. A repeat — the same place in the mailbox or the same Message-ID — stores nothing and still moves the
 * cursor. The cursor is written only while this node holds the mailbox's lease ({@link JobLeases#FENCE}); a node that
 * lost it rolls back.
 */
@Component
class EmailIntake {

    private static final Logger log = LoggerFactory.getLogger(EmailIntake.class);

    /** The cursor write found the lease gone: another node reads the mailbox now. */
    static final class LeaseLost extends RuntimeException {

        LeaseLost(String mailbox) {
            super("The lease of mailbox " + mailbox + " is held by another node now");
        }
    }

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final FileStore files;

    private final EmailChannel channel;

    private final Mailer mailer;

    EmailIntake(DatabaseClient db, TransactionalOperator tx, FileStore files, EmailChannel channel, Mailer mailer) {
        this.db = db;
        this.tx = tx;
        this.files = files;
        this.channel = channel;
        this.mailer = mailer;
    }

    /** What a raw mail is, before anything is stored. */
    record Classified(String state, ParsedMail mail, String messageId, String reason) {
    }

    /**
     * Parses and classifies a fetched mail; one over the size limit, of which only the header was fetched, is
     * {@code BLOCKED} (its original stays in the mailbox). Call it on the mailbox's scheduler: Jakarta Mail loads its
     * providers there, and a large mail takes a while.
     */
    Classified classify(ImapConnection.Fetched fetched, long maxMessageSize) {
        if (fetched.tooLarge()) {
            return blocked(fetched, maxMessageSize);
        }
        byte[] raw = fetched.raw();
        ParsedMail mail;
        try {
            mail = channel.parser().parse(raw);
        }
        catch (Exception ex) {
            ParsedMail headers = MailParser.headersOnly(raw);
            return new Classified("FAILED", headers, headers != null ? headers.messageId() : MailParser.messageIdOf(raw),
                    fit(ex.toString(), 2000));
        }
        if (mailer.isOwn(mail.messageId())) {
            return new Classified("OWN", mail, mail.messageId(), "Письмо самого шлюза");
        }
        if (mail.bounce() != null) {
            return new Classified("BOUNCE", mail, mail.messageId(), mail.bounce().detail());
        }
        if (mail.autoReason() != null) {
            return new Classified("NOTICE", mail, mail.messageId(), mail.autoReason());
        }
        if (mail.fromAddress() == null) {
            return new Classified("FAILED", mail, mail.messageId(), "Нет адреса отправителя (From)");
        }
        return new Classified("RECEIVED", mail, mail.messageId(), null);
    }

    /**
     * A mail larger than {@code max-message-size}: recorded from its header with its size and where the original is
     * (regulation 4.2, requirement 2); its dialog gets a notice. The gateway's own mail stays {@code OWN}, and a
     * header that cannot be read (no sender) makes it {@code FAILED}.
     */
    private Classified blocked(ImapConnection.Fetched fetched, long maxMessageSize) {
        ParsedMail headers = MailParser.headersOnly(fetched.header());
        String messageId = headers == null ? null : headers.messageId();
        if (mailer.isOwn(messageId)) {
            return new Classified("OWN", headers, messageId, "Письмо самого шлюза");
        }
        String reason = "Письмо больше " + EmailThreads.size(maxMessageSize) + " ("
                + EmailThreads.size(fetched.size()) + ", " + fetched.size() + " байт): не загружено, оригинал в "
                + "почтовом ящике";
        if (headers == null || headers.fromAddress() == null) {
            return new Classified("FAILED", headers, messageId, reason + "; нет адреса отправителя (From)");
        }
        return new Classified("BLOCKED", headers, messageId, reason);
    }

    /**
     * Stores the fetched mail and moves the cursor past it, in one transaction; true when the mail is new. Fails with
     * {@link LeaseLost} when this node no longer holds the mailbox.
     */
    Mono<Boolean> store(EmailProperties.Mailbox mailbox, JobLeases.Lease lease, long uidValidity,
            ImapConnection.Fetched fetched, Classified classified) {
        UUID id = RandomIds.uuid();
        long uid = fetched.uid();
        return keep(fetched.raw())
                .flatMap(rawFile -> keepAttachments(classified)
                        .flatMap(attachments -> insert(mailbox, lease, uidValidity, fetched, id, classified, rawFile,
                                attachments)
                                .as(tx::transactional)
                                .flatMap(inserted -> inserted ? Mono.just(true)
                                        : forget(rawFile, attachments).thenReturn(false))
                                .onErrorResume(error -> forget(rawFile, attachments).then(Mono.error(error)))))
                .doOnNext(inserted -> {
                    if (inserted && ("FAILED".equals(classified.state()) || "BLOCKED".equals(classified.state()))) {
                        log.warn("Mailbox '{}': mail UID {} kept as {}: {}", mailbox.id(), uid, classified.state(),
                                classified.reason());
                    }
                });
    }

    /** A file kept, or none. */
    private record Kept(StoredFile file) {

        static final Kept NONE = new Kept(null);
    }

    private Mono<Kept> keep(byte[] bytes) {
        if (bytes == null) {
            return Mono.just(Kept.NONE);
        }
        return files.put(Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(bytes)), Math.max(bytes.length, 1))
                .map(Kept::new);
    }

    private Mono<List<Kept>> keepAttachments(Classified classified) {
        if (!"RECEIVED".equals(classified.state())) {
            return Mono.just(List.of());
        }
        return Flux.fromIterable(classified.mail().attachments())
                .concatMap(attachment -> attachment.blocked() || attachment.content().length == 0
                        ? Mono.just(Kept.NONE) : keep(attachment.content()))
                .collectList();
    }

    private Mono<Void> forget(Kept raw, List<Kept> attachments) {
        List<Kept> all = new ArrayList<>(attachments);
        all.add(raw);
        return Flux.fromIterable(all)
                .filter(kept -> kept.file() != null)
                .concatMap(kept -> files.delete(kept.file().key()).onErrorResume(error -> Mono.empty()))
                .then();
    }

    private Mono<Boolean> insert(EmailProperties.Mailbox mailbox, JobLeases.Lease lease, long uidValidity,
            ImapConnection.Fetched fetched, UUID id, Classified classified, Kept raw, List<Kept> attachments) {
        ParsedMail mail = classified.mail();
        long uid = fetched.uid();
        Mono<Boolean> row = db.sql("""
                        INSERT INTO email_message (id, mailbox, uid_validity, uid, message_id, state, from_address,
                            from_name, subject, in_reply_to, refs, recipients, body, reason, raw_key, raw_size,
                            visitor_id, handled_at)
                        VALUES (:id, :mailbox, :validity, :uid, :messageId, :state, :from, :name, :subject, :inReplyTo,
                            :refs, :recipients, :body, :reason, :rawKey, :rawSize, :visitor,
                            CASE WHEN :state IN ('OWN', 'FAILED') THEN now() END)
                        ON CONFLICT DO NOTHING""")
                .bind("id", id)
                .bind("mailbox", mailbox.id())
                .bind("validity", uidValidity)
                .bind("uid", uid)
                .bind("messageId", Parameter.fromOrEmpty(fit(classified.messageId(), 998), String.class))
                .bind("state", classified.state())
                .bind("from", Parameter.fromOrEmpty(mail == null ? null : fit(mail.fromAddress(), 320), String.class))
                .bind("name", Parameter.fromOrEmpty(mail == null ? null : mail.fromName(), String.class))
                .bind("subject", Parameter.fromOrEmpty(mail == null ? null : mail.subject(), String.class))
                // a delivery report keeps the Message-ID of the mail that failed, and the addresses that refused it
                .bind("inReplyTo", Parameter.fromOrEmpty(mail == null ? null
                        : mail.bounce() != null ? mail.bounce().originalMessageId() : mail.inReplyTo(), String.class))
                .bind("refs", mail == null || mail.bounce() != null ? new String[0]
                        : mail.references().toArray(String[]::new))
                .bind("recipients", mail == null ? new String[0] : mail.bounce() != null
                        ? mail.bounce().failedRecipients().toArray(String[]::new)
                        : mail.recipients().toArray(String[]::new))
                .bind("body", Parameter.fromOrEmpty(mail == null ? null : fit(mail.text(), 100_000), String.class))
                .bind("reason", Parameter.fromOrEmpty(fit(classified.reason(), 2000), String.class))
                .bind("rawKey", Parameter.fromOrEmpty(raw.file() == null ? null : raw.file().key(), String.class))
                // the size of the mail as the server gave it, kept or not
                .bind("rawSize", raw.file() != null ? raw.file().size() : fetched.size())
                .bind("visitor", RandomIds.uuid())
                .fetch()
                .rowsUpdated()
                .map(updated -> updated > 0);
        return row.flatMap(inserted -> (inserted ? insertAttachments(id, mail, attachments) : Mono.<Void>empty())
                .then(moveCursor(mailbox, lease, uidValidity, uid))
                .thenReturn(inserted));
    }

    private Mono<Void> insertAttachments(UUID messageId, ParsedMail mail, List<Kept> kept) {
        if (kept.isEmpty()) {
            return Mono.empty();
        }
        return Flux.range(0, kept.size())
                .concatMap(i -> {
                    ParsedMail.Attachment attachment = mail.attachments().get(i);
                    StoredFile file = kept.get(i).file();
                    boolean empty = !attachment.blocked() && attachment.content().length == 0;
                    return db.sql("""
                                    INSERT INTO email_attachment (id, email_message_id, position, file_name, mime_type,
                                        size_bytes, storage_key, sha256, blocked)
                                    VALUES (:id, :message, :position, :name, :mime, :size, :key, :sha, :blocked)""")
                            .bind("id", RandomIds.uuid())
                            .bind("message", messageId)
                            .bind("position", i)
                            .bind("name", Parameter.fromOrEmpty(attachment.name(), String.class))
                            .bind("mime", Parameter.fromOrEmpty(attachment.mimeType(), String.class))
                            .bind("size", attachment.size())
                            .bind("key", Parameter.fromOrEmpty(file == null ? null : file.key(), String.class))
                            .bind("sha", Parameter.fromOrEmpty(file == null ? null : file.sha256(), String.class))
                            .bind("blocked", file == null && !empty)
                            .then();
                })
                .then();
    }

    /** The cursor moves past the mail only while this node holds the mailbox's lease (fencing token). */
    private Mono<Void> moveCursor(EmailProperties.Mailbox mailbox, JobLeases.Lease lease, long uidValidity, long uid) {
        return lease.bindTo(db.sql("""
                        INSERT INTO email_cursor (mailbox, uid_validity, last_uid)
                        SELECT :mailbox, :validity, :uid WHERE\s""" + JobLeases.FENCE + """
                        
                        ON CONFLICT (mailbox) DO UPDATE SET uid_validity = EXCLUDED.uid_validity,
                            last_uid = CASE WHEN email_cursor.uid_validity = EXCLUDED.uid_validity
                                            THEN greatest(email_cursor.last_uid, EXCLUDED.last_uid)
                                            ELSE EXCLUDED.last_uid END,
                            updated_at = now()"""))
                .bind("mailbox", mailbox.id())
                .bind("validity", uidValidity)
                .bind("uid", uid)
                .fetch()
                .rowsUpdated()
                .flatMap(updated -> updated > 0 ? Mono.<Void>empty() : Mono.error(new LeaseLost(mailbox.id())));
    }

    /**
     * Where a pass starts: the last UID stored under the folder's {@code uidValidity}, 0 when the mailbox was never
     * read or the folder was rebuilt (a new UIDVALIDITY: its UIDs mean something else, so it is read again from the
     * start; mails stored before are recognised by their Message-ID). One statement under the lease's fence, so the
     * check and the reset cannot interleave with another node's cursor write; it writes only when the cursor is new
     * or reset.
     */
    Mono<Long> position(EmailProperties.Mailbox mailbox, JobLeases.Lease lease, long uidValidity) {
        return lease.bindTo(db.sql("""
                        WITH before AS (SELECT uid_validity, last_uid FROM email_cursor WHERE mailbox = :mailbox),
                        moved AS (
                            INSERT INTO email_cursor (mailbox, uid_validity, last_uid)
                            SELECT :mailbox, :validity, 0 WHERE\s""" + JobLeases.FENCE + """

                            ON CONFLICT (mailbox) DO UPDATE SET uid_validity = EXCLUDED.uid_validity, last_uid = 0,
                                updated_at = now()
                            WHERE email_cursor.uid_validity <> EXCLUDED.uid_validity
                            RETURNING last_uid, uid_validity)
                        SELECT m.last_uid, m.uid_validity, b.uid_validity AS before
                        FROM moved m LEFT JOIN before b ON true
                        UNION ALL
                        SELECT b.last_uid, b.uid_validity, b.uid_validity FROM before b
                        WHERE NOT EXISTS (SELECT 1 FROM moved)"""))
                .bind("mailbox", mailbox.id())
                .bind("validity", uidValidity)
                .map(row -> new Long[] {row.get("last_uid", Long.class), row.get("uid_validity", Long.class),
                        row.get("before", Long.class)})
                .one()
                // the fence refused the write (no cursor, or the old UIDVALIDITY): another node reads the mailbox now
                .filter(cursor -> cursor[1] == uidValidity)
                .switchIfEmpty(Mono.error(() -> new LeaseLost(mailbox.id())))
                .doOnNext(cursor -> {
                    if (cursor[2] != null && cursor[2] != uidValidity) {
                        log.warn("Mailbox '{}': UIDVALIDITY changed from {} to {}; reading the folder again (mails "
                                + "stored before are recognised by their Message-ID)", mailbox.id(), cursor[2],
                                uidValidity);
                    }
                })
                .map(cursor -> cursor[0]);
    }

    private static String fit(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }
}
