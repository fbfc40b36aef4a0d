package ru.rosdistant.gateway.email;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.r2dbc.spi.Readable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.card.Card;
import ru.rosdistant.gateway.card.CardBinding;
import ru.rosdistant.gateway.card.Cards;
import ru.rosdistant.gateway.cluster.SharedBuckets;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogManagement;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.dialog.Visitor;
import ru.rosdistant.gateway.shared.RandomIds;
import ru.rosdistant.gateway.mail.MailMessage;
import ru.rosdistant.gateway.mail.Mailer;

/**
 * Puts each stored mail where it belongs, once: a person's mail into the dialog it answers — by the signed reply
 * address, then by In-Reply-To / References against every Message-ID sent or received, then by the subject tag
 * only when the sender is that dialog's contact — or into a new e-mail dialog on the card of the sender's address
 * (a new lead when none has it); a reply to a closed dialog opens a new one on the same card, linked to it. An
 * auto-reply becomes a notice in the dialog it answers; a delivery report marks the dialog and the address as
 * bouncing. Every step is idempotent (the dialog's visitor is fixed per mail, the message's client id is the mail's),
 * so a crash in the middle is finished by the next pass.
 */
@Component
class EmailThreads {

    private static final Logger log = LoggerFactory.getLogger(EmailThreads.class);

    /** The announcements of unknown senders, all mailboxes and nodes together. */
    private final SharedBuckets.Bucket announcements;

    /** Set while announcements are over their rate, so that the log says it once. */
    private final AtomicBoolean announcementsHeld = new AtomicBoolean();

    static final Pattern SUBJECT_TAG = Pattern.compile("\\[#([0-9a-f]{8})\\]");

    private static final int MAX_TEXT = 20_000;

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final DialogManagement dialogs;

    private final DialogQueries dialogQueries;

    private final Cards cards;

    private final CardBinding binding;

    private final Mailer mailer;

    private final EmailChannel channel;

    private final MailLimits limits;

    EmailThreads(DatabaseClient db, TransactionalOperator tx, DialogManagement dialogs, DialogQueries dialogQueries,
            Cards cards, CardBinding binding, Mailer mailer, EmailChannel channel, SharedBuckets shared,
            MailLimits limits) {
        this.limits = limits;
        int perHour = channel.properties().unknownSendersPerHour();
        this.announcements = shared.bucket("email-unknown-sender", perHour / 3600.0, perHour, 1);
        this.db = db;
        this.tx = tx;
        this.dialogs = dialogs;
        this.dialogQueries = dialogQueries;
        this.cards = cards;
        this.binding = binding;
        this.mailer = mailer;
        this.channel = channel;
    }

    /** A stored mail not handled yet. */
    record Stored(UUID id, String mailbox, String state, String messageId, String fromAddress, String fromName,
            String subject, String inReplyTo, List<String> references, List<String> recipients, String body,
            String reason, UUID visitorId, long uidValidity, long uid, Long rawSize) {

        static Stored of(Readable row) {
            return new Stored(row.get("id", UUID.class), row.get("mailbox", String.class),
                    row.get("state", String.class), row.get("message_id", String.class),
                    row.get("from_address", String.class), row.get("from_name", String.class),
                    row.get("subject", String.class), row.get("in_reply_to", String.class),
                    List.of(row.get("refs", String[].class)), List.of(row.get("recipients", String[].class)),
                    row.get("body", String.class), row.get("reason", String.class),
                    row.get("visitor_id", UUID.class), row.get("uid_validity", Long.class),
                    row.get("uid", Long.class), row.get("raw_size", Long.class));
        }
    }

    /**
     * Handles every mail of the mailbox not handled yet, oldest first; then the held mails whose hour has freed a
     * place, oldest first, at most {@code batch-size} of them.
     */
    Mono<Void> handlePending(EmailProperties.Mailbox mailbox) {
        return handleEach(mailbox, db.sql("SELECT * FROM email_message WHERE mailbox = :mailbox AND handled_at IS NULL "
                        + "ORDER BY received_at, uid LIMIT 200")
                        .bind("mailbox", mailbox.id()))
                .then(Mono.defer(() -> releaseHeld(mailbox)));
    }

    /** The held mails that are due, put where they belong now (or held again until the next place frees). */
    private Mono<Void> releaseHeld(EmailProperties.Mailbox mailbox) {
        return handleEach(mailbox, db.sql("SELECT * FROM email_message WHERE mailbox = :mailbox AND state = 'LIMITED' "
                        + "AND held_until <= now() ORDER BY received_at, uid LIMIT :batch")
                        .bind("mailbox", mailbox.id())
                        .bind("batch", channel.properties().batchSize()));
    }

    private Mono<Void> handleEach(EmailProperties.Mailbox mailbox, DatabaseClient.GenericExecuteSpec query) {
        return query.map(Stored::of)
                .all()
                .concatMap(mail -> handle(mailbox, mail)
                        .onErrorResume(error -> {
                            log.warn("Mailbox '{}': mail {} not handled yet, trying again at the next pass",
                                    mailbox.id(), mail.id(), error);
                            return Mono.empty();
                        }))
                .then();
    }

    Mono<Void> handle(EmailProperties.Mailbox mailbox, Stored mail) {
        return switch (mail.state()) {
            case "RECEIVED", "BLOCKED", "LIMITED" -> receive(mailbox, mail);
            case "NOTICE" -> notice(mail);
            case "BOUNCE" -> bounce(mail);
            default -> done(mail, mail.state(), null);
        };
    }

    private Mono<Void> done(Stored mail, String state, UUID dialogId) {
        // a held mail delivered at last: it waits no more, and its reason for waiting is gone
        return db.sql("UPDATE email_message SET state = :state, dialog_id = coalesce(:dialog, dialog_id), "
                        + "handled_at = now(), held_until = NULL, "
                        + "reason = CASE WHEN state = 'LIMITED' THEN NULL ELSE reason END WHERE id = :id")
                .bind("id", mail.id())
                .bind("state", state)
                .bind("dialog", Parameter.fromOrEmpty(dialogId, UUID.class))
                .then();
    }

    /** The mail waits, kept: handled for now, taken again by a pass once {@code hold.until()} has come. */
    private Mono<Void> hold(EmailProperties.Mailbox mailbox, Stored mail, MailLimits.Hold hold) {
        return db.sql("UPDATE email_message SET state = 'LIMITED', reason = :reason, held_until = :until, "
                        + "handled_at = now() WHERE id = :id")
                .bind("id", mail.id())
                .bind("reason", hold.reason())
                .bind("until", hold.until())
                .then()
                .doOnSuccess(nothing -> limits.held(mailbox, mail.id(), hold));
    }

    // --- a person's mail

    private Mono<Void> receive(EmailProperties.Mailbox mailbox, Stored mail) {
        return threadOf(mail, true)
                .flatMap(dialogQueries::find)
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(found -> {
                    if (found.isPresent() && !found.get().isClosed()) {
                        return intoDialog(mailbox, found.get(), mail, false);
                    }
                    return openNew(mailbox, mail, found.orElse(null));
                });
    }

    /**
     * Into an open dialog, while the dialog takes more mail this hour; else the mail waits. A mail too large to
     * download is never held: it is a notice of where the original is, and each costs its sender over
     * {@code max-message-size} of mail.
     */
    private Mono<Void> intoDialog(EmailProperties.Mailbox mailbox, Dialog dialog, Stored mail, boolean withSubject) {
        if ("BLOCKED".equals(mail.state())) {
            return append(dialog, mail, withSubject);
        }
        return limits.intoDialog(dialog.id())
                .flatMap(hold -> hold.isPresent() ? hold(mailbox, mail, hold.get())
                        : append(dialog, mail, withSubject));
    }

    /** The dialog the mail answers: reply address, then headers, then (for a person's mail) the subject tag. */
    Mono<UUID> threadOf(Stored mail, boolean bySubject) {
        Mono<UUID> byToken = Flux.fromIterable(mail.recipients())
                .concatMap(address -> Mono.justOrEmpty(channel.tokens().dialogOf(address)))
                .concatMap(this::emailDialog)
                .next();
        List<String> ids = new ArrayList<>();
        if (mail.inReplyTo() != null) {
            ids.add(mail.inReplyTo());
        }
        for (int i = mail.references().size() - 1; i >= 0; i--) {
            ids.add(mail.references().get(i));
        }
        Mono<UUID> byHeaders = ids.isEmpty() ? Mono.empty() : db.sql("""
                        SELECT message_id, dialog_id FROM email_sent WHERE message_id = ANY(:ids)
                        UNION ALL
                        SELECT message_id, dialog_id FROM email_message WHERE message_id = ANY(:ids)
                          AND dialog_id IS NOT NULL AND id <> :self""")
                .bind("ids", ids.toArray(String[]::new))
                .bind("self", mail.id())
                .map(row -> java.util.Map.entry(row.get("message_id", String.class), row.get("dialog_id", UUID.class)))
                .all()
                .collectList()
                .flatMap(found -> Mono.justOrEmpty(ids.stream()
                        .flatMap(id -> found.stream().filter(entry -> entry.getKey().equals(id)))
                        .map(java.util.Map.Entry::getValue)
                        .findFirst()));
        Mono<UUID> bySubjectTag = Mono.defer(() -> {
            Matcher tag = SUBJECT_TAG.matcher(mail.subject() == null ? "" : mail.subject().toLowerCase(Locale.ROOT));
            if (!bySubject || !tag.find() || mail.fromAddress() == null) {
                return Mono.empty();
            }
            return db.sql("SELECT dialog_id FROM email_dialog WHERE CAST(dialog_id AS text) LIKE :prefix "
                            + "AND contact_address = :from ORDER BY created_at DESC LIMIT 1")
                    .bind("prefix", tag.group(1) + "%")
                    .bind("from", mail.fromAddress())
                    .map(row -> row.get("dialog_id", UUID.class))
                    .one();
        });
        return byToken.switchIfEmpty(byHeaders).switchIfEmpty(bySubjectTag);
    }

    private Mono<UUID> emailDialog(UUID dialogId) {
        return db.sql("SELECT dialog_id FROM email_dialog WHERE dialog_id = :id")
                .bind("id", dialogId)
                .map(row -> row.get("dialog_id", UUID.class))
                .one();
    }

    /**
     * A new e-mail dialog (linked to {@code closed} when the mail answers a closed one), within the bounds of new
     * dialogs per sender and per mailbox. Past them the mail joins the sender's open dialog of the mailbox, with its
     * subject, when there is one (a person writing again within the hour is one conversation); else it waits.
     */
    private Mono<Void> openNew(EmailProperties.Mailbox mailbox, Stored mail, Dialog closed) {
        return db.sql("SELECT id FROM dialog WHERE visitor_id = :visitor")
                .bind("visitor", mail.visitorId())
                .map(row -> row.get("id", UUID.class))
                .one()
                .hasElement()
                // a dialog opened for this mail before (a pass that stopped half-way) is finished, not counted again
                .flatMap(openedBefore -> openedBefore || "BLOCKED".equals(mail.state()) ? open(mailbox, mail, closed)
                        : openWithinBounds(mailbox, mail, closed));
    }

    /**
     * Checks the bounds of new dialogs and opens the dialog in one transaction that holds the sender's lock
     * ({@code pg_advisory_xact_lock} on the hash of {@code email-sender:<address>}): two mailboxes read at the same
     * moment (by two nodes, or two loops of one) count the sender's new dialogs of the hour one after the other,
     * each seeing the dialog the other opened, so a sender never opens more than
     * {@code new-dialogs-per-sender-per-hour}. (The mailbox's own bound needs no lock: one pass reads a mailbox at a
     * time.) The message itself is appended after the commit, when the dialog is there for every reader.
     */
    private Mono<Void> openWithinBounds(EmailProperties.Mailbox mailbox, Stored mail, Dialog closed) {
        String sender = mail.fromAddress() == null ? "" : mail.fromAddress();
        return db.sql("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
                .bind("key", "email-sender:" + sender)
                .then()
                .then(limits.newDialog(mailbox, mail.fromAddress()))
                .flatMap(hold -> hold.isPresent()
                        ? Mono.just(new Opening(null, null, hold.get()))
                        : openDialog(mailbox, mail, closed).map(opened -> new Opening(opened.getKey(),
                                opened.getValue(), null)))
                .as(tx::transactional)
                .flatMap(opening -> opening.hold() != null ? pastNewDialogs(mailbox, mail, opening.hold())
                        : filled(opening.dialog(), opening.card(), mail));
    }

    /** The dialog a mail opened with its card, or why the mail may not open one this hour. */
    private record Opening(Dialog dialog, Card card, MailLimits.Hold hold) {
    }

    private Mono<Void> pastNewDialogs(EmailProperties.Mailbox mailbox, Stored mail, MailLimits.Hold hold) {
        return limits.openDialogOf(mailbox, mail.fromAddress())
                .flatMap(dialogQueries::find)
                .filter(dialog -> !dialog.isClosed())
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(open -> open.isPresent() ? intoDialog(mailbox, open.get(), mail, true)
                        : hold(mailbox, mail, hold));
    }

    private Mono<Void> open(EmailProperties.Mailbox mailbox, Stored mail, Dialog closed) {
        return openDialog(mailbox, mail, closed).flatMap(opened -> filled(opened.getKey(), opened.getValue(), mail));
    }

    /** The new dialog on its card, with the mail as its first message. */
    private Mono<Void> filled(Dialog dialog, Card card, Stored mail) {
        return binding.bind(dialog.id(), card.id()).then(append(dialog, mail, true));
    }

    /** The mail's new e-mail dialog (its visitor, the dialog, its e-mail row) and the card it belongs on. */
    private Mono<Map.Entry<Dialog, Card>> openDialog(EmailProperties.Mailbox mailbox, Stored mail, Dialog closed) {
        String name = mail.fromName() != null ? mail.fromName() : mail.fromAddress();
        Visitor visitor = new Visitor(mail.visitorId(), mailbox.site(), null, false);
        return cardFor(mailbox, mail, name, closed)
                .flatMap(card -> db.sql("""
                                INSERT INTO visitor (id, site_id, token_hash, name, email)
                                VALUES (:id, :site, :hash, :name, :email) ON CONFLICT (id) DO NOTHING""")
                        .bind("id", mail.visitorId())
                        .bind("site", mailbox.site())
                        .bind("hash", tokenHash())
                        .bind("name", name.length() > 200 ? name.substring(0, 200) : name)
                        .bind("email", mail.fromAddress())
                        .then()
                        .then(dialogs.openFromChannel(visitor, "EMAIL", mailbox.site(), mailbox.line(), name))
                        .flatMap(dialog -> db.sql("""
                                        INSERT INTO email_dialog (dialog_id, mailbox, mailbox_address, contact_address,
                                            subject, previous_dialog_id)
                                        VALUES (:dialog, :mailbox, :address, :contact, :subject, :previous)
                                        ON CONFLICT (dialog_id) DO NOTHING""")
                                .bind("dialog", dialog.id())
                                .bind("mailbox", mailbox.id())
                                .bind("address", mailbox.address())
                                .bind("contact", mail.fromAddress())
                                .bind("subject", Parameter.fromOrEmpty(mail.subject(), String.class))
                                .bind("previous", Parameter.fromOrEmpty(closed == null ? null : closed.id(),
                                        UUID.class))
                                .then()
                                .thenReturn(Map.entry(dialog, card))));
    }

    /**
     * The card of the sender's address (regulation 4.2: matched by the address, else a new lead), or the closed
     * dialog's card. A sender no card knows is announced to the head of applicant recruitment (4.2.1).
     */
    private Mono<Card> cardFor(EmailProperties.Mailbox mailbox, Stored mail, String name, Dialog closed) {
        Mono<Card> ofClosed = closed == null ? Mono.empty()
                : binding.cardOf(closed.id()).flatMap(cards::find);
        return ofClosed.switchIfEmpty(Mono.defer(() -> cards.anyWithContact(mail.fromAddress(), null)
                .flatMap(known -> cards.findOrCreateLead(name, mail.fromAddress(), null, mailbox.site())
                        .flatMap(card -> known ? Mono.just(card) : announceUnknown(mailbox, mail, card))
                        .as(tx::transactional))));
    }

    private Mono<Card> announceUnknown(EmailProperties.Mailbox mailbox, Stored mail, Card card) {
        String to = channel.properties().unknownSenderNotify();
        if (to == null || to.isBlank()) {
            return Mono.just(card);
        }
        return announcements.tryAcquire("all")
                .flatMap(wait -> {
                    if (wait.isPresent()) {
                        if (!announcementsHeld.getAndSet(true)) {
                            log.warn("More than {} mails an hour from unknown senders: the rest are not announced to "
                                    + "{} (they are new leads in their lines' lists)",
                                    channel.properties().unknownSendersPerHour(), to);
                        }
                        return Mono.just(card);
                    }
                    announcementsHeld.set(false);
                    return announce(to, mailbox, mail, card);
                });
    }

    private Mono<Card> announce(String to, EmailProperties.Mailbox mailbox, Stored mail, Card card) {
        String body = "Письмо от адреса, которого нет ни в одной карточке (регламент 4.2.1).\n\n"
                + "Ящик: " + mailbox.address() + "\nОт: " + (mail.fromName() == null ? "" : mail.fromName() + " ")
                + "<" + mail.fromAddress() + ">\nТема: " + (mail.subject() == null ? "—" : mail.subject())
                + "\nНовый лид: " + card.id() + "\n\n" + excerpt(mail.body(), 2000) + "\n";
        return mailer.enqueue("email-unknown-sender:" + mail.id(), new MailMessage(to, null,
                        "[" + mailbox.address() + "] Письмо от неизвестного отправителя: " + mail.fromAddress(), body))
                .thenReturn(card);
    }

    private Mono<Void> append(Dialog dialog, Stored mail, boolean opening) {
        return attachments(dialog, mail)
                .flatMap(files -> {
                    String subject = mail.subject() == null ? "(без темы)" : mail.subject();
                    StringBuilder text = new StringBuilder();
                    if (opening) {
                        text.append("Тема: ").append(subject).append("\n\n");
                    }
                    if ("BLOCKED".equals(mail.state())) {
                        text.append(blockedNotice(mail));
                    }
                    else {
                        text.append(mail.body() == null || mail.body().isBlank() ? "(письмо без текста)" : mail.body());
                    }
                    files.forEach(line -> text.append('\n').append(line));
                    String shown = text.length() <= MAX_TEXT ? text.toString()
                            : text.substring(0, MAX_TEXT) + "\n… (письмо обрезано, полностью — в исходном письме)";
                    Visitor visitor = new Visitor(dialog.visitorId(), dialog.siteId(), null, false);
                    return dialogs.appendFromVisitor(visitor, dialog.id(), "email:" + mail.id(), shown);
                })
                .then(done(mail, "BLOCKED".equals(mail.state()) ? "BLOCKED" : "DELIVERED", dialog.id()));
    }

    /** What the dialog shows of a mail too large to download: who, how large, and where the original is. */
    private static String blockedNotice(Stored mail) {
        return mail.reason() + ". Оригинал: письмо " + (mail.messageId() == null ? "без Message-ID" : mail.messageId())
                + " в ящике " + mail.mailbox() + " (UIDVALIDITY " + mail.uidValidity() + ", UID " + mail.uid() + ")";
    }

    /** The attachments shown in the dialog (downloadable like messenger files), one line each. */
    private Mono<List<String>> attachments(Dialog dialog, Stored mail) {
        long limit = channel.properties().maxAttachmentSize().toBytes();
        return db.sql("SELECT id, file_name, mime_type, size_bytes, storage_key, sha256, blocked FROM email_attachment "
                        + "WHERE email_message_id = :id ORDER BY position")
                .bind("id", mail.id())
                .fetch()
                .all()
                .concatMap(row -> {
                    UUID id = (UUID) row.get("id");
                    String name = row.get("file_name") == null ? "без имени" : (String) row.get("file_name");
                    long size = ((Number) row.get("size_bytes")).longValue();
                    boolean blocked = Boolean.TRUE.equals(row.get("blocked"));
                    String line = blocked
                            ? "Заблокированный файл (превышен размер " + size(limit) + "): " + name + ", " + size(size)
                                    + ". Оригинал: письмо " + mail.messageId() + " в ящике " + mail.mailbox()
                            : "Файл: " + name + " (" + size(size) + "), /api/channel/files/" + id;
                    if (row.get("storage_key") == null && !blocked) {
                        return Mono.just("Файл: " + name + " (пустой)");
                    }
                    return db.sql("""
                                    INSERT INTO messenger_file (id, dialog_id, bot_id, platform_id, file_name, mime_type,
                                        size_bytes, storage_key, sha256, blocked)
                                    VALUES (:id, :dialog, :mailbox, :platform, :name, :mime, :size, :key, :sha, :blocked)
                                    ON CONFLICT (id) DO NOTHING""")
                            .bind("id", id)
                            .bind("dialog", dialog.id())
                            .bind("mailbox", mail.mailbox())
                            .bind("platform", mail.messageId() == null ? "email:" + mail.id() : mail.messageId())
                            .bind("name", Parameter.fromOrEmpty((String) row.get("file_name"), String.class))
                            .bind("mime", Parameter.fromOrEmpty((String) row.get("mime_type"), String.class))
                            .bind("size", size)
                            .bind("key", Parameter.fromOrEmpty((String) row.get("storage_key"), String.class))
                            .bind("sha", Parameter.fromOrEmpty((String) row.get("sha256"), String.class))
                            .bind("blocked", blocked)
                            .then()
                            .thenReturn(line);
                })
                .collectList();
    }

    // --- noise

    /** An auto-reply or bulk mail: a staff notice in the dialog it answers (never answered), else only kept. */
    private Mono<Void> notice(Stored mail) {
        return threadOf(mail, false)
                .flatMap(dialogId -> dialogs.appendNotice(dialogId, "staff_notice", "Автоответ на письмо ("
                                + mail.reason() + "): " + (mail.subject() == null ? "" : mail.subject()) + "\n"
                                + excerpt(mail.body(), 1000))
                        .thenReturn(dialogId))
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(dialogId -> done(mail, "NOTICE", dialogId.orElse(null)));
    }

    /**
     * A delivery report: the dialog of the mail that failed is bouncing, with its person's address; the addresses
     * the report names are marked too.
     */
    private Mono<Void> bounce(Stored mail) {
        Mono<UUID> dialog = mail.inReplyTo() == null ? Mono.empty() : db.sql("""
                        SELECT dialog_id FROM email_sent WHERE message_id = :id
                        UNION ALL
                        SELECT dialog_id FROM email_message WHERE message_id = :id AND dialog_id IS NOT NULL
                        LIMIT 1""")
                .bind("id", mail.inReplyTo())
                .map(row -> row.get("dialog_id", UUID.class))
                .one();
        return Flux.fromIterable(mail.recipients())
                .concatMap(address -> markAddress(address, mail.reason()))
                .then(dialog)
                .flatMap(dialogId -> db.sql("UPDATE email_dialog SET bouncing_at = coalesce(bouncing_at, now()) "
                                + "WHERE dialog_id = :id RETURNING contact_address")
                        .bind("id", dialogId)
                        .map(row -> row.get("contact_address", String.class))
                        .all()
                        .concatMap(address -> markAddress(address, mail.reason()))
                        .then(dialogs.appendNotice(dialogId, "delivery_failed",
                                "Письмо не доставлено: адрес отвечает ошибкой доставки"
                                        + (mail.reason() == null ? "" : " (" + mail.reason() + ")")))
                        .thenReturn(dialogId))
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(dialogId -> done(mail, "BOUNCE", dialogId.orElse(null)));
    }

    private Mono<Void> markAddress(String address, String detail) {
        return db.sql("""
                        INSERT INTO email_bouncing_address (address, detail) VALUES (:address, :detail)
                        ON CONFLICT (address) DO UPDATE SET detail = EXCLUDED.detail, bounced_at = now()""")
                .bind("address", address)
                .bind("detail", Parameter.fromOrEmpty(detail, String.class))
                .then();
    }

    private static byte[] tokenHash() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(RandomIds.token(32).getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII));
        }
        catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String excerpt(String text, int max) {
        if (text == null) {
            return "";
        }
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }

    static String size(long bytes) {
        return bytes >= 1024 * 1024 ? String.format(Locale.ROOT, "%.1f МБ", bytes / 1048576.0)
                : bytes >= 1024 ? (bytes / 1024) + " КБ" : bytes + " Б";
    }
}
