package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import ru.rosdistant.gateway.cluster.JobLeases;

/**
 * Reads the status of the open tasks' requests in iTop, every {@code poll-interval} on one node (the lease
 * {@value #JOB}), {@code poll-batch} requests per call, least recently read first. A request in one of the
 * {@code done-statuses} completes its task with iTop's solution. The query names the requests by the keys iTop gave
 * (whole numbers the gateway stored), never by anything typed.
 */
@Component
@ConditionalOnProperty("gateway.ticket-desk.url")
class TicketPoller {

    static final String JOB = "ticket-desk-poller";

    /** The most requests one pass reads; the rest wait for the next pass (least recently read go first). */
    static final int MAX_PER_PASS = 5000;

    private static final Logger log = LoggerFactory.getLogger(TicketPoller.class);

    private final ItopClient client;

    private final DatabaseClient db;

    private final JobLeases leases;

    private final TaskTickets tickets;

    private final TicketDeskProperties properties;

    private volatile Disposable loop;

    TicketPoller(ItopClient client, DatabaseClient db, JobLeases leases, TaskTickets tickets,
            TicketDeskProperties properties) {
        this.client = client;
        this.db = db;
        this.leases = leases;
        this.tickets = tickets;
        this.properties = properties;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        // tells at start whether the account is let in, rather than at the first close
        client.call(client.operation("list_operations"))
                .subscribe(answer -> log.info("The ticket desk answers: {}", answer.message()),
                        error -> {
                            if (error instanceof ItopClient.Refused) {
                                log.error("The ticket desk refuses the gateway: {}", error.getMessage());
                            }
                            else {
                                log.warn("The ticket desk does not answer as it should yet: {}", error.getMessage());
                            }
                        });
        loop = Flux.interval(properties.pollInterval(), properties.pollInterval())
                .onBackpressureDrop()
                .concatMap(tick -> pass()
                        .onErrorResume(error -> {
                            log.warn("Reading the ticket desk failed; trying again at the next pass: {}",
                                    error.toString());
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

    /** What one pass did: the calls made to iTop and the tasks completed. */
    record Pass(int calls, int completed) {
    }

    /** One pass, if this node holds (or gets) the lease; nothing otherwise. */
    Mono<Pass> pass() {
        return leases.acquire(JOB, properties.pollInterval().multipliedBy(2))
                .flatMap(lease -> checkUnchecked()
                        .then(pollOpen()));
    }

    private record Followed(UUID taskId, long key, String number, String lineId) {
    }

    private record Unchecked(UUID taskId, String number, String lineId) {
    }

    /**
     * The numbers typed while the desk could not check them, {@code poll-batch} per pass, one call each (a field hash:
     * nothing typed becomes OQL): found, the task follows the request; unknown, it is completed by hand. A desk that
     * still cannot answer ends the pass.
     */
    private Mono<Void> checkUnchecked() {
        return db.sql("""
                        SELECT id, request_number, line_id FROM task
                        WHERE state = 'OPEN' AND ticket_state = 'UNCHECKED'
                        ORDER BY ticket_polled_at NULLS FIRST, created_at LIMIT :limit""")
                .bind("limit", properties.pollBatch())
                .map(row -> new Unchecked(row.get("id", UUID.class), row.get("request_number", String.class),
                        row.get("line_id", String.class)))
                .all()
                .concatMap(this::check)
                .then();
    }

    private Mono<Void> check(Unchecked task) {
        String number = task.number() == null ? "" : task.number().strip();
        if (!RecordedTicketDesk.looksLikeANumber(number)) {
            return tickets.unknown(task.taskId(), task.number());
        }
        return ItopTicketDesk.lookup(client, number)
                .flatMap(request -> request.key() == null ? tickets.unknown(task.taskId(), number)
                        : tickets.checked(task.taskId(), request))
                .onErrorResume(IllegalArgumentException.class, unknown -> tickets.unknown(task.taskId(), number))
                .onErrorResume(ItopClient.TooLarge.class, tooLarge -> polled(List.of(task.taskId())))
                .onErrorResume(ItopClient.Refused.class, refused -> {
                    log.error("The ticket desk refuses the poller: {}", refused.getMessage());
                    return tickets.alert(task.lineId(), refused.getMessage())
                            .then(Mono.error(refused));
                });
    }

    private Mono<Pass> pollOpen() {
        return db.sql("""
                        SELECT id, ticket_id, request_number, line_id FROM task
                        WHERE state = 'OPEN' AND ticket_id IS NOT NULL
                        ORDER BY ticket_polled_at NULLS FIRST, created_at LIMIT :limit""")
                .bind("limit", MAX_PER_PASS)
                .map(row -> new Followed(row.get("id", UUID.class), row.get("ticket_id", Long.class),
                        row.get("request_number", String.class), row.get("line_id", String.class)))
                .all()
                .buffer(properties.pollBatch())
                .concatMap(this::pollBatch)
                .reduce(new Pass(0, 0), (sum, one) -> new Pass(sum.calls() + one.calls(),
                        sum.completed() + one.completed()));
    }

    private Mono<Pass> pollBatch(List<Followed> batch) {
        Map<Long, Followed> byKey = batch.stream()
                .collect(Collectors.toMap(Followed::key, Function.identity(), (first, second) -> first));
        ObjectNode get = client.operation("core/get")
                .put("class", client.ticketClass())
                .put("output_fields", "id,ref,status,solution")
                .put("key", "SELECT " + client.ticketClass() + " WHERE id IN (" + byKey.keySet().stream()
                        .map(String::valueOf).collect(Collectors.joining(",")) + ")");
        return client.call(get)
                .retryWhen(Retry.backoff(2, Duration.ofSeconds(2))
                        .filter(error -> error instanceof ItopClient.Unavailable
                                && !(error instanceof ItopClient.TooLarge))
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                .flatMap(answer -> Flux.fromIterable(answer.objects())
                        .concatMap(object -> complete(object, byKey))
                        .count()
                        .flatMap(completed -> polled(ids(batch)).thenReturn(new Pass(1, completed.intValue()))))
                .onErrorResume(ItopClient.TooLarge.class, tooLarge -> halves(batch, tooLarge))
                .onErrorResume(ItopClient.Refused.class, refused -> {
                    log.error("The ticket desk refuses the poller: {}", refused.getMessage());
                    return Flux.fromIterable(batch)
                            .map(Followed::lineId)
                            .distinct()
                            .concatMap(line -> tickets.alert(line, refused.getMessage()))
                            .then(Mono.error(refused));
                });
    }

    private Mono<Task> complete(JsonNode object, Map<Long, Followed> byKey) {
        Followed followed = byKey.get(ItopTicketDesk.key(object));
        JsonNode fields = object.path("fields");
        if (followed == null || !properties.doneStatuses().contains(fields.path("status").asString(""))) {
            return Mono.empty();
        }
        String solution = HtmlText.plain(fields.path("solution").asString(""));
        return tickets.resolved(followed.taskId(), followed.number(), solution);
    }

    /**
     * An answer too large to read (long solutions): the batch is read in halves; a single request whose answer is too
     * large is skipped until its next turn (its task is completed by hand), so that it never holds up the others.
     */
    private Mono<Pass> halves(List<Followed> batch, ItopClient.TooLarge tooLarge) {
        if (batch.size() == 1) {
            log.error("The ticket desk's answer for request {} (task {}) is too large to read; it is skipped: {}",
                    batch.get(0).number(), batch.get(0).taskId(), tooLarge.getMessage());
            return polled(ids(batch)).thenReturn(new Pass(1, 0));
        }
        int half = batch.size() / 2;
        return Flux.just(batch.subList(0, half), batch.subList(half, batch.size()))
                .concatMap(this::pollBatch)
                .reduce(new Pass(1, 0), (sum, one) -> new Pass(sum.calls() + one.calls(),
                        sum.completed() + one.completed()));
    }

    private static List<UUID> ids(List<Followed> batch) {
        return batch.stream().map(Followed::taskId).toList();
    }

    private Mono<Void> polled(List<UUID> ids) {
        return db.sql("UPDATE task SET ticket_polled_at = now() WHERE id = ANY(:ids)")
                .bind("ids", ids.toArray(UUID[]::new))
                .then();
    }
}
