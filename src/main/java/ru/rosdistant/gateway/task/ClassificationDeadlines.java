package ru.rosdistant.gateway.task;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.mail.MailMessage;
import ru.rosdistant.gateway.mail.Mailer;
import ru.rosdistant.gateway.site.WorkingCalendar;

/**
 * Regulation 4.3.2c: an appeal is classified (or registered) within one working day of the end of its dialog,
 * that is by the same time on the next working day. A dialog that ended unclassified — the visitor closed it, or
 * the dispatcher handed an ended one to a line — is on its agent's list (or its line's, when nobody has it yet)
 * with that deadline; the supervisor sees those past it, and each is escalated to the line's supervisor once,
 * like an overdue task.
 */
@Component
public class ClassificationDeadlines {

    /** The most one list answers; the count of all comes with it. */
    public static final int MAX_LIST = 500;

    private static final String WHERE_UNCLASSIFIED = """
            d.state = 'CLOSED' AND d.appeal_type IS NULL AND d.queued_at IS NOT NULL
            AND d.triage IS DISTINCT FROM 'SPAM'""";

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final WorkingCalendar calendar;

    private final Mailer mailer;

    private final TaskProperties properties;

    ClassificationDeadlines(DatabaseClient db, TransactionalOperator tx, WorkingCalendar calendar, Mailer mailer,
            TaskProperties properties) {
        this.db = db;
        this.tx = tx;
        this.calendar = calendar;
        this.mailer = mailer;
        this.properties = properties;
    }

    /** An ended, unclassified dialog with its deadline as it stands at {@code now}. */
    public record Unclassified(UUID dialogId, String lineId, String siteId, String channel, Long agentId,
            String visitorName, Instant endedAt, Instant deadline, boolean overdue, Instant escalatedAt) {
    }

    /** The deadline to classify a dialog that ended at {@code endedAt}: the same time, one working day later. */
    public Instant deadline(String lineId, Instant endedAt) {
        ZonedDateTime ended = endedAt.atZone(calendar.zone(lineId));
        LocalDate day = calendar.plusWorkingDays(ended.toLocalDate(), 1);
        return ended.with(day).toInstant();
    }

    /**
     * An agent's ended dialogs not yet classified, soonest deadline first: those they had, and those handed to one
     * of their lines that nobody has.
     */
    public Flux<Unclassified> of(long agentId, List<String> lines, Instant now) {
        return db.sql("SELECT d.id, d.line_id, d.site_id, d.channel, d.agent_id, v.name, d.closed_at, "
                        + "d.classify_escalated_at FROM dialog d JOIN visitor v ON v.id = d.visitor_id WHERE "
                        + WHERE_UNCLASSIFIED + " AND (d.agent_id = :agent OR (d.agent_id IS NULL "
                        + "AND d.line_id = ANY(CAST(:lines AS text[])))) ORDER BY d.closed_at LIMIT " + MAX_LIST)
                .bind("agent", agentId)
                .bind("lines", lines.toArray(String[]::new))
                .map(row -> unclassified(row, now))
                .all();
    }

    /** Those of the given lines (every line when null) past their deadline at {@code now}. */
    public Flux<Unclassified> overdue(List<String> lines, Instant now) {
        // a working day is never shorter than a calendar day: anything ended in the last day is not overdue yet
        return db.sql("SELECT d.id, d.line_id, d.site_id, d.channel, d.agent_id, v.name, d.closed_at, "
                        + "d.classify_escalated_at FROM dialog d JOIN visitor v ON v.id = d.visitor_id WHERE "
                        + WHERE_UNCLASSIFIED + " AND d.closed_at < :dayAgo "
                        + "AND (CAST(:all AS boolean) OR d.line_id = ANY(CAST(:lines AS text[]))) "
                        + "ORDER BY d.closed_at LIMIT " + MAX_LIST)
                .bind("dayAgo", now.minus(java.time.Duration.ofDays(1)).atOffset(ZoneOffset.UTC))
                .bind("all", lines == null)
                .bind("lines", lines == null ? new String[0] : lines.toArray(String[]::new))
                .map(row -> unclassified(row, now))
                .all()
                .filter(Unclassified::overdue);
    }

    /**
     * Escalates, once each, the dialogs of the given lines (every line when null) past their deadline at
     * {@code now}: the line's supervisor is mailed and the escalation recorded on the dialog.
     */
    public Flux<Unclassified> escalate(List<String> lines, Instant now) {
        return overdue(lines, now)
                .filter(dialog -> dialog.escalatedAt() == null)
                .concatMap(dialog -> db.sql("UPDATE dialog SET classify_escalated_at = :now WHERE id = :id "
                                + "AND classify_escalated_at IS NULL AND appeal_type IS NULL")
                        .bind("id", dialog.dialogId())
                        .bind("now", now.atOffset(ZoneOffset.UTC))
                        .fetch()
                        .rowsUpdated()
                        .filter(updated -> updated > 0)
                        .flatMap(updated -> mailer.enqueue("unclassified:" + dialog.dialogId(),
                                new MailMessage(properties.supervisorOf(dialog.lineId()), null,
                                        "Обращение не классифицировано в срок",
                                        "Диалог " + dialog.dialogId() + " (линия " + dialog.lineId()
                                                + ") завершён " + dialog.endedAt() + " и не классифицирован; срок "
                                                + "истёк " + dialog.deadline() + ".\n")))
                        .thenReturn(dialog)
                        .as(tx::transactional));
    }

    /** An offline appeal not classified by its deadline, escalated now. */
    public record UnclassifiedAppeal(UUID appealId, String lineId, Instant shownFrom, Instant deadline) {
    }

    /**
     * Regulation 4.3.2c for offline appeals: one not classified within one working day of the line's opening after
     * it came ({@code shown_from}; the appeal's {@code classifyBy}) is escalated once, like a dialog (of the given lines; every line when null): the line's
     * supervisor is mailed and the escalation recorded on the appeal. Spam and classified appeals are not.
     */
    public Flux<UnclassifiedAppeal> escalateAppeals(List<String> lines, Instant now) {
        // a working day is never shorter than a calendar day: nothing shown in the last day is late yet
        return db.sql("""
                        SELECT o.id, o.line_id, o.shown_from FROM offline_appeal o
                        WHERE o.classified_at IS NULL AND o.classify_escalated_at IS NULL
                          AND o.triage IS DISTINCT FROM 'SPAM' AND o.shown_from < :dayAgo
                          AND (CAST(:all AS boolean) OR o.line_id = ANY(CAST(:lines AS text[])))
                        ORDER BY o.shown_from LIMIT """ + " " + MAX_LIST)
                .bind("dayAgo", now.minus(java.time.Duration.ofDays(1)).atOffset(ZoneOffset.UTC))
                .bind("all", lines == null)
                .bind("lines", lines == null ? new String[0] : lines.toArray(String[]::new))
                .map(row -> {
                    String line = row.get("line_id", String.class);
                    Instant shown = instant(row, "shown_from");
                    return new UnclassifiedAppeal(row.get("id", UUID.class), line, shown, deadline(line, shown));
                })
                .all()
                .filter(appeal -> now.isAfter(appeal.deadline()))
                .concatMap(appeal -> db.sql("UPDATE offline_appeal SET classify_escalated_at = :now WHERE id = :id "
                                + "AND classify_escalated_at IS NULL AND classified_at IS NULL")
                        .bind("id", appeal.appealId())
                        .bind("now", now.atOffset(ZoneOffset.UTC))
                        .fetch()
                        .rowsUpdated()
                        .filter(updated -> updated > 0)
                        .flatMap(updated -> mailer.enqueue("unclassified-appeal:" + appeal.appealId(),
                                new MailMessage(properties.supervisorOf(appeal.lineId()), null,
                                        "Офлайн-обращение не классифицировано в срок",
                                        "Офлайн-обращение " + appeal.appealId() + " (линия " + appeal.lineId()
                                                + ") показано линии " + appeal.shownFrom() + " и не классифицировано; "
                                                + "срок истёк " + appeal.deadline() + ".\n")))
                        .thenReturn(appeal)
                        .as(tx::transactional));
    }

    private Unclassified unclassified(Readable row, Instant now) {
        String line = row.get("line_id", String.class);
        Instant ended = instant(row, "closed_at");
        Instant deadline = deadline(line, ended);
        return new Unclassified(row.get("id", UUID.class), line, row.get("site_id", String.class),
                row.get("channel", String.class), row.get("agent_id", Long.class), row.get("name", String.class),
                ended, deadline, now.isAfter(deadline), instant(row, "classify_escalated_at"));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime time = row.get(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }
}
