package ru.rosdistant.gateway.task;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.shared.RandomIds;
import ru.rosdistant.gateway.mail.MailMessage;
import ru.rosdistant.gateway.mail.Mailer;
import ru.rosdistant.gateway.outbox.Outbox;
import ru.rosdistant.gateway.site.WorkingCalendar;

/**
 * The loop closed with the applicant (regulation 3, 4.3.2d): a request's or complaint's task completed with its
 * result sends that result to the person at once, through the outbox — by e-mail when the card or the appeal has an
 * address, in the messenger they wrote from otherwise — with the question whether they received it (two links to
 * {@code /result.html}). It is due within one working day ({@code tell_by}). Their answer is recorded on the task
 * and shown on the card; a «no» reopens the task with +3 working days and tells the line's supervisor.
 */
@Component
public class ResultReports {

    private static final Set<String> MESSENGERS = Set.of("TELEGRAM", "VIBER", "WHATSAPP", "VK", "MAX");

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final Mailer mailer;

    private final Outbox outbox;

    private final WorkingCalendar calendar;

    private final TaskProperties properties;

    private final TaskClock clock;

    ResultReports(DatabaseClient db, TransactionalOperator tx, Mailer mailer, Outbox outbox, WorkingCalendar calendar,
            TaskProperties properties, TaskClock clock) {
        this.db = db;
        this.tx = tx;
        this.mailer = mailer;
        this.outbox = outbox;
        this.calendar = calendar;
        this.properties = properties;
        this.clock = clock;
    }

    /** Where the person can be reached: their e-mail, their messenger account, and the widget's visitor. */
    private record Reach(String email, String channel, String bot, String chat, UUID visitorId) {
    }

    /** A result waiting for the person's answer, as the widget shows it on their next visit. */
    public record Pending(UUID id, String requestNumber, String result, Instant sentAt) {
    }

    /**
     * Sends the result of a completed request or complaint task to the person; call it in the completion's
     * transaction. A person with neither an e-mail nor a messenger gets nothing sent (the agent tells them by phone).
     */
    Mono<Void> send(Task task, String result) {
        if (task.kind().equals("PERSON_WROTE_AGAIN")) {
            return Mono.empty();
        }
        String token = RandomIds.token(32);
        UUID id = RandomIds.uuid();
        Instant now = clock.now();
        ZonedDateTime local = now.atZone(properties.zone());
        Instant tellBy = local.with(calendar.plusWorkingDays(local.toLocalDate(), 1)).toInstant();
        return reach(task)
                .flatMap(reach -> {
                    List<String> channels = new ArrayList<>();
                    List<Mono<Void>> sends = new ArrayList<>();
                    String text = text(task, result, token, false);
                    if (reach.email() != null) {
                        channels.add("EMAIL");
                        sends.add(mailer.enqueue("task-result:" + id + ":mail", new MailMessage(reach.email(), null,
                                "Результат по вашему обращению", text)));
                    }
                    if (reach.chat() != null) {
                        String platform = reach.channel().toLowerCase(Locale.ROOT);
                        channels.add(reach.channel());
                        Map<String, Object> payload = new LinkedHashMap<>();
                        payload.put("bot", reach.bot());
                        payload.put("chat", reach.chat());
                        payload.put("text", text(task, result, token, true));
                        payload.put("to", platform + ":" + reach.chat());
                        sends.add(outbox.enqueue(platform + ".send", "task-result:" + id + ":messenger", payload));
                    }
                    if ("WIDGET".equals(reach.channel())) {
                        // shown in the widget on the person's next visit (VisitorSocket asks pendingForVisitor)
                        channels.add("WIDGET");
                    }
                    if (channels.isEmpty()) {
                        return Mono.empty();
                    }
                    return db.sql("""
                                    INSERT INTO task_result_report (id, task_id, card_id, token_hash, result, channels,
                                        created_at, tell_by, visitor_id)
                                    VALUES (:id, :task, :card, :hash, :result, :channels, :now, :tellBy, :visitor)""")
                            .bind("visitor", org.springframework.r2dbc.core.Parameter.fromOrEmpty(reach.visitorId(),
                                    UUID.class))
                            .bind("id", id)
                            .bind("task", task.id())
                            .bind("card", task.cardId())
                            .bind("hash", hash(token))
                            .bind("result", result)
                            .bind("channels", channels.toArray(String[]::new))
                            .bind("now", now.atOffset(ZoneOffset.UTC))
                            .bind("tellBy", tellBy.atOffset(ZoneOffset.UTC))
                            .then()
                            .then(Mono.when(sends))
                            .then(history(task.id(), "RESULT_SENT", null, null, String.join(", ", channels)));
                });
    }

    private Mono<Reach> reach(Task task) {
        return db.sql("""
                        SELECT coalesce(o.email, (SELECT f.email FROM offline_form f WHERE f.id = o.offline_form_id),
                                        c.emails[1]) AS email,
                               coalesce(d.channel, o.channel) AS channel, mu.bot_id, mu.external_id,
                               coalesce(d.visitor_id, o.visitor_id) AS visitor_id
                        FROM task t JOIN card c ON c.id = t.card_id
                        LEFT JOIN dialog d ON d.id = t.dialog_id
                        LEFT JOIN offline_appeal o ON o.id = t.offline_appeal_id
                        LEFT JOIN messenger_user mu ON mu.visitor_id = coalesce(d.visitor_id, o.visitor_id)
                        WHERE t.id = :task LIMIT 1""")
                .bind("task", task.id())
                .map(row -> {
                    String channel = row.get("channel", String.class);
                    boolean messenger = channel != null && MESSENGERS.contains(channel);
                    return new Reach(row.get("email", String.class), channel,
                            messenger ? row.get("bot_id", String.class) : null,
                            messenger ? row.get("external_id", String.class) : null,
                            row.get("visitor_id", UUID.class));
                })
                .one();
    }

    private String text(Task task, String result, String token, boolean messenger) {
        String link = properties.publicBaseUrl() + "/result.html#" + token;
        return "Здравствуйте!\n\nПо вашему обращению"
                + (task.requestNumber() == null ? "" : " (заявка " + task.requestNumber() + ")") + ":\n" + result
                + (messenger ? "\n\nПолучили ли вы ответ? Ответьте «да» или «нет» (или по ссылке: " + link + ")"
                        : "\n\nПолучили ли вы ответ? Ответьте, пожалуйста, по ссылке: " + link)
                + "\n\n—\nКонтакт-центр Росдистант\n";
    }

    /** The report a link names, for the page the person opens; empty for an unknown link. */
    public Mono<Map<String, Object>> find(String token) {
        return db.sql("SELECT r.result, r.answer, t.request_number FROM task_result_report r JOIN task t ON t.id = r.task_id "
                        + "WHERE r.token_hash = :hash")
                .bind("hash", hash(token))
                .map(row -> {
                    Map<String, Object> view = new LinkedHashMap<>();
                    view.put("requestNumber", row.get("request_number", String.class));
                    view.put("result", row.get("result", String.class));
                    view.put("answer", row.get("answer", String.class));
                    return view;
                })
                .one();
    }

    /**
     * The person's answer through their link, once (the same answer again is answered as before; another is
     * refused). «Not received» reopens the task, due +3 working days from today, and mails the line's supervisor.
     */
    public Mono<Map<String, Object>> answer(String token, boolean received) {
        return db.sql("SELECT id FROM task_result_report WHERE token_hash = :hash")
                .bind("hash", hash(token))
                .map(row -> row.get("id", UUID.class))
                .one()
                .flatMap(id -> answer(id, received))
                .then(find(token));
    }

    /** The answer to one report, as {@link #answer(String, boolean)}; {@link IllegalStateException} if another. */
    private Mono<String> answer(UUID reportId, boolean received) {
        String answer = received ? "RECEIVED" : "NOT_RECEIVED";
        Instant now = clock.now();
        return db.sql("""
                        UPDATE task_result_report SET answer = :answer, answered_at = :now
                        WHERE id = :id AND answer IS NULL RETURNING task_id""")
                .bind("answer", answer)
                .bind("now", now.atOffset(ZoneOffset.UTC))
                .bind("id", reportId)
                .map(row -> row.get("task_id", UUID.class))
                .one()
                .flatMap(taskId -> history(taskId, answer, null, null, "the person's answer")
                        .then(received ? Mono.empty() : reopen(taskId, now)))
                .as(tx::transactional)
                .then(db.sql("SELECT answer FROM task_result_report WHERE id = :id").bind("id", reportId)
                        .map(row -> row.get("answer", String.class)).one())
                .flatMap(stored -> answer.equals(stored) ? Mono.just(stored)
                        : Mono.error(new IllegalStateException("Answered already")));
    }

    private static final String OF_VISITOR = """
            (r.visitor_id = :visitor OR (SELECT coalesce(c.merged_into, c.id) FROM card c WHERE c.id = r.card_id) IN
                (SELECT coalesce(c.merged_into, c.id) FROM dialog d JOIN card c ON c.id = d.card_id
                 WHERE d.visitor_id = :visitor))""";

    /**
     * The results waiting for an answer of the person a widget visitor is (the dialog's or appeal's visitor, or any
     * visitor whose dialogs are on the same card), the latest of each task, oldest first; each is marked shown.
     */
    public Flux<Pending> pendingForVisitor(UUID visitorId) {
        return db.sql("""
                        UPDATE task_result_report r SET shown_at = coalesce(r.shown_at, :now)
                        FROM task t WHERE t.id = r.task_id AND r.id IN (
                            SELECT r.id FROM task_result_report r
                            WHERE r.answer IS NULL AND 'WIDGET' = ANY(r.channels) AND """ + OF_VISITOR + """
                              AND NOT EXISTS (SELECT 1 FROM task_result_report n
                                              WHERE n.task_id = r.task_id AND n.created_at > r.created_at)
                            ORDER BY r.created_at LIMIT 5)
                        RETURNING r.id, t.request_number, r.result, r.created_at""")
                .bind("visitor", visitorId)
                .bind("now", clock.now().atOffset(ZoneOffset.UTC))
                .map(row -> new Pending(row.get("id", UUID.class), row.get("request_number", String.class),
                        row.get("result", String.class), row.get("created_at", OffsetDateTime.class).toInstant()))
                .all()
                .sort(java.util.Comparator.comparing(Pending::sentAt));
    }

    /**
     * A widget visitor's answer to a result shown to them: the answer (as {@link #answer(String, boolean)}), or
     * empty when the report is not one of this person's; {@link IllegalStateException} if answered otherwise.
     */
    public Mono<String> answerFromVisitor(UUID visitorId, UUID reportId, boolean received) {
        return db.sql("SELECT r.id FROM task_result_report r WHERE r.id = :id AND 'WIDGET' = ANY(r.channels) AND "
                        + OF_VISITOR)
                .bind("id", reportId)
                .bind("visitor", visitorId)
                .map(row -> row.get("id", UUID.class))
                .one()
                .flatMap(id -> answer(id, received));
    }

    /**
     * A «да»/«нет» typed in the messenger: answers the latest result sent to this messenger visitor in that
     * platform and not yet answered; empty when none is pending.
     */
    public Mono<String> answerFromMessenger(UUID visitorId, String platform, boolean received) {
        return db.sql("""
                        SELECT r.id FROM task_result_report r
                        WHERE r.visitor_id = :visitor AND r.answer IS NULL AND :platform = ANY(r.channels)
                        ORDER BY r.created_at DESC LIMIT 1""")
                .bind("visitor", visitorId)
                .bind("platform", platform)
                .map(row -> row.get("id", UUID.class))
                .one()
                .flatMap(id -> answer(id, received));
    }

    /**
     * Regulation 4.3.2d: a result not told by its {@code tell_by} — no e-mail or messenger send of it delivered (the
     * outbox still trying, or given up), not shown in the widget, no answer — is the line's supervisor's to see to:
     * each is mailed once (of the given lines; every line when null). Returns the ids of the reports alerted.
     */
    public Flux<UUID> alertUntold(List<String> lines, Instant now) {
        return db.sql("""
                        UPDATE task_result_report r SET tell_alerted_at = :now
                        FROM task t WHERE t.id = r.task_id AND r.id IN (
                            SELECT r.id FROM task_result_report r
                            WHERE r.answer IS NULL AND r.tell_alerted_at IS NULL AND r.shown_at IS NULL
                              AND r.tell_by < :now AND (CAST(:all AS boolean) OR EXISTS (SELECT 1 FROM task l
                                  WHERE l.id = r.task_id AND l.line_id = ANY(CAST(:lines AS text[]))))
                              AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.state = 'DELIVERED' AND o.dedup_key IN
                                  ('task-result:' || r.id || ':mail', 'task-result:' || r.id || ':messenger'))
                            ORDER BY r.tell_by LIMIT 200)
                        RETURNING r.id, r.tell_by, array_to_string(r.channels, ', ') AS channels, t.title, t.line_id,
                            (SELECT display_name FROM agent a WHERE a.id = t.owner_agent_id) AS owner""")
                .bind("now", now.atOffset(ZoneOffset.UTC))
                .bind("all", lines == null)
                .bind("lines", lines == null ? new String[0] : lines.toArray(String[]::new))
                .map(row -> List.of(row.get("id", UUID.class).toString(),
                        row.get("tell_by", OffsetDateTime.class).toInstant().toString(),
                        row.get("channels", String.class), row.get("title", String.class),
                        row.get("line_id", String.class), String.valueOf(row.get("owner", String.class))))
                .all()
                .concatMap(report -> mailer.enqueue("task-result-untold:" + report.get(0),
                                new MailMessage(properties.supervisorOf(report.get(4)), null,
                                        "Результат не доведён до заявителя: " + report.get(3),
                                        "Результат по задаче «" + report.get(3) + "» (исполнитель: " + report.get(5)
                                                + ", линия " + report.get(4) + ") не дошёл до заявителя к сроку "
                                                + report.get(1) + " (каналы: " + report.get(2)
                                                + "). Свяжитесь с заявителем.\n"))
                        .thenReturn(UUID.fromString(report.get(0))))
                .as(tx::transactional);
    }

    private Mono<Void> reopen(UUID taskId, Instant now) {
        LocalDate today = now.atZone(properties.zone()).toLocalDate();
        LocalDate due = calendar.plusWorkingDays(today, properties.dueWorkingDays());
        return db.sql("""
                        UPDATE task SET state = 'OPEN', completed_at = NULL, due = :due
                        WHERE id = :id AND state = 'DONE'
                        RETURNING title, line_id, (SELECT display_name FROM agent a WHERE a.id = owner_agent_id) AS owner""")
                .bind("id", taskId)
                .bind("due", due)
                .map(row -> List.of(row.get("title", String.class), row.get("line_id", String.class),
                        String.valueOf(row.get("owner", String.class))))
                .one()
                .flatMap(task -> history(taskId, "REOPENED", null, due, "the person did not receive the result; "
                                + "the supervisor was told")
                        .then(mailer.enqueue("task-not-received:" + taskId + ":" + now.toEpochMilli(),
                                new MailMessage(properties.supervisorOf(task.get(1)), null,
                                        "Заявитель не получил результат: " + task.get(0),
                                        "Заявитель ответил, что не получил результат по задаче «" + task.get(0)
                                                + "» (исполнитель: " + task.get(2) + ", линия " + task.get(1)
                                                + ").\nЗадача открыта снова, новый срок: " + due + ".\n"))));
    }

    private Mono<Void> history(UUID taskId, String event, LocalDate oldDue, LocalDate newDue, String detail) {
        return db.sql("INSERT INTO task_history (task_id, event, new_due, detail) VALUES (:task, :event, :new, :detail)")
                .bind("task", taskId)
                .bind("event", event)
                .bind("new", org.springframework.r2dbc.core.Parameter.fromOrEmpty(newDue, LocalDate.class))
                .bind("detail", detail)
                .then();
    }

    static byte[] hash(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
