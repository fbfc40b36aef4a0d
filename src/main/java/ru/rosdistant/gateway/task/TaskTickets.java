package ru.rosdistant.gateway.task;

import java.time.LocalDate;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.dialog.ComplaintAddressee;
import ru.rosdistant.gateway.mail.MailMessage;
import ru.rosdistant.gateway.mail.Mailer;

/**
 * What the ticket desk tells a task: the request the gateway registered (its number goes on the task, in its title,
 * and on the dialog), a registration refused for good (the line's supervisor is told), a request resolved (the task
 * is completed with the desk's solution).
 */
@Component
class TaskTickets {

    /** The longest result a task keeps (the table's limit). */
    static final int MAX_RESULT = 4000;

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final Tasks tasks;

    private final Mailer mailer;

    private final TaskProperties properties;

    TaskTickets(DatabaseClient db, TransactionalOperator tx, Tasks tasks, Mailer mailer, TaskProperties properties) {
        this.db = db;
        this.tx = tx;
        this.tasks = tasks;
        this.mailer = mailer;
        this.properties = properties;
    }

    /**
     * The request registered for the task; nothing when the task has its request already. The number is written
     * once: of two deliveries at once (the outbox delivers at least once), the one that waited for the other's row
     * lock finds the task registered and writes neither the dialog's number nor a second history entry.
     */
    Mono<Task> created(UUID taskId, TicketDesk.Request request) {
        return tasks.find(taskId)
                .filter(task -> task.requestNumber() == null)
                .flatMap(task -> register(task, request)
                        .flatMap(registered -> db.sql("UPDATE dialog SET request_number = :number "
                                        + "WHERE id = :dialog AND request_number IS NULL")
                                .bind("number", request.number())
                                .bind("dialog", task.dialogId())
                                .then()
                                .then(tasks.history(taskId, "TICKET_CREATED", null, null, null,
                                        "«Единое окно»: " + request.number() + " (ключ " + request.key() + ")")))
                        .then(tasks.find(taskId))
                        .as(tx::transactional));
    }

    /** Writes the request on the task while it is being created; the task's id, empty when it was written already. */
    private Mono<UUID> register(Task task, TicketDesk.Request request) {
        return db.sql("""
                        UPDATE task SET request_number = :number, ticket_id = :key, ticket_state = 'OPEN',
                            title = :title
                        WHERE id = :id AND ticket_state = 'CREATING' AND request_number IS NULL
                        RETURNING id""")
                .bind("id", task.id())
                .bind("number", request.number())
                .bind("key", request.key())
                .bind("title", Tasks.title(task.addressee() == null ? null
                        : ComplaintAddressee.valueOf(task.addressee()), request.number()))
                .map(row -> row.get("id", UUID.class))
                .one();
    }

    /**
     * The desk refused to register the task's request and will refuse again (the account is not let in, the
     * filing is wrong): the task says so and the line's supervisor is mailed, once a day per line.
     */
    Mono<Void> failed(UUID taskId, String reason) {
        return tasks.find(taskId)
                .flatMap(task -> db.sql("UPDATE task SET ticket_state = 'FAILED' WHERE id = :id "
                                + "AND ticket_state = 'CREATING'")
                        .bind("id", taskId)
                        .fetch()
                        .rowsUpdated()
                        .filter(updated -> updated > 0)
                        .flatMap(updated -> tasks.history(taskId, "TICKET_FAILED", null, null, null,
                                        truncated(reason, 1000))
                                .then(alert(task.lineId(), reason)))
                        .as(tx::transactional));
    }

    /** The supervisor of the line learns that the desk refuses the gateway; once a day per line. */
    Mono<Void> alert(String lineId, String reason) {
        return mailer.enqueue("ticket-desk-refused:" + lineId + ":" + LocalDate.now(properties.zone()),
                new MailMessage(properties.supervisorOf(lineId), null,
                        "«Единое окно» не принимает заявки шлюза",
                        "«Единое окно» (iTop) отказывает шлюзу: " + reason + "\n\n"
                                + "Заявки линии " + lineId + " не регистрируются автоматически. Проверьте учётную "
                                + "запись шлюза в iTop (профиль «REST Services User», права на создание заявок) и "
                                + "настройки gateway.ticket-desk; до тех пор регистрируйте заявки вручную.\n"));
    }

    /** The desk resolved the task's request: the task is done with the desk's solution. */
    Mono<Task> resolved(UUID taskId, String number, String solution) {
        String result = solution == null || solution.isBlank()
                ? "Заявка " + number + " выполнена в «Едином окне»."
                : truncated(solution.strip(), MAX_RESULT);
        return tasks.completeOpen(taskId, null, result, "«Единое окно»: заявка " + number + " решена");
    }

    /** A number kept unchecked names a request the desk has: the task follows it from now on. */
    Mono<Void> checked(UUID taskId, TicketDesk.Request request) {
        return db.sql("UPDATE task SET ticket_id = :key, ticket_state = 'OPEN' WHERE id = :id "
                        + "AND ticket_state = 'UNCHECKED'")
                .bind("id", taskId)
                .bind("key", request.key())
                .fetch()
                .rowsUpdated()
                .filter(updated -> updated > 0)
                .flatMap(updated -> tasks.history(taskId, "TICKET_CHECKED", null, null, null,
                        "«Единое окно»: " + request.number() + " (ключ " + request.key() + ")"))
                .as(tx::transactional);
    }

    /**
     * A number kept unchecked names no request the desk has: the task is completed by hand, and the line's supervisor
     * learns who typed it (the first of the day per agent and line, so that a typist's mistakes make one mail a day).
     */
    Mono<Void> unknown(UUID taskId, String number) {
        return tasks.find(taskId)
                .flatMap(task -> db.sql("UPDATE task SET ticket_state = 'UNKNOWN' WHERE id = :id "
                                + "AND ticket_state = 'UNCHECKED'")
                        .bind("id", taskId)
                        .fetch()
                        .rowsUpdated()
                        .filter(updated -> updated > 0)
                        .flatMap(updated -> tasks.history(taskId, "TICKET_UNKNOWN", null, null, null,
                                        "«Единое окно» не знает заявку " + number + "; результат вносится вручную")
                                .then(unknownTold(task, number)))
                        .as(tx::transactional));
    }

    private Mono<Void> unknownTold(Task task, String number) {
        return mailer.enqueue("ticket-desk-unknown:" + task.lineId() + ":" + task.ownerAgentId() + ":"
                        + LocalDate.now(properties.zone()),
                new MailMessage(properties.supervisorOf(task.lineId()), null,
                        "Номер заявки, которого нет в «Едином окне»: " + number,
                        "При закрытии обращения сотрудник " + task.ownerName() + " указал номер заявки " + number
                                + ", а в «Едином окне» (iTop) такой заявки нет. Задача «" + task.title()
                                + "» (линия " + task.lineId() + ") не будет закрыта сама: проверьте номер и "
                                + "внесите результат вручную. Другие такие номера этого сотрудника за сегодня "
                                + "видны в истории задач (TICKET_UNKNOWN).\n"));
    }

    private static String truncated(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
