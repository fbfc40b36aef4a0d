package ru.rosdistant.gateway.offline;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Component;
import org.springframework.transaction.reactive.TransactionalOperator;
import ru.rosdistant.gateway.agent.Agent;
import ru.rosdistant.gateway.agent.Role;
import ru.rosdistant.gateway.dialog.AppealType;
import ru.rosdistant.gateway.dialog.Triage;
import ru.rosdistant.gateway.mail.MailMessage;
import ru.rosdistant.gateway.mail.Mailer;
import ru.rosdistant.gateway.outbox.Outbox;
import ru.rosdistant.gateway.task.Tasks;
import ru.rosdistant.gateway.triage.DispatcherTriage;

/**
 * What staff do with an offline appeal: the dispatcher triages one of the main site (regulation 4.3.1), an agent
 * of its line answers it — by e-mail through the outbox when the person gave an address, in the messenger they
 * wrote from, or records an answer given by phone — and classifies it with the appeal type. An appeal outside the
 * caller's lines is answered as if it did not exist.
 */
@Component
class OfflineAppealWork {

    private static final Set<String> MESSENGERS = Set.of("TELEGRAM", "VIBER", "WHATSAPP");

    private final DatabaseClient db;

    private final TransactionalOperator tx;

    private final OfflineAppeals appeals;

    private final DispatcherTriage triage;

    private final Mailer mailer;

    private final Outbox outbox;

    private final Tasks tasks;

    OfflineAppealWork(DatabaseClient db, TransactionalOperator tx, OfflineAppeals appeals, DispatcherTriage triage,
            Mailer mailer, Outbox outbox, Tasks tasks) {
        this.tasks = tasks;
        this.db = db;
        this.tx = tx;
        this.appeals = appeals;
        this.triage = triage;
        this.mailer = mailer;
        this.outbox = outbox;
    }

    Mono<OfflineAppeals.Appeal> visible(UUID id, Agent agent) {
        return appeals.find(id)
                .filter(appeal -> agent.has(Role.ADMIN) || agent.serves(appeal.lineId()))
                .switchIfEmpty(Mono.error(() -> new OfflineAppealNotFoundException(id)));
    }

    /** The dispatcher's decision on an appeal of their line: spam leaves the list, the rest go to their line. */
    Mono<OfflineAppeals.Appeal> triage(UUID id, Agent agent, Triage outcome) {
        if (!agent.has(Role.DISPATCHER) && !agent.has(Role.SUPERVISOR)) {
            return Mono.error(new OfflineAppealConflictException("Only a dispatcher triages"));
        }
        return visible(id, agent)
                .filter(appeal -> appeal.lineId().equals(triage.line()) && appeal.triage() == null)
                .switchIfEmpty(Mono.error(() -> new OfflineAppealConflictException(
                        "Only an untriaged appeal of the dispatcher's line can be triaged")))
                .flatMap(appeal -> db.sql("UPDATE offline_appeal SET triage = :triage, triaged_at = now(), "
                                + "line_id = coalesce(:line, line_id) WHERE id = :id AND triage IS NULL")
                        .bind("id", id)
                        .bind("triage", outcome.name())
                        .bind("line", Parameter.fromOrEmpty(triage.targetLine(outcome), String.class))
                        .then())
                .then(appeals.find(id));
    }

    /** Answers the person where they can be reached; once. */
    Mono<OfflineAppeals.Appeal> answer(UUID id, Agent agent, String text) {
        if (text == null || text.isBlank() || text.length() > 8000) {
            return Mono.error(new IllegalArgumentException("text: 1 to 8000 characters"));
        }
        String answer = text.strip();
        return visible(id, agent)
                .filter(appeal -> appeal.answeredAt() == null)
                .switchIfEmpty(Mono.error(() -> new OfflineAppealConflictException("The appeal is answered already")))
                .flatMap(appeal -> db.sql("UPDATE offline_appeal SET answer = :answer, answered_at = now(), "
                                + "agent_id = coalesce(agent_id, :agent) WHERE id = :id AND answered_at IS NULL")
                        .bind("id", id)
                        .bind("answer", answer)
                        .bind("agent", agent.id())
                        .then()
                        .then(deliver(appeal, answer))
                        .as(tx::transactional))
                .then(appeals.find(id));
    }

    private Mono<Void> deliver(OfflineAppeals.Appeal appeal, String answer) {
        if (appeal.email() != null) {
            return mailer.enqueue("appeal-answer:" + appeal.id(), new MailMessage(appeal.email(), null,
                    "Ответ на ваше обращение", answer + "\n\n—\nКонтакт-центр Росдистант\n"));
        }
        if (MESSENGERS.contains(appeal.channel()) && appeal.visitorId() != null) {
            return db.sql("SELECT bot_id, external_id FROM messenger_user WHERE visitor_id = :visitor")
                    .bind("visitor", appeal.visitorId())
                    .map(row -> Map.entry(row.get("bot_id", String.class), row.get("external_id", String.class)))
                    .one()
                    .flatMap(user -> {
                        String platform = appeal.channel().toLowerCase(Locale.ROOT);
                        Map<String, Object> payload = new LinkedHashMap<>();
                        payload.put("bot", user.getKey());
                        payload.put("chat", user.getValue());
                        payload.put("text", answer);
                        payload.put("to", platform + ":" + user.getValue());
                        return outbox.enqueue(platform + ".send", "appeal-answer:" + appeal.id(), payload);
                    });
        }
        // a phone only: the agent called and records what they said
        return Mono.empty();
    }

    /**
     * Classifies the appeal (regulation 4.3.2c), once; it then leaves the line's list. A service or change request or
     * a complaint gets its task as a dialog does (the service's own deadline {@code serviceDue} for a service
     * request, +3 working days otherwise); the task sweep makes it should this fail.
     */
    Mono<OfflineAppeals.Appeal> classify(UUID id, Agent agent, AppealType type, String requestNumber,
            java.time.LocalDate serviceDue) {
        if (type == null) {
            return Mono.error(new IllegalArgumentException("appealType: CONSULTATION, SERVICE_REQUEST, COMPLAINT or "
                    + "CHANGE_REQUEST"));
        }
        String number = requestNumber == null || requestNumber.isBlank() ? null : requestNumber.strip();
        if (type.needsRequestNumber() && number == null || number != null && number.length() > 64) {
            return Mono.error(new IllegalArgumentException("requestNumber: the ticket-desk number, up to 64 "
                    + "characters, for anything but a consultation"));
        }
        return visible(id, agent)
                .filter(appeal -> appeal.classifiedAt() == null)
                .switchIfEmpty(Mono.error(() -> new OfflineAppealConflictException("The appeal is classified already")))
                .flatMap(appeal -> db.sql("UPDATE offline_appeal SET appeal_type = :type, request_number = :number, "
                                + "classified_at = :now, agent_id = coalesce(agent_id, :agent), service_due = :due "
                                + "WHERE id = :id AND classified_at IS NULL")
                        .bind("id", id)
                        .bind("due", Parameter.fromOrEmpty(type == AppealType.SERVICE_REQUEST ? serviceDue : null,
                                java.time.LocalDate.class))
                        .bind("type", type.name())
                        .bind("number", Parameter.fromOrEmpty(number, String.class))
                        .bind("now", Instant.now().atOffset(java.time.ZoneOffset.UTC))
                        .bind("agent", agent.id())
                        .then())
                .then(tasks.createForAppeal(id)
                        .then()
                        .onErrorResume(error -> Mono.empty()))
                .then(appeals.find(id));
    }
}
