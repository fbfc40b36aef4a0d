package ru.rosdistant.gateway.task;

import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import org.springframework.web.util.HtmlUtils;
import ru.rosdistant.gateway.card.Transcripts;
import ru.rosdistant.gateway.dialog.AppealType;
import ru.rosdistant.gateway.outbox.Outbox;
import ru.rosdistant.gateway.outbox.OutboxHandler;
import ru.rosdistant.gateway.outbox.PermanentDeliveryFailure;

/**
 * Registers a task's request in iTop, from the outbox: a {@code UserRequest} filed under the service and
 * subcategory of its appeal type and line, with the channel's origin, the contact centre's person as the caller, and
 * in the description the person's name, group, phones and e-mails and the transcript.
 * <p>
 * {@code core/create} is not idempotent, and its answer can be lost after iTop created the request. So the title
 * carries a marker of the task ({@code [gw-<task id>]}, fixed when the entry was queued) and every attempt first
 * looks for a request with that title ({@code core/get} with a field hash, exact match): one found is the one a
 * lost answer made, and is taken instead of creating another.
 */
@Component
@ConditionalOnProperty("gateway.ticket-desk.url")
class TicketCreation implements OutboxHandler {

    static final String KIND = "ticket-desk-create";

    private static final Logger log = LoggerFactory.getLogger(TicketCreation.class);

    /** iTop's description is MEDIUMTEXT; the transcript is cut well before. */
    private static final int MAX_TRANSCRIPT = 60_000;

    private final ItopClient client;

    private final DatabaseClient db;

    private final Transcripts transcripts;

    private final TaskTickets tickets;

    private final TicketDeskProperties properties;

    TicketCreation(ItopClient client, DatabaseClient db, Transcripts transcripts, TaskTickets tickets,
            TicketDeskProperties properties) {
        this.client = client;
        this.db = db;
        this.transcripts = transcripts;
        this.tickets = tickets;
        this.properties = properties;
    }

    /** Queues the registration of a task's request (in the transaction that creates the task). */
    static Mono<Void> enqueue(Outbox outbox, UUID taskId, String appealType, String lineId) {
        String title = label(appealType) + ": обращение в контакт-центр, линия " + lineId + " [gw-" + taskId + "]";
        return outbox.enqueue(KIND, KIND + ":" + taskId, Map.of("taskId", taskId.toString(), "title", title,
                "subject", title));
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Mono<Void> deliver(JsonNode payload) {
        UUID taskId = UUID.fromString(payload.path("taskId").asString());
        String title = payload.path("title").asString();
        return filing(taskId)
                .flatMap(filing -> findByTitle(title)
                        .switchIfEmpty(Mono.defer(() -> create(filing, title)))
                        .flatMap(request -> tickets.created(taskId, request)))
                .onErrorResume(ItopClient.Refused.class, refused -> tickets.failed(taskId, refused.getMessage())
                        .then(Mono.error(new PermanentDeliveryFailure(refused.getMessage(), refused))))
                .then();
    }

    /** What the request is made of; empty when the task has its request already (nothing to do). */
    private record Filing(UUID taskId, UUID dialogId, String lineId, AppealType type, String channel, String name,
            String group, String[] phones, String[] emails) {
    }

    private Mono<Filing> filing(UUID taskId) {
        return db.sql("""
                        SELECT t.id, t.dialog_id, t.line_id, d.appeal_type, d.channel, c.name, c.study_group,
                               c.phones, c.emails
                        FROM task t JOIN dialog d ON d.id = t.dialog_id JOIN card c ON c.id = t.card_id
                        WHERE t.id = :id AND t.ticket_state = 'CREATING'""")
                .bind("id", taskId)
                .map(row -> new Filing(taskId, row.get("dialog_id", UUID.class), row.get("line_id", String.class),
                        AppealType.valueOf(row.get("appeal_type", String.class)), row.get("channel", String.class),
                        row.get("name", String.class), row.get("study_group", String.class),
                        row.get("phones", String[].class), row.get("emails", String[].class)))
                .one();
    }

    private Mono<TicketDesk.Request> findByTitle(String title) {
        ObjectNode get = client.operation("core/get")
                .put("class", client.ticketClass())
                .put("output_fields", "id,ref");
        get.putObject("key").put("title", title);
        return client.call(get)
                .flatMap(answer -> answer.objects().isEmpty() ? Mono.empty()
                        : Mono.just(ItopTicketDesk.request(answer.objects().get(0))))
                .doOnNext(found -> log.info("The ticket desk has {} already for '{}': an earlier answer was lost; "
                        + "taking it", found.number(), title));
    }

    private Mono<TicketDesk.Request> create(Filing filing, String title) {
        return transcripts.render(filing.dialogId())
                .defaultIfEmpty("")
                .flatMap(transcript -> {
                    ObjectNode create = client.operation("core/create")
                            .put("class", client.ticketClass())
                            .put("comment", "contact-gateway")
                            .put("output_fields", "id,ref");
                    fields(create.putObject("fields"), filing, title, transcript);
                    return client.call(create);
                })
                .flatMap(answer -> answer.objects().size() == 1
                        ? Mono.just(ItopTicketDesk.request(answer.objects().get(0)))
                        : Mono.error(new ItopClient.Unavailable("iTop core/create answered " + answer.objects().size()
                                + " objects")));
    }

    private void fields(ObjectNode fields, Filing filing, String title, String transcript) {
        TicketDeskProperties.Filing service = properties.filing(filing.lineId(), filing.type());
        fields.put("title", title);
        fields.put("description", description(filing, transcript));
        fields.put("origin", properties.origin(filing.channel().toLowerCase(Locale.ROOT)));
        if (properties.orgId() != null) {
            fields.put("org_id", properties.orgId());
        }
        if (properties.callerId() != null) {
            fields.put("caller_id", properties.callerId());
        }
        if (service.serviceId() != null) {
            fields.put("service_id", service.serviceId());
        }
        if (service.servicesubcategoryId() != null) {
            fields.put("servicesubcategory_id", service.servicesubcategoryId());
        }
        if (service.requestType() != null) {
            fields.put("request_type", service.requestType());
        }
    }

    /** iTop's description is HTML: every value from the person or the dialog is escaped. */
    private static String description(Filing filing, String transcript) {
        String cut = transcript.length() <= MAX_TRANSCRIPT ? transcript
                : transcript.substring(0, MAX_TRANSCRIPT) + "\n…";
        return "<p>" + escape(label(filing.type().name())) + " из контакт-центра Росдистанта (линия "
                + escape(filing.lineId()) + ", канал " + escape(filing.channel().toLowerCase(Locale.ROOT)) + ").</p>"
                + "<p>Заявитель: " + escape(filing.name())
                + "<br>Группа: " + escape(orDash(filing.group()))
                + "<br>Телефон: " + escape(joined(filing.phones()))
                + "<br>E-mail: " + escape(joined(filing.emails())) + "</p>"
                + "<p>Журнал диалога:</p><pre>" + escape(cut) + "</pre>";
    }

    static String label(String appealType) {
        return switch (appealType) {
            case "SERVICE_REQUEST" -> "Запрос на обслуживание";
            case "CHANGE_REQUEST" -> "Запрос на изменение";
            case "COMPLAINT" -> "Жалоба";
            default -> "Обращение";
        };
    }

    private static String joined(String[] values) {
        return values == null || values.length == 0 ? "—" : String.join(", ", values);
    }

    private static String orDash(String value) {
        return value == null || value.isBlank() ? "—" : value;
    }

    private static String escape(String text) {
        return HtmlUtils.htmlEscape(text, "UTF-8");
    }
}
