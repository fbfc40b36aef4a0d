package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

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
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.card.CardBinding;
import ru.rosdistant.gateway.cluster.SingletonJobs;
import ru.rosdistant.gateway.dialog.ComplaintAddressee;
import ru.rosdistant.gateway.dialog.DialogClassified;
import ru.rosdistant.gateway.dialog.DialogClosed;
import ru.rosdistant.gateway.mail.MailMessage;
import ru.rosdistant.gateway.mail.Mailer;
import ru.rosdistant.gateway.outbox.Outbox;
import ru.rosdistant.gateway.shared.RandomIds;
import ru.rosdistant.gateway.site.WorkingCalendar;

/**
 * Follow-up tasks (regulation 4.3, 2–3). A service or change request closed with its ticket-desk number
 * becomes «Сообщить результат по заявке N»; a complaint becomes «Сообщить ответ на жалобу. Направлена (…). Заявка N»,
 * addressed as {@link ComplaintAddressees} decides (a student's to the head of student affairs, anyone else's to
 * the director of the marketing centre) and mailed to them and to the line's supervisor at once. Due
 * {@code dueWorkingDays} working days later by the production calendar, unless the agent gave a service
 * request's own deadline (a complaint is always +3). Once per working day, overdue tasks get a new due date and
 * their supervisor is told.
 * <p>
 * The classification event creates the task; a sweep creates any the event missed. One task per dialog.
 */
@Component
public class Tasks {

    private static final Log log = LogFactory.getLog(Tasks.class);

    private static final String COLUMNS = """
            t.id, t.card_id, t.dialog_id, t.kind, t.title, t.request_number, t.line_id, t.owner_agent_id,
            a.display_name AS owner_name, t.addressee, t.due, t.state, t.result, t.escalations, t.created_at,
            t.completed_at FROM task t JOIN agent a ON a.id = t.owner_agent_id""";

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final CardBinding binding;

    private final WorkingCalendar calendar;

    private final Mailer mailer;

    private final TicketDesk ticketDesk;

    private final TaskProperties properties;

    private final ComplaintAddressees addressees;

    private final ClassificationDeadlines deadlines;

    private final ResultReports reports;

    private final Outbox outbox;

    private final SingletonJobs jobs;

    private volatile Disposable loop;

    Tasks(DatabaseClient db, TransactionalOperator tx, CardBinding binding, WorkingCalendar calendar, Mailer mailer,
            TicketDesk ticketDesk, TaskProperties properties, ComplaintAddressees addressees,
            ClassificationDeadlines deadlines, ResultReports reports, Outbox outbox, SingletonJobs jobs) {
        this.reports = reports;
        this.outbox = outbox;
        this.jobs = jobs;
        this.addressees = addressees;
        this.deadlines = deadlines;
        this.db = db;
        this.tx = tx;
        this.binding = binding;
        this.calendar = calendar;
        this.mailer = mailer;
        this.ticketDesk = ticketDesk;
        this.properties = properties;
    }

    @EventListener
    void classified(DialogClassified event) {
        taskFor(event.dialog().id());
    }

    /** A dialog closed with its classification in the same step: its only event is this one. */
    @EventListener
    void closed(DialogClosed event) {
        if (event.dialog().appealType() != null) {
            taskFor(event.dialog().id());
        }
    }

    private void taskFor(UUID dialogId) {
        createFor(dialogId).subscribe(null, error -> log.warn("Could not create the task of dialog " + dialogId
                + " yet; the sweep will: " + error));
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        loop = Flux.interval(Duration.ZERO, properties.checkInterval())
                .onBackpressureDrop()
                // database-wide: one node at a time
                .concatMap(tick -> jobs.runAlone("tasks.check", properties.checkInterval(),
                                () -> sweepOnce().then(escalate(LocalDate.now(properties.zone())).then())
                                        .then(deadlines.escalate(null, Instant.now()).then())
                                        .then(deadlines.escalateAppeals(null, Instant.now()).then())
                                        .then(reports.alertUntold(null, Instant.now()).then()))
                        .then()
                        .onErrorResume(error -> {
                            log.warn("The task check failed; trying again at the next one: " + error);
                            return Mono.empty();
                        }), 1)
                .subscribe();
    }

    @EventListener(ContextClosedEvent.class)
    void stop() {
        if (loop != null) {
            loop.dispose();
        }
    }

    /** A classified dialog ({@code appealId} null) or offline appeal ({@code dialogId} null). */
    private record Classified(UUID dialogId, UUID appealId, String type, String number, LocalDate serviceDue,
            long agentId, Instant classifiedAt, String lineId, boolean ticketWanted) {
    }

    /** Creates the dialog's task when its appeal type calls for one and it has none yet. */
    public Mono<Task> createFor(UUID dialogId) {
        return db.sql("""
                        SELECT id, appeal_type, request_number, service_due, classified_by, classified_at, line_id,
                               ticket_wanted
                        FROM dialog d WHERE id = :id AND appeal_type IN ('SERVICE_REQUEST', 'CHANGE_REQUEST', 'COMPLAINT')
                          AND NOT EXISTS (SELECT 1 FROM task t WHERE t.dialog_id = d.id)""")
                .bind("id", dialogId)
                .map(row -> new Classified(dialogId, null, row.get("appeal_type", String.class),
                        row.get("request_number", String.class), row.get("service_due", LocalDate.class),
                        row.get("classified_by", Long.class), instant(row, "classified_at"),
                        row.get("line_id", String.class), Boolean.TRUE.equals(row.get("ticket_wanted", Boolean.class))))
                .one()
                .flatMap(classified -> binding.cardOf(dialogId)
                        .flatMap(cardId -> addresseeOf(classified)
                                .flatMap(addressee -> requestOf(classified)
                                        .flatMap(request -> insert(classified, cardId, request.orElse(null),
                                                addressee.orElse(null))))));
    }

    private Mono<Optional<ComplaintAddressee>> addresseeOf(Classified classified) {
        if (!classified.type().equals("COMPLAINT")) {
            return Mono.just(Optional.empty());
        }
        return (classified.dialogId() != null ? addressees.of(classified.dialogId())
                : addressees.ofAppeal(classified.appealId()))
                .map(choice -> Optional.of(choice.addressee()));
    }

    /**
     * The request the task follows: none yet when the gateway is to register it; else the typed number, with the
     * desk's key when the desk knows it (the number was checked at close); a desk that cannot say now leaves it
     * unchecked, for the poller to check once the desk answers.
     */
    private Mono<Optional<TicketDesk.Request>> requestOf(Classified classified) {
        if (classified.ticketWanted()) {
            return Mono.just(Optional.empty());
        }
        return ticketDesk.checkRequestNumber(classified.number())
                .onErrorResume(IllegalArgumentException.class,
                        unknown -> Mono.just(new TicketDesk.Request(classified.number(), null)))
                .onErrorResume(TicketDeskUnavailable.class,
                        unavailable -> Mono.just(TicketDesk.Request.unchecked(classified.number())))
                .map(Optional::of);
    }

    /**
     * Creates the task of a classified offline appeal (regulation 4.3.2c: the same rules, tasks and deadlines as a
     * dialog) when its appeal type calls for one and it has none yet.
     */
    public Mono<Task> createForAppeal(UUID appealId) {
        return db.sql("""
                        SELECT o.appeal_type, o.request_number, o.service_due, o.agent_id, o.classified_at, o.line_id,
                               coalesce(c.merged_into, c.id) AS card_id
                        FROM offline_appeal o JOIN card c ON c.id = o.card_id
                        WHERE o.id = :id AND o.appeal_type IN ('SERVICE_REQUEST', 'CHANGE_REQUEST', 'COMPLAINT')
                          AND o.agent_id IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM task t WHERE t.offline_appeal_id = o.id)""")
                .bind("id", appealId)
                .map(row -> java.util.Map.entry(new Classified(null, appealId, row.get("appeal_type", String.class),
                        row.get("request_number", String.class), row.get("service_due", LocalDate.class),
                        row.get("agent_id", Long.class), instant(row, "classified_at"),
                        row.get("line_id", String.class), false), row.get("card_id", UUID.class)))
                .one()
                .flatMap(found -> addresseeOf(found.getKey())
                        .flatMap(addressee -> requestOf(found.getKey())
                                .flatMap(request -> insert(found.getKey(), found.getValue(), request.orElse(null),
                                        addressee.orElse(null)))));
    }

    /**
     * The task's title as the regulation words it: «Сообщить результат по заявке N», or for a complaint
     * «Сообщить ответ на жалобу. Направлена (директору ЦМОУиПА/начальнику УСУП). Заявка N»; while the gateway is
     * still registering the request, N reads «(регистрируется в «Едином окне»)».
     */
    static String title(ComplaintAddressee addressee, String number) {
        String shown = number == null ? "(регистрируется в «Едином окне»)" : number;
        return addressee == null ? "Сообщить результат по заявке " + shown
                : "Сообщить ответ на жалобу. Направлена (" + addressee.dative() + "). Заявка " + shown;
    }

    private Mono<Task> insert(Classified dialog, UUID cardId, TicketDesk.Request request, ComplaintAddressee chosen) {
        boolean complaint = dialog.type().equals("COMPLAINT");
        String addressee = complaint ? chosen.name() : null;
        String number = request == null ? null : request.number();
        String title = title(complaint ? chosen : null, number);
        LocalDate from = (dialog.classifiedAt() == null ? Instant.now() : dialog.classifiedAt())
                .atZone(properties.zone()).toLocalDate();
        // a service's own deadline applies to service requests; a complaint is answered in +3 working days always
        boolean ownDeadline = !complaint && dialog.serviceDue() != null;
        LocalDate due = ownDeadline ? dialog.serviceDue() : calendar.plusWorkingDays(from, properties.dueWorkingDays());
        UUID id = RandomIds.uuid();
        Mono<Void> tellAtOnce = !complaint ? Mono.empty() : complaintMail(id, dialog, title, addressee, due);
        Mono<Void> register = request != null ? Mono.empty()
                : TicketCreation.enqueue(outbox, id, dialog.type(), dialog.lineId());
        String ticketState = request == null ? "CREATING" : request.unchecked() ? "UNCHECKED"
                : request.key() == null ? null : "OPEN";
        return db.sql("""
                        INSERT INTO task (id, card_id, dialog_id, offline_appeal_id, kind, title, request_number,
                            line_id, owner_agent_id, addressee, due, ticket_id, ticket_state)
                        VALUES (:id, :card, :dialog, :appeal, :kind, :title, :number, :line, :owner, :addressee, :due,
                            :ticketId, :ticketState)
                        ON CONFLICT DO NOTHING""")
                .bind("id", id)
                .bind("card", cardId)
                .bind("dialog", Parameter.fromOrEmpty(dialog.dialogId(), UUID.class))
                .bind("appeal", Parameter.fromOrEmpty(dialog.appealId(), UUID.class))
                .bind("kind", complaint ? "COMPLAINT_ANSWER" : "REQUEST_RESULT")
                .bind("title", title)
                .bind("number", Parameter.fromOrEmpty(number, String.class))
                .bind("line", dialog.lineId())
                .bind("owner", dialog.agentId())
                .bind("addressee", Parameter.fromOrEmpty(addressee, String.class))
                .bind("due", due)
                .bind("ticketId", Parameter.fromOrEmpty(request == null ? null : request.key(), Long.class))
                .bind("ticketState", Parameter.fromOrEmpty(ticketState, String.class))
                .fetch()
                .rowsUpdated()
                .filter(inserted -> inserted > 0)
                .flatMap(inserted -> history(id, "CREATED", dialog.agentId(), null, due,
                        ownDeadline ? "the service's own deadline"
                                : "+" + properties.dueWorkingDays() + " working days")
                        // the sweep's record of failed tries, if any, is done with
                        .then(db.sql("DELETE FROM task_sweep_retry WHERE source_id = :source")
                                .bind("source", dialog.dialogId() != null ? dialog.dialogId() : dialog.appealId())
                                .then())
                        .then(tellAtOnce)
                        .then(register)
                        .then(find(id)))
                .as(tx::transactional);
    }

    private Mono<Void> complaintMail(UUID taskId, Classified dialog, String title, String addressee, LocalDate due) {
        String to = addressee.equals("HEAD_OF_STUDENT_AFFAIRS") ? properties.headOfStudentAffairsMailbox()
                : properties.marketingDirectorMailbox();
        String body = "Поступила жалоба (" + (dialog.dialogId() != null ? "диалог " + dialog.dialogId()
                : "офлайн-обращение " + dialog.appealId()) + ", линия " + dialog.lineId() + ").\n"
                + "Задача: " + title + ".\nСрок ответа: " + due + ".\n";
        return mailer.enqueue("complaint:" + taskId + ":addressee", new MailMessage(to, null, title, body))
                .then(mailer.enqueue("complaint:" + taskId + ":supervisor",
                        new MailMessage(properties.supervisorOf(dialog.lineId()), null, title, body)));
    }

    /**
     * The classified dialogs and offline appeals without their task, classified since {@code :since}, oldest first:
     * at most 200 of each, each read by its partial index of V70; those whose task the sweep failed to create wait
     * out their retry time ({@code task_sweep_retry}, V71). Each row: {@code source} ({@code DIALOG} or
     * {@code APPEAL}), {@code id}.
     */
    static final String UNTASKED = untasked("DIALOG", "dialog", "dialog_id") + "\nUNION ALL\n"
            + untasked("APPEAL", "offline_appeal", "offline_appeal_id") + "\nORDER BY classified_at";

    /** The sweep's part of one table: its classified rows of the task's appeal types that have no task. */
    private static String untasked(String source, String table, String taskColumn) {
        return """
                (SELECT '%s' AS source, s.id, s.classified_at FROM %s s
                 WHERE s.appeal_type IN ('SERVICE_REQUEST', 'CHANGE_REQUEST', 'COMPLAINT')
                   AND s.classified_at >= :since AND s.classified_at < now() - interval '10 seconds'
                   AND NOT EXISTS (SELECT 1 FROM task t WHERE t.%s = s.id)
                   AND NOT EXISTS (SELECT 1 FROM task_sweep_retry r WHERE r.source_id = s.id AND r.next_try > now())
                 ORDER BY s.classified_at LIMIT 200)""".formatted(source, table, taskColumn);
    }

    /** The longest a failing dialog or appeal waits for the sweep's next try. */
    static final Duration LONGEST_RETRY = Duration.ofDays(1);

    /** Whether a check of this node has looked at every classified dialog and appeal since it started. */
    private final AtomicBoolean caughtUp = new AtomicBoolean();

    /**
     * The sweep of one check: the first one this node runs after its start looks at all classified dialogs and
     * appeals (a gateway down for longer than the window finds the tasks missed before it), every later one only at
     * those classified within {@code sweepWindow}.
     */
    private Mono<Void> sweepOnce() {
        if (caughtUp.get()) {
            return sweep(properties.sweepWindow());
        }
        return sweep(null).doOnSuccess(done -> caughtUp.set(true));
    }

    /** Whether this node's checks have looked at all classified dialogs and appeals once since it started. */
    boolean caughtUp() {
        return caughtUp.get();
    }

    /**
     * Creates the tasks classification events missed, of the dialogs and appeals classified within {@code window}
     * (all of them when null); at most 200 of each per call, the oldest first ({@link #UNTASKED}). One whose task
     * cannot be created (its processing fails, or creates nothing) does not stop the others: it is recorded with
     * its error and passed over until its next try, one check interval after its first failure, twice as long after
     * each next one, at most {@link #LONGEST_RETRY}; so that failures repeating at every pass never hold the oldest
     * places of the page while newer dialogs wait behind them.
     */
    Mono<Void> sweep(Duration window) {
        Instant since = window == null ? Instant.EPOCH : Instant.now().minus(window);
        return db.sql(UNTASKED)
                .bind("since", since.atOffset(ZoneOffset.UTC))
                .map(row -> Map.entry(row.get("source", String.class), row.get("id", UUID.class)))
                .all()
                .concatMap(found -> sweepOne(found.getKey().equals("DIALOG"), found.getValue()))
                .then();
    }

    /** Creates the task of one dialog (or appeal) the sweep found; a failure is recorded, not passed on. */
    private Mono<Void> sweepOne(boolean dialog, UUID id) {
        return (dialog ? createFor(id) : createForAppeal(id))
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("no task was created")))
                .then()
                .onErrorResume(error -> failed(dialog ? "dialog" : "offline appeal", id, error));
    }

    /** Records a failed try and when to try again; nothing when the task exists by now (its event made it). */
    private Mono<Void> failed(String what, UUID id, Throwable error) {
        String text = String.valueOf(error);
        return db.sql("""
                        INSERT INTO task_sweep_retry (source_id, attempts, next_try, last_error)
                        SELECT :id, 1, now() + CAST(:first AS interval), :error
                        WHERE NOT EXISTS (SELECT 1 FROM task t WHERE t.dialog_id = :id OR t.offline_appeal_id = :id)
                        ON CONFLICT (source_id) DO UPDATE SET attempts = task_sweep_retry.attempts + 1,
                            next_try = now() + least(CAST(:first AS interval) * power(2, least(task_sweep_retry.attempts, 20)),
                                CAST(:longest AS interval)),
                            last_error = EXCLUDED.last_error, failed_at = now()
                        RETURNING attempts, next_try""")
                .bind("id", id)
                .bind("first", properties.checkInterval().toSeconds() + " seconds")
                .bind("longest", LONGEST_RETRY.toSeconds() + " seconds")
                .bind("error", text.length() > 500 ? text.substring(0, 499) + "…" : text)
                .map(row -> Map.entry(row.get("attempts", Integer.class), instant(row, "next_try")))
                .one()
                .doOnNext(retry -> log.warn("Could not create the task of " + what + " " + id + " (failure "
                        + retry.getKey() + "); the sweep tries again from " + retry.getValue() + ": " + error))
                .then();
    }

    /**
     * On a working day, every open task due before {@code today} gets a new due date ({@code dueWorkingDays}
     * working days from today), an ESCALATED history entry, and a mail to its line's supervisor. Returns the
     * tasks escalated; running it again the same day escalates none.
     */
    public Flux<Task> escalate(LocalDate today) {
        if (!calendar.isWorkingDay(today)) {
            return Flux.empty();
        }
        LocalDate newDue = calendar.plusWorkingDays(today, properties.dueWorkingDays());
        return db.sql("""
                        SELECT id, due FROM task WHERE state = 'OPEN' AND due < :today ORDER BY due LIMIT 500""")
                .bind("today", today)
                .map(row -> Map.entry(row.get("id", UUID.class), row.get("due", LocalDate.class)))
                .all()
                .concatMap(overdue -> db.sql("""
                                UPDATE task SET due = :due, escalations = escalations + 1
                                WHERE id = :id AND state = 'OPEN' AND due < :today""")
                        .bind("id", overdue.getKey())
                        .bind("due", newDue)
                        .bind("today", today)
                        .fetch()
                        .rowsUpdated()
                        .filter(updated -> updated > 0)
                        .flatMap(updated -> history(overdue.getKey(), "ESCALATED", null, overdue.getValue(), newDue,
                                "overdue since " + overdue.getValue() + "; the supervisor was told"))
                        .then(find(overdue.getKey()))
                        .flatMap(task -> mailer.enqueue("task-overdue:" + task.id() + ":" + today,
                                        new MailMessage(properties.supervisorOf(task.lineId()), null,
                                                "Просрочена задача: " + task.title(),
                                                "Задача «" + task.title() + "» (исполнитель: " + task.ownerName()
                                                        + ", линия " + task.lineId() + ") была к сроку "
                                                        + overdue.getValue() + " и не выполнена.\nНовый срок: "
                                                        + newDue + ".\n"))
                                .thenReturn(task))
                        .as(tx::transactional));
    }

    /**
     * Completes an open task with its result; only its owner or a supervisor may. The result of a request or a
     * complaint goes to the person ({@link ResultReports}).
     */
    public Mono<Task> complete(UUID taskId, long agentId, boolean supervisor, String result) {
        if (result == null || result.isBlank() || result.length() > 4000) {
            return Mono.error(new IllegalArgumentException("result: 1 to 4000 characters"));
        }
        return find(taskId)
                .switchIfEmpty(Mono.error(() -> new TaskNotFoundException(taskId)))
                .flatMap(task -> {
                    if (task.ownerAgentId() != agentId && !supervisor) {
                        return Mono.error(new TaskForbiddenException("Only the task's owner or a supervisor "
                                + "completes it"));
                    }
                    if (!task.state().equals("OPEN")) {
                        return Mono.error(new IllegalStateException("The task is already done"));
                    }
                    return completeOpen(taskId, agentId, result.strip(), null)
                            .switchIfEmpty(Mono.error(() -> new IllegalStateException("The task is already done")));
                });
    }

    /**
     * Marks an open task done with its result and sends the result to the person ({@link ResultReports}), in one
     * transaction; empty when it was not open any more. {@code agentId} is null when the ticket desk completed it.
     * Nothing is announced: the owner's console and the card read the task's state when they show it.
     */
    Mono<Task> completeOpen(UUID taskId, Long agentId, String result, String detail) {
        return db.sql("UPDATE task SET state = 'DONE', result = :result, completed_at = now(), "
                        + "ticket_state = CASE WHEN ticket_state = 'OPEN' AND :byDesk THEN 'RESOLVED' "
                        + "ELSE ticket_state END WHERE id = :id AND state = 'OPEN'")
                .bind("id", taskId)
                .bind("result", result)
                .bind("byDesk", agentId == null)
                .fetch()
                .rowsUpdated()
                .filter(updated -> updated > 0)
                .flatMap(updated -> history(taskId, "COMPLETED", agentId, null, null, detail)
                        .then(find(taskId))
                        // the result goes to the person, whoever completed the task (an agent or the ticket desk)
                        .flatMap(task -> reports.send(task, result).thenReturn(task)))
                .as(tx::transactional);
    }

    public Mono<Task> find(UUID id) {
        return db.sql("SELECT " + COLUMNS + " WHERE t.id = :id").bind("id", id).map(Tasks::task).one();
    }

    /** A page of a list: {@code total} is the count of the whole list, {@code offset} where this page starts. */
    public record Page(long total, long offset, List<Task> items) {
    }

    /** A page of an agent's open tasks, soonest due first (those without a due date last), with their count. */
    public Mono<Page> openOf(long agentId, int limit, long offset) {
        Mono<Long> total = db.sql("SELECT count(*) AS n FROM task WHERE owner_agent_id = :agent AND state = 'OPEN'")
                .bind("agent", agentId)
                .map(row -> row.get("n", Long.class))
                .one();
        Mono<List<Task>> items = db.sql("SELECT " + COLUMNS + " WHERE t.owner_agent_id = :agent AND t.state = 'OPEN'"
                        + " ORDER BY t.due, t.id LIMIT :limit OFFSET :offset")
                .bind("agent", agentId)
                .bind("limit", limit)
                .bind("offset", offset)
                .map(Tasks::task)
                .all()
                .collectList();
        return Mono.zip(total, items, (count, page) -> new Page(count, offset, page));
    }

    /**
     * Open tasks for a supervisor: all, or only those overdue or escalated, or only complaints; of the given
     * lines only, unless {@code lines} is null (an ADMIN).
     */
    public Flux<Task> open(boolean overdueOnly, String kind, List<String> lines) {
        return db.sql("SELECT " + COLUMNS + " WHERE t.state = 'OPEN'"
                        + (overdueOnly ? " AND (t.due < :today OR t.escalations > 0)" : " AND :today IS NOT NULL")
                        + (kind == null ? "" : " AND t.kind = :kind")
                        + " AND (CAST(:all AS boolean) OR t.line_id = ANY(CAST(:lines AS text[])))"
                        + " ORDER BY t.due LIMIT 500")
                .bind("today", LocalDate.now(properties.zone()))
                .bind("all", lines == null)
                .bind("lines", lines == null ? new String[0] : lines.toArray(String[]::new))
                .bindValues(kind == null ? Map.of() : Map.of("kind", kind))
                .map(Tasks::task)
                .all();
    }

    public Flux<Map<String, Object>> historyOf(UUID taskId) {
        return db.sql("""
                        SELECT h.at, h.event, h.agent_id, a.display_name, h.old_due, h.new_due, h.detail
                        FROM task_history h LEFT JOIN agent a ON a.id = h.agent_id WHERE h.task_id = :id ORDER BY h.id""")
                .bind("id", taskId)
                .map(row -> {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("at", instant(row, "at"));
                    entry.put("event", row.get("event", String.class));
                    entry.put("agentName", row.get("display_name", String.class));
                    entry.put("oldDue", row.get("old_due", LocalDate.class));
                    entry.put("newDue", row.get("new_due", LocalDate.class));
                    entry.put("detail", row.get("detail", String.class));
                    return entry;
                })
                .all();
    }

    Mono<Void> history(UUID taskId, String event, Long agentId, LocalDate oldDue, LocalDate newDue,
            String detail) {
        return db.sql("INSERT INTO task_history (task_id, event, agent_id, old_due, new_due, detail) "
                        + "VALUES (:task, :event, :agent, :old, :new, :detail)")
                .bind("task", taskId)
                .bind("event", event)
                .bind("agent", Parameter.fromOrEmpty(agentId, Long.class))
                .bind("old", Parameter.fromOrEmpty(oldDue, LocalDate.class))
                .bind("new", Parameter.fromOrEmpty(newDue, LocalDate.class))
                .bind("detail", Parameter.fromOrEmpty(detail, String.class))
                .then();
    }

    private static Task task(Readable row) {
        return new Task(row.get("id", UUID.class), row.get("card_id", UUID.class), row.get("dialog_id", UUID.class),
                row.get("kind", String.class), row.get("title", String.class), row.get("request_number", String.class),
                row.get("line_id", String.class), row.get("owner_agent_id", Long.class),
                row.get("owner_name", String.class), row.get("addressee", String.class),
                row.get("due", LocalDate.class), row.get("state", String.class), row.get("result", String.class),
                row.get("escalations", Integer.class), instant(row, "created_at"), instant(row, "completed_at"));
    }

    private static Instant instant(Readable row, String column) {
        OffsetDateTime time = row.get(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }

    static List<String> kinds() {
        return List.of("REQUEST_RESULT", "COMPLAINT_ANSWER", "PERSON_WROTE_AGAIN");
    }
}
