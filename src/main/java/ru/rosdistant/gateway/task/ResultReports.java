package ru.rosdistant.gateway.task;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.ids.RandomIds;
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

    /** Where the person can be reached: their e-mail, and their messenger account. */
    private record Reach(String email, String channel, String bot, String chat) {
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
                    String text = text(task, result, token);
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
                        payload.put("text", text);
                        payload.put("to", platform + ":" + reach.chat());
                        sends.add(outbox.enqueue(platform + ".send", "task-result:" + id + ":messenger", payload));
                    }
                    if (channels.isEmpty()) {
                        return Mono.empty();
                    }
                    return db.sql("""
                                    INSERT INTO task_result_report (id, task_id, card_id, token_hash, result, channels,
                                        created_at, tell_by)
                                    VALUES (:id, :task, :card, :hash, :result, :channels, :now, :tellBy)""")
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
                               coalesce(d.channel, o.channel) AS channel, mu.bot_id, mu.external_id
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
                            messenger ? row.get("external_id", String.class) : null);
                })
                .one();
    }

    private String text(Task task, String result, String token) {
        String link = properties.publicBaseUrl() + "/result.html#" + token;
        return "Здравствуйте!\n\nПо вашему обращению"
                + (task.requestNumber() == null ? "" : " (заявка " + task.requestNumber() + ")") + ":\n" + result
                + "\n\nПолучили ли вы ответ? Ответьте, пожалуйста, по ссылке: " + link
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
     * The person's answer, once (the same answer again is answered as before; another is refused). «Not received»
     * reopens the task, due +3 working days from today, and mails the line's supervisor.
     */
    public Mono<Map<String, Object>> answer(String token, boolean received) {
        String answer = received ? "RECEIVED" : "NOT_RECEIVED";
        Instant now = clock.now();
        return db.sql("""
                        UPDATE task_result_report SET answer = :answer, answered_at = :now
                        WHERE token_hash = :hash AND answer IS NULL RETURNING task_id""")
                .bind("answer", answer)
                .bind("now", now.atOffset(ZoneOffset.UTC))
                .bind("hash", hash(token))
                .map(row -> row.get("task_id", UUID.class))
                .one()
                .flatMap(taskId -> history(taskId, answer, null, null, "the person's answer")
                        .then(received ? Mono.empty() : reopen(taskId, now)))
                .as(tx::transactional)
                .then(find(token))
                .flatMap(view -> answer.equals(view.get("answer")) ? Mono.just(view)
                        : Mono.error(new IllegalStateException("Answered already")));
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
