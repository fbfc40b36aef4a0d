package ru.rosdistant.gateway.email;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;

/**
 * What mail may open and fill within an hour ({@link EmailProperties}): new dialogs per sender (all mailboxes) and
 * per mailbox (all senders), mails per dialog. Counted in PostgreSQL over the last hour (one node reads a mailbox at a
 * time), so the bounds hold across restarts and nodes. A mail past a bound is {@link Hold held} until the moment the
 * full hour frees a place: the oldest counted row's time plus an hour.
 */
@Component
class MailLimits {

    private static final Logger log = LoggerFactory.getLogger(MailLimits.class);

    /** Why a mail waits, and until when. */
    record Hold(OffsetDateTime until, String reason) {

        /** The later of two holds: a mail past two bounds waits for both. */
        Hold and(Hold other) {
            return other == null || until.isAfter(other.until()) ? this : other;
        }
    }

    private static final Duration LOG_EVERY = Duration.ofMinutes(10);

    private final DatabaseClient db;

    private final EmailProperties properties;

    /** When each mailbox last logged a held mail. */
    private final Map<String, Long> lastLogged = new ConcurrentHashMap<>();

    MailLimits(DatabaseClient db, EmailChannel channel) {
        this.db = db;
        this.properties = channel.properties();
    }

    /** Whether the mail may open a new dialog: empty when it may, else how long it waits. */
    Mono<Optional<Hold>> newDialog(EmailProperties.Mailbox mailbox, String from) {
        int perSender = properties.newDialogsPerSenderPerHour();
        int perMailbox = properties.newDialogsPerHour(mailbox);
        Mono<Optional<Hold>> bySender = full("""
                        SELECT count(*) AS n, min(created_at) + interval '1 hour' AS until FROM email_dialog
                        WHERE contact_address = :key AND created_at > now() - interval '1 hour'""", from, perSender,
                "от этого адреса за час открыто " + perSender + " новых диалогов (предел "
                        + "new-dialogs-per-sender-per-hour)");
        Mono<Optional<Hold>> byMailbox = full("""
                        SELECT count(*) AS n, min(created_at) + interval '1 hour' AS until FROM email_dialog
                        WHERE mailbox = :key AND created_at > now() - interval '1 hour'""", mailbox.id(), perMailbox,
                "ящик " + mailbox.address() + " за час открыл " + perMailbox + " новых диалогов (предел "
                        + "new-dialogs-per-mailbox-per-hour)");
        return Mono.zip(bySender, byMailbox, (sender, box) -> sender.isEmpty() ? box
                : Optional.of(sender.get().and(box.orElse(null))));
    }

    /** Whether the dialog may take one more mail: empty when it may, else how long the mail waits. */
    Mono<Optional<Hold>> intoDialog(UUID dialogId) {
        int perDialog = properties.mailsPerDialogPerHour();
        return full("""
                        SELECT count(*) AS n, min(handled_at) + interval '1 hour' AS until FROM email_message
                        WHERE dialog_id = :key AND state IN ('DELIVERED', 'BLOCKED')
                          AND handled_at > now() - interval '1 hour'""", dialogId, perDialog,
                "в этот диалог за час пришло " + perDialog + " писем (предел mails-per-dialog-per-hour)");
    }

    /** The sender's open e-mail dialog of the mailbox (the newest), where their mail over a bound goes instead. */
    Mono<UUID> openDialogOf(EmailProperties.Mailbox mailbox, String from) {
        return db.sql("""
                        SELECT e.dialog_id FROM email_dialog e JOIN dialog d ON d.id = e.dialog_id
                        WHERE e.contact_address = :from AND e.mailbox = :mailbox AND d.state <> 'CLOSED'
                        ORDER BY e.created_at DESC LIMIT 1""")
                .bind("from", from)
                .bind("mailbox", mailbox.id())
                .map(row -> row.get("dialog_id", UUID.class))
                .one();
    }

    /** Logs a mail the mailbox holds, once in {@link #LOG_EVERY} per mailbox: a flood is one line, not one a mail. */
    void held(EmailProperties.Mailbox mailbox, UUID mailId, Hold hold) {
        long now = System.nanoTime();
        boolean[] due = {false};
        lastLogged.compute(mailbox.id(), (id, last) -> {
            due[0] = last == null || now - last > LOG_EVERY.toNanos();
            return due[0] ? now : last;
        });
        if (due[0]) {
            log.warn("Mailbox '{}': mail {} waits until {}: {} (state LIMITED, listed for supervisors; further mail "
                    + "past the bounds is not logged for {} min)", mailbox.id(), mailId, hold.until(), hold.reason(),
                    LOG_EVERY.toMinutes());
        }
    }

    private Mono<Optional<Hold>> full(String sql, Object key, int bound, String reason) {
        return db.sql(sql)
                .bind("key", key)
                .map(row -> {
                    long count = row.get("n", Long.class);
                    return count < bound ? Optional.<Hold>empty()
                            : Optional.of(new Hold(row.get("until", OffsetDateTime.class), "Отложено: " + reason));
                })
                .one();
    }
}
