package ru.rosdistant.gateway.task;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.dialog.DialogAssigned;
import ru.rosdistant.gateway.dialog.DialogQueued;
import ru.rosdistant.gateway.shared.RandomIds;
import ru.rosdistant.gateway.site.WorkingCalendar;

/**
 * Regulation 4.2: the card's responsible person is told of every new appeal of that person, whatever the channel. A
 * dialog in which the person wrote, or an offline appeal, on a card with a responsible agent (since they became
 * responsible) makes the task «Снова обращается: …» for that agent, due the next working day, and a
 * {@code card_notice} frame on their console. Not when the dialog is that agent's own already. Once per dialog or
 * appeal; the events are the fast path, a sweep ({@code gateway.tasks.notice-interval}) makes any they missed.
 */
@Component
class ReturningPersons {

    private static final Log log = LogFactory.getLog(ReturningPersons.class);

    private static final Map<String, String> CHANNELS = Map.of("WIDGET", "виджет", "TELEGRAM", "Telegram", "VIBER",
            "Viber", "WHATSAPP", "WhatsApp", "VK", "VK", "MAX", "MAX", "EMAIL", "e-mail");

    private final DatabaseClient db;

    private final ApplicationEventPublisher events;

    private final WorkingCalendar calendar;

    private final TaskProperties properties;

    private final TaskClock clock;

    private volatile Disposable sweeper;

    ReturningPersons(DatabaseClient db, ApplicationEventPublisher events, WorkingCalendar calendar,
            TaskProperties properties, TaskClock clock) {
        this.db = db;
        this.events = events;
        this.calendar = calendar;
        this.properties = properties;
        this.clock = clock;
    }

    private record Subject(UUID id, boolean appeal, UUID cardId, long agentId, String name, String channel,
            String lineId) {
    }

    @EventListener
    void queued(DialogQueued event) {
        later(event.dialog().id());
    }

    @EventListener
    void assigned(DialogAssigned event) {
        later(event.dialog().id());
    }

    private void later(UUID dialogId) {
        dialogs("d.id = :id", dialogId).concatMap(this::notice)
                .subscribe(null, error -> log.warn("Could not tell the responsible agent of dialog " + dialogId
                        + " yet; the sweep will: " + error));
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        sweeper = Flux.interval(properties.noticeInterval())
                .onBackpressureDrop()
                .concatMap(tick -> sweep().onErrorResume(error -> {
                    log.warn("The sweep for persons writing again failed; trying again at the next one: " + error);
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

    /** Tells of every dialog and offline appeal of the last two days that the events missed. */
    Mono<Void> sweep() {
        return dialogs("d.opened_at > now() - interval '2 days'", null)
                .concatWith(appeals())
                .concatMap(this::notice)
                .then();
    }

    private Flux<Subject> dialogs(String which, UUID id) {
        var spec = db.sql("""
                        SELECT d.id, d.channel, d.line_id, c.id AS card_id, c.name, c.responsible_agent_id
                        FROM dialog d JOIN card k ON k.id = d.card_id JOIN card c ON c.id = coalesce(k.merged_into, k.id)
                        WHERE\s""" + which + """
                           AND c.responsible_agent_id IS NOT NULL AND d.opened_at >= c.responsible_since
                          AND d.agent_id IS DISTINCT FROM c.responsible_agent_id
                          AND EXISTS (SELECT 1 FROM message m WHERE m.dialog_id = d.id AND m.sender = 'VISITOR')
                          AND NOT EXISTS (SELECT 1 FROM task t WHERE t.notice_key = 'dialog:' || d.id)
                        LIMIT 200""");
        if (id != null) {
            spec = spec.bind("id", id);
        }
        return spec.map(row -> new Subject(row.get("id", UUID.class), false, row.get("card_id", UUID.class),
                        row.get("responsible_agent_id", Long.class), row.get("name", String.class),
                        row.get("channel", String.class), row.get("line_id", String.class)))
                .all();
    }

    private Flux<Subject> appeals() {
        return db.sql("""
                        SELECT o.id, o.channel, o.line_id, c.id AS card_id, c.name, c.responsible_agent_id
                        FROM offline_appeal o JOIN card k ON k.id = o.card_id
                        JOIN card c ON c.id = coalesce(k.merged_into, k.id)
                        WHERE o.created_at > now() - interval '2 days' AND o.dialog_id IS NULL
                          AND c.responsible_agent_id IS NOT NULL AND o.created_at >= c.responsible_since
                          AND o.triage IS DISTINCT FROM 'SPAM'
                          AND NOT EXISTS (SELECT 1 FROM task t WHERE t.notice_key = 'appeal:' || o.id)
                        LIMIT 200""")
                .map(row -> new Subject(row.get("id", UUID.class), true, row.get("card_id", UUID.class),
                        row.get("responsible_agent_id", Long.class), row.get("name", String.class),
                        row.get("channel", String.class), row.get("line_id", String.class)))
                .all();
    }

    /** The task for the responsible agent, and the frame on their console when the task is new. */
    private Mono<Void> notice(Subject subject) {
        String channel = CHANNELS.getOrDefault(subject.channel(), subject.channel());
        String title = fit("Снова обращается: " + subject.name() + " (" + (subject.appeal() ? "офлайн, " : "")
                + channel + ")");
        Instant now = clock.now();
        LocalDate due = calendar.plusWorkingDays(now.atZone(properties.zone()).toLocalDate(), 1);
        UUID taskId = RandomIds.uuid();
        return db.sql("""
                        INSERT INTO task (id, card_id, kind, title, line_id, owner_agent_id, due, notice_key)
                        VALUES (:id, :card, 'PERSON_WROTE_AGAIN', :title, :line, :owner, :due, :key)
                        ON CONFLICT (notice_key) DO NOTHING""")
                .bind("id", taskId)
                .bind("card", subject.cardId())
                .bind("title", title)
                .bind("line", subject.lineId())
                .bind("owner", subject.agentId())
                .bind("due", due)
                .bind("key", (subject.appeal() ? "appeal:" : "dialog:") + subject.id())
                .fetch()
                .rowsUpdated()
                .filter(inserted -> inserted > 0)
                .flatMap(inserted -> db.sql("INSERT INTO task_history (task_id, event, new_due, detail) "
                                + "VALUES (:task, 'CREATED', :due, 'the person of the card wrote again')")
                        .bind("task", taskId)
                        .bind("due", due)
                        .then()
                        .doOnSuccess(done -> events.publishEvent(new PersonWroteAgain(subject.id(), subject.appeal(),
                                subject.agentId(), subject.cardId(), taskId, subject.name(), subject.channel(),
                                title))));
    }

    private static String fit(String title) {
        return title.length() <= 300 ? title : title.substring(0, 299) + "…";
    }
}
