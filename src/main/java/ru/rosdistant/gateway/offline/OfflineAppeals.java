package ru.rosdistant.gateway.offline;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.Dialog;
import ru.rosdistant.gateway.dialog.DialogKeptOffline;
import ru.rosdistant.gateway.dialog.DialogQueries;
import ru.rosdistant.gateway.shared.RandomIds;
import ru.rosdistant.gateway.site.WorkingCalendar;

/**
 * Offline appeals (regulation 4.3): questions nobody answered live — an offline form, a messenger question out of
 * hours, a messenger question nobody took within the line's maximum wait — are work on the line's list. Each is
 * shown from the line's next opening and promised an answer within one working day. The site's mailbox still gets
 * its copy (by the form and out-of-hours paths, as before).
 * <p>
 * A messenger dialog kept offline ({@link DialogKeptOffline}) becomes an appeal at once; a sweep makes any the
 * event missed. One appeal per dialog, per form, per messenger update.
 */
@Component
public class OfflineAppeals {

    private static final Log log = LogFactory.getLog(OfflineAppeals.class);

    static final String COLUMNS = """
            o.id, o.source, o.line_id, o.site_id, o.channel, o.dialog_id, o.offline_form_id, o.visitor_id, o.card_id,
            o.name, o.email, o.phone, o.question, o.created_at, o.shown_from, o.answer_by, o.triage, o.agent_id,
            o.answer, o.answered_at, o.appeal_type, o.request_number, o.classified_at FROM offline_appeal o""";

    private final DatabaseClient db;

    private final DialogQueries dialogs;

    private final WorkingCalendar calendar;

    private final OfflineProperties properties;

    private final ru.rosdistant.gateway.cluster.SingletonJobs jobs;

    private volatile Disposable sweeper;

    OfflineAppeals(DatabaseClient db, DialogQueries dialogs, WorkingCalendar calendar,
            OfflineProperties properties, ru.rosdistant.gateway.cluster.SingletonJobs jobs) {
        this.jobs = jobs;
        this.db = db;
        this.dialogs = dialogs;
        this.calendar = calendar;
        this.properties = properties;
    }

    /** One offline appeal as the line's list shows it. */
    public record Appeal(UUID id, String source, String lineId, String siteId, String channel, UUID dialogId,
            UUID offlineFormId, UUID visitorId, UUID cardId, String name, String email, String phone, String question,
            Instant createdAt, Instant shownFrom, LocalDate answerBy, String triage, Long agentId, String answer,
            Instant answeredAt, String appealType, String requestNumber, Instant classifiedAt) {
    }

    @EventListener
    void keptOffline(DialogKeptOffline event) {
        fromBusyDialog(event.dialog()).subscribe(null, error -> log.warn("Could not make the offline appeal of "
                + "dialog " + event.dialog().id() + " yet; the sweep will: " + error));
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        sweeper = Flux.interval(properties.appealSweepInterval())
                .onBackpressureDrop()
                .concatMap(tick -> jobs.runAlone("offline.appeal-sweep", properties.appealSweepInterval(), this::sweep)
                        .then()
                        .onErrorResume(error -> {
                    log.warn("The offline appeal sweep failed; trying again at the next one: " + error);
                    return Mono.empty();
                }), 1)
                .subscribe();
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (sweeper != null) {
            sweeper.dispose();
        }
    }

    /** Makes the appeals of messenger dialogs kept offline that the event missed. */
    Mono<Void> sweep() {
        return db.sql("""
                        SELECT d.id FROM dialog d
                        WHERE d.offline_offered_at IS NOT NULL AND d.channel <> 'WIDGET'
                          AND d.offline_offered_at > now() - interval '7 days'
                          AND d.offline_offered_at < now() - interval '10 seconds'
                          AND EXISTS (SELECT 1 FROM message m WHERE m.dialog_id = d.id AND m.event = 'kept_offline')
                          AND NOT EXISTS (SELECT 1 FROM offline_appeal o WHERE o.dialog_id = d.id)
                        ORDER BY d.offline_offered_at LIMIT 200""")
                .map(row -> row.get("id", UUID.class))
                .all()
                .concatMap(dialogs::find)
                .concatMap(this::fromBusyDialog)
                .then();
    }

    /** The offline appeal of a messenger dialog nobody took in time (once). */
    public Mono<Appeal> fromBusyDialog(Dialog dialog) {
        return dialogs.visitorText(dialog.id(), 8000)
                .filter(text -> !text.isBlank())
                .defaultIfEmpty("(вопрос без текста)")
                .flatMap(question -> db.sql("SELECT card_id FROM dialog WHERE id = :id")
                        .bind("id", dialog.id())
                        .map(row -> java.util.Optional.ofNullable(row.get("card_id", UUID.class)))
                        .one()
                        .flatMap(card -> insert(new Appeal(RandomIds.uuid(), "MESSENGER_BUSY", dialog.lineId(),
                                dialog.siteId(), dialog.channel(), dialog.id(), null, dialog.visitorId(),
                                card.orElse(null), dialog.visitorName(), null, null, question, null, null, null, null,
                                null, null, null, null, null, null), "busy:" + dialog.id())));
    }

    /**
     * Stores an appeal once per {@code dedupKey}: shown from the line's next opening, the answer promised by the
     * end of the next working day. Call it in the transaction that stores what the appeal came from.
     */
    Mono<Appeal> insert(Appeal appeal, String dedupKey) {
        Instant now = Instant.now();
        Instant shownFrom = calendar.nextOpening(appeal.lineId(), now).map(at -> at.toInstant()).orElse(now);
        LocalDate answerBy = answerBy(appeal.lineId(), now);
        return db.sql("""
                        INSERT INTO offline_appeal (id, source, line_id, site_id, channel, dialog_id, offline_form_id,
                            visitor_id, card_id, name, email, phone, question, dedup_key, shown_from, answer_by)
                        VALUES (:id, :source, :line, :site, :channel, :dialog, :form, :visitor, :card, :name, :email,
                            :phone, :question, :key, :shown, :by)
                        ON CONFLICT (dedup_key) DO NOTHING""")
                .bind("id", appeal.id())
                .bind("source", appeal.source())
                .bind("line", appeal.lineId())
                .bind("site", appeal.siteId())
                .bind("channel", appeal.channel())
                .bind("dialog", Parameter.fromOrEmpty(appeal.dialogId(), UUID.class))
                .bind("form", Parameter.fromOrEmpty(appeal.offlineFormId(), UUID.class))
                .bind("visitor", Parameter.fromOrEmpty(appeal.visitorId(), UUID.class))
                .bind("card", Parameter.fromOrEmpty(appeal.cardId(), UUID.class))
                .bind("name", Parameter.fromOrEmpty(fit(appeal.name(), 200), String.class))
                .bind("email", Parameter.fromOrEmpty(appeal.email(), String.class))
                .bind("phone", Parameter.fromOrEmpty(appeal.phone(), String.class))
                .bind("question", fit(appeal.question(), 8000))
                .bind("key", dedupKey)
                .bind("shown", shownFrom.atOffset(ZoneOffset.UTC))
                .bind("by", answerBy)
                .fetch()
                .rowsUpdated()
                .then(db.sql("SELECT " + COLUMNS + " WHERE o.dedup_key = :key")
                        .bind("key", dedupKey)
                        .map(OfflineAppeals::appeal)
                        .one());
    }

    /** A messenger question out of hours becomes an appeal; call it in the transaction that stores the question. */
    public Mono<Void> offerOutOfHours(String lineId, String botId, String platform, UUID visitorId, UUID cardId,
            String name, String phone, String question, String dedupKey) {
        return insert(new Appeal(RandomIds.uuid(), "MESSENGER_HOURS", lineId, botId, platform, null, null, visitorId,
                cardId, name, null, phone, question, null, null, null, null, null, null, null, null, null, null),
                dedupKey)
                .then();
    }

    /**
     * The classification deadline of an appeal: one working day (regulation 4.3.2c) from when it became work, the
     * line's opening after it came.
     */
    public Instant classifyBy(Appeal appeal) {
        java.time.ZonedDateTime shown = appeal.shownFrom().atZone(calendar.zone(appeal.lineId()));
        return shown.with(calendar.plusWorkingDays(shown.toLocalDate(), 1)).toInstant();
    }

    /** The answer to an offline appeal is due within one working day (regulation 4.3.2c). */
    LocalDate answerBy(String lineId, Instant now) {
        return calendar.plusWorkingDays(now.atZone(calendar.zone(lineId)).toLocalDate(), 1);
    }

    /**
     * The open (not yet classified) appeals of the given lines shown at {@code now} (from the line's opening
     * after they came), oldest first; a page of at most {@code limit}. {@code lines} null: every line.
     */
    public Flux<Appeal> openOf(List<String> lines, Instant now, int limit, long offset) {
        return db.sql("SELECT " + COLUMNS + " WHERE (CAST(:all AS boolean) OR o.line_id = ANY(CAST(:lines AS text[]))) "
                        + "AND o.classified_at IS NULL "
                        + "AND o.triage IS DISTINCT FROM 'SPAM' AND o.shown_from <= :now "
                        + "ORDER BY o.shown_from, o.created_at, o.id LIMIT :limit OFFSET :offset")
                .bind("all", lines == null)
                .bind("lines", lines == null ? new String[0] : lines.toArray(String[]::new))
                .bind("now", now.atOffset(ZoneOffset.UTC))
                .bind("limit", limit)
                .bind("offset", offset)
                .map(OfflineAppeals::appeal)
                .all();
    }

    /** How many {@link #openOf} would list without a limit. */
    public Mono<Long> countOpenOf(List<String> lines, Instant now) {
        return db.sql("SELECT count(*) AS n FROM offline_appeal o WHERE (CAST(:all AS boolean) OR o.line_id = ANY(CAST(:lines AS "
                        + "text[]))) "
                        + "AND o.classified_at IS NULL AND o.triage IS DISTINCT FROM 'SPAM' AND o.shown_from <= :now")
                .bind("all", lines == null)
                .bind("lines", lines == null ? new String[0] : lines.toArray(String[]::new))
                .bind("now", now.atOffset(ZoneOffset.UTC))
                .map(row -> row.get("n", Long.class))
                .one();
    }

    public Mono<Appeal> find(UUID id) {
        return db.sql("SELECT " + COLUMNS + " WHERE o.id = :id")
                .bind("id", id)
                .map(OfflineAppeals::appeal)
                .one();
    }

    /** The appeal made of a dialog, if any. */
    public Mono<Appeal> ofDialog(UUID dialogId) {
        return db.sql("SELECT " + COLUMNS + " WHERE o.dialog_id = :id")
                .bind("id", dialogId)
                .map(OfflineAppeals::appeal)
                .one();
    }

    private static String fit(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }

    static Appeal appeal(Readable row) {
        return new Appeal(row.get("id", UUID.class), row.get("source", String.class),
                row.get("line_id", String.class), row.get("site_id", String.class), row.get("channel", String.class),
                row.get("dialog_id", UUID.class), row.get("offline_form_id", UUID.class),
                row.get("visitor_id", UUID.class), row.get("card_id", UUID.class), row.get("name", String.class),
                row.get("email", String.class), row.get("phone", String.class), row.get("question", String.class),
                instant(row, "created_at"), instant(row, "shown_from"), row.get("answer_by", LocalDate.class),
                row.get("triage", String.class), row.get("agent_id", Long.class), row.get("answer", String.class),
                instant(row, "answered_at"), row.get("appeal_type", String.class),
                row.get("request_number", String.class), instant(row, "classified_at"));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime time = row.get(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }
}
