package ru.rosdistant.gateway.dialog;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.site.Site;

/**
 * What other modules read of dialogs and messages: one dialog, a visitor's or an agent's dialogs, the waiting lines,
 * loads, and messages by seq. Reads only; every change goes through {@link DialogManagement} or
 * {@link DialogForwarding}.
 */
@Component
public class DialogQueries {

    private final DatabaseClient db;

    DialogQueries(DatabaseClient db) {
        this.db = db;
    }

    public Mono<Dialog> find(UUID dialogId) {
        return db.sql("SELECT " + DialogRows.DIALOG_COLUMNS + " WHERE d.id = :id")
                .bind("id", dialogId)
                .map(DialogRows::dialog)
                .one();
    }

    public Mono<Dialog> findOfVisitor(Visitor visitor, UUID dialogId) {
        return find(dialogId).filter(dialog -> dialog.visitorId().equals(visitor.id()));
    }

    /** The visitor's dialog on the site that is not closed, if any. */
    public Mono<Dialog> openDialogOf(Visitor visitor, Site site) {
        return openDialogOf(visitor, site.id()).onErrorMap(DialogManagement::storageFailure);
    }

    Mono<Dialog> openDialogOf(Visitor visitor, String siteId) {
        return db.sql("SELECT " + DialogRows.DIALOG_COLUMNS + " WHERE d.visitor_id = :visitor AND d.site_id = :site "
                        + "AND d.state <> 'CLOSED'")
                .bind("visitor", visitor.id())
                .bind("site", siteId)
                .map(DialogRows::dialog)
                .one();
    }

    /** The visitor's dialogs on their site, newest first. */
    public Flux<Dialog> dialogsOf(Visitor visitor, int limit) {
        return db.sql("SELECT " + DialogRows.DIALOG_COLUMNS + " WHERE d.visitor_id = :visitor ORDER BY d.opened_at DESC LIMIT :limit")
                .bind("visitor", visitor.id())
                .bind("limit", limit)
                .map(DialogRows::dialog)
                .all();
    }

    /** The dialogs assigned to an agent and not closed. */
    public Flux<Dialog> openDialogsOf(long agentId) {
        return db.sql("SELECT " + DialogRows.DIALOG_COLUMNS + " WHERE d.agent_id = :agent AND d.state = 'ASSIGNED' "
                        + "ORDER BY d.assigned_at")
                .bind("agent", agentId)
                .map(DialogRows::dialog)
                .all();
    }

    /** The oldest waiting dialogs of a line, first come first served. */
    public Flux<Dialog> waiting(String lineId, int limit) {
        return db.sql("SELECT " + DialogRows.DIALOG_COLUMNS + " WHERE d.line_id = :line AND d.state = 'WAITING' "
                        + "AND d.queued_at IS NOT NULL AND d." + DialogRows.NOT_EMAIL + " ORDER BY d.requeued DESC, d.queued_at, d.id LIMIT :limit")
                .bind("line", lineId)
                .bind("limit", limit)
                .map(DialogRows::dialog)
                .all();
    }

    /** The ids of a line's waiting dialogs in the order they will be served. */
    public Flux<UUID> waitingOrder(String lineId) {
        return db.sql("SELECT id FROM dialog WHERE line_id = :line AND state = 'WAITING' AND queued_at IS NOT NULL "
                        + "AND " + DialogRows.NOT_EMAIL + " ORDER BY requeued DESC, queued_at, id")
                .bind("line", lineId)
                .map(row -> row.get("id", UUID.class))
                .all();
    }

    /** Agents that have dialogs assigned (for re-queueing after a restart if they do not come back). */
    public Flux<Long> agentsWithOpenDialogs() {
        return db.sql("SELECT DISTINCT agent_id FROM dialog WHERE state = 'ASSIGNED'")
                .map(row -> row.get("agent_id", Long.class))
                .all();
    }

    /** A dialog that waited past its line's maximum, and the channel it came by. */
    public record LongWait(UUID dialogId, String channel) {

        public boolean fromMessenger() {
            return !"WIDGET".equals(channel);
        }
    }

    /** Waiting dialogs of a line queued before the cutoff and not yet offered the offline way. */
    public Flux<LongWait> waitingLongerThan(String lineId, Instant cutoff) {
        return db.sql("SELECT id, channel FROM dialog WHERE line_id = :line AND state = 'WAITING' "
                        + "AND queued_at IS NOT NULL AND offline_offered_at IS NULL AND queued_at < :cutoff "
                        + "AND " + DialogRows.NOT_EMAIL)
                .bind("line", lineId)
                .bind("cutoff", cutoff.atOffset(java.time.ZoneOffset.UTC))
                .map(row -> new LongWait(row.get("id", UUID.class), row.get("channel", String.class)))
                .all();
    }

    /** The visitor's messages of a dialog, in order, as one text (at most {@code maxChars}). */
    public Mono<String> visitorText(UUID dialogId, int maxChars) {
        return db.sql("SELECT body FROM message WHERE dialog_id = :id AND sender = 'VISITOR' ORDER BY seq LIMIT 200")
                .bind("id", dialogId)
                .map(row -> row.get("body", String.class))
                .all()
                .collect(java.util.stream.Collectors.joining("\n"))
                .map(text -> text.length() <= maxChars ? text : text.substring(0, maxChars));
    }

    /** How many open dialogs each of these agents has now. */
    public Mono<Map<Long, Integer>> loads(Collection<Long> agentIds) {
        return db.sql("SELECT agent_id, count(*) AS open FROM dialog WHERE state = 'ASSIGNED' "
                        + "AND " + DialogRows.NOT_EMAIL + " AND agent_id = ANY(:agents) GROUP BY agent_id")
                .bind("agents", agentIds.toArray(Long[]::new))
                .map(row -> Map.entry(row.get("agent_id", Long.class), row.get("open", Long.class).intValue()))
                .all()
                .collectMap(Map.Entry::getKey, Map.Entry::getValue);
    }

    /** How many dialogs wait on a line, and since when the longest of them waits; lines with none are left out. */
    public record LineWaiting(String lineId, long waiting, Instant longestSince) {
    }

    /** The waiting dialogs per line, for the supervisor's overview: one grouped query. */
    public Flux<LineWaiting> waitingByLine() {
        return db.sql("SELECT line_id, count(*) AS n, min(queued_at) AS oldest FROM dialog WHERE state = 'WAITING' "
                        + "AND queued_at IS NOT NULL AND " + DialogRows.NOT_EMAIL + " GROUP BY line_id")
                .map(row -> new LineWaiting(row.get("line_id", String.class), row.get("n", Long.class),
                        row.get("oldest", OffsetDateTime.class).toInstant()))
                .all();
    }

    public Mono<Long> countOpen() {
        return db.sql("SELECT count(*) AS open FROM dialog WHERE state <> 'CLOSED'")
                .map(row -> row.get("open", Long.class))
                .one();
    }

    /** The latest message of each of these dialogs (another node's events may have been lost: the gap filler's cue). */
    public Flux<Message> latestMessages(Collection<UUID> dialogIds) {
        return db.sql("SELECT " + DialogRows.MESSAGE_COLUMNS + " FROM message m WHERE (m.dialog_id, m.seq) IN "
                        + "(SELECT id, last_seq FROM dialog WHERE id = ANY(:ids))")
                .bind("ids", dialogIds.toArray(UUID[]::new))
                .map(DialogRows::message)
                .all();
    }

    /** Messages of a dialog after {@code afterSeq}, in order, at most {@code limit}. */
    public Flux<Message> messagesAfter(UUID dialogId, long afterSeq, long untilSeq) {
        return db.sql("SELECT " + DialogRows.MESSAGE_COLUMNS + " FROM message WHERE dialog_id = :dialog AND seq > :after "
                        + "AND seq <= :until ORDER BY seq")
                .bind("dialog", dialogId)
                .bind("after", afterSeq)
                .bind("until", untilSeq)
                .map(DialogRows::message)
                .all()
                .onErrorMap(DialogManagement::storageFailure);
    }

    /** Waiting widget dialogs opened before the cutoff, with their visitors, oldest first. */
    public Flux<Map.Entry<UUID, UUID>> waitingWidgetDialogsOpenedBefore(Instant cutoff, int limit) {
        return db.sql("SELECT id, visitor_id FROM dialog WHERE state = 'WAITING' AND channel = 'WIDGET' "
                        + "AND opened_at < :cutoff ORDER BY opened_at LIMIT :limit")
                .bind("cutoff", cutoff.atOffset(java.time.ZoneOffset.UTC))
                .bind("limit", limit)
                .map(row -> Map.entry(row.get("id", UUID.class), row.get("visitor_id", UUID.class)))
                .all();
    }

    /** Closed dialogs an agent had and has not classified yet; a dialog ended as spam has no appeal type. */
    public Flux<Dialog> unclassifiedOf(long agentId) {
        return db.sql("SELECT " + DialogRows.DIALOG_COLUMNS + " WHERE d.agent_id = :agent AND d.state = 'CLOSED' "
                        + "AND d.appeal_type IS NULL AND d.triage IS DISTINCT FROM 'SPAM' ORDER BY d.closed_at")
                .bind("agent", agentId)
                .map(DialogRows::dialog)
                .all();
    }

    /** A dialog waiting for the dispatcher's decision, with the visitor's first message. */
    public record Untriaged(Dialog dialog, String firstMessage) {
    }

    private static final String UNTRIAGED_WHERE = """
             WHERE d.line_id = :line AND d.triage IS NULL AND d.queued_at IS NOT NULL
               AND (CAST(:endedBefore AS timestamptz) IS NULL
                    OR coalesce(d.closed_at, CASE WHEN d.channel = 'EMAIL' THEN d.queued_at END)
                       < CAST(:endedBefore AS timestamptz))""";

    /**
     * Dialogs of a line that nobody triaged yet, open or ended: the ended ones first (their clock runs), by the
     * moment they ended, then the open ones by the moment they opened. {@code endedBefore}, when given, keeps only
     * those that ended before it.
     */
    public Flux<Untriaged> untriaged(String lineId, Instant endedBefore, int limit, long offset) {
        return db.sql("SELECT " + DialogRows.DIALOG_COLUMNS.replace("FROM dialog d JOIN", """
                        , (SELECT m.body FROM message m WHERE m.dialog_id = d.id AND m.sender = 'VISITOR'
                            ORDER BY m.seq LIMIT 1) AS first_message FROM dialog d JOIN""") + " " + UNTRIAGED_WHERE
                        + " ORDER BY coalesce(d.closed_at, CASE WHEN d.channel = 'EMAIL' THEN d.queued_at END)"
                        + " NULLS LAST, d.opened_at, d.id LIMIT :limit OFFSET :offset")
                .bind("line", lineId)
                .bind("endedBefore", Parameter.fromOrEmpty(endedBefore == null ? null
                        : endedBefore.atOffset(java.time.ZoneOffset.UTC), OffsetDateTime.class))
                .bind("limit", limit)
                .bind("offset", offset)
                .map(row -> new Untriaged(DialogRows.dialog(row), row.get("first_message", String.class)))
                .all();
    }

    /** How many {@link #untriaged} would list without a limit. */
    public Mono<Long> countUntriaged(String lineId, Instant endedBefore) {
        return db.sql("SELECT count(*) AS n FROM dialog d " + UNTRIAGED_WHERE)
                .bind("line", lineId)
                .bind("endedBefore", Parameter.fromOrEmpty(endedBefore == null ? null
                        : endedBefore.atOffset(java.time.ZoneOffset.UTC), OffsetDateTime.class))
                .map(row -> row.get("n", Long.class))
                .one();
    }

    /** Closed dialogs whose visitor asked for the transcript while they were open, with the address (or one). */
    public Flux<Map.Entry<UUID, String>> transcriptsDue(UUID dialogId, int limit) {
        return db.sql("SELECT id, transcript_email FROM dialog WHERE transcript_wanted AND state = 'CLOSED' "
                        + (dialogId == null ? "" : "AND id = :id ") + "ORDER BY closed_at LIMIT :limit")
                .bindValues(dialogId == null ? Map.of("limit", limit) : Map.of("limit", limit, "id", dialogId))
                .map(row -> Map.entry(row.get("id", UUID.class), row.get("transcript_email", String.class)))
                .all();
    }
}
