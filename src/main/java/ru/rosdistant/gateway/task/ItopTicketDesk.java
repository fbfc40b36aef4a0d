package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import ru.rosdistant.gateway.cluster.SharedBuckets;
import ru.rosdistant.gateway.web.ClientBuckets;

/**
 * The ticket desk in iTop. A typed number is looked up with {@code core/get} and a key that is a field hash,
 * {@code {"ref": "<number>"}}: iTop compares the value, so nothing typed ever becomes OQL; a number of the wrong
 * form is refused before any call.
 * <p>
 * Agents type numbers at every close, and a close waits for the answer, so the lookups are guarded: an answer is
 * remembered for a while (the task's creation asks again right after the close), the gateway asks at most
 * {@code checks-per-minute} and for one agent at most {@code checks-per-agent} (both shared by the nodes,
 * {@link SharedBuckets}), and after iTop failed to answer it is not asked for {@code check-pause}. A number that is
 * not asked about is {@link TicketDeskUnavailable}: kept unchecked, and checked by the poller later.
 */
class ItopTicketDesk implements TicketDesk {

    /** How long a found request is remembered. */
    private static final long FOUND_NANOS = Duration.ofMinutes(1).toNanos();

    /** How long «no such request» is remembered (the second line may be registering it right now). */
    private static final long UNKNOWN_NANOS = Duration.ofSeconds(10).toNanos();

    private static final int MAX_REMEMBERED = 1000;

    /** The one client of the gateway-wide bucket. */
    private static final String ALL = "all";

    private static final int TRACKED_AGENTS = 10_000;

    private final ItopClient client;

    private final long pauseNanos;

    private final Rate checks;

    private final Rate checksByAgent;

    private final Map<String, Remembered> remembered = new ConcurrentHashMap<>();

    private volatile long pausedUntil = System.nanoTime();

    ItopTicketDesk(ItopClient client, TicketDeskProperties properties, SharedBuckets shared) {
        this.client = client;
        this.pauseNanos = properties.checkPause().toNanos();
        this.checks = shared.bucket("ticket-desk-checks", properties.checksPerMinute() / 60.0,
                burst(properties.checksPerMinute()), 1)::tryAcquire;
        this.checksByAgent = shared.bucket("ticket-desk-checks-agent", properties.checksPerAgent() / 60.0,
                burst(properties.checksPerAgent()), TRACKED_AGENTS)::tryAcquire;
    }

    /** One node's desk, its guards counted on this node alone. */
    ItopTicketDesk(ItopClient client, TicketDeskProperties properties) {
        this.client = client;
        this.pauseNanos = properties.checkPause().toNanos();
        this.checks = local(properties.checksPerMinute(), 1);
        this.checksByAgent = local(properties.checksPerAgent(), TRACKED_AGENTS);
    }

    /** Bursts up to a sixth of the rate a minute, at least 5. */
    private static int burst(int perMinute) {
        return Math.max(5, perMinute / 6);
    }

    private static Rate local(int perMinute, int tracked) {
        ClientBuckets buckets = new ClientBuckets(perMinute / 60.0, burst(perMinute), tracked);
        return client -> Mono.just(buckets.tryAcquire(client));
    }

    /** A token bucket per client: empty when a token was taken, else how long until one is free. */
    private interface Rate {
        Mono<Optional<Duration>> tryAcquire(String client);
    }

    private record Remembered(Request request, long until) {
    }

    @Override
    public Mono<Request> checkRequestNumber(String number) {
        return check(number, null);
    }

    @Override
    public Mono<Request> checkRequestNumber(String number, long agentId) {
        return check(number, agentId);
    }

    private Mono<Request> check(String number, Long agentId) {
        String trimmed = number == null ? "" : number.strip();
        if (!RecordedTicketDesk.looksLikeANumber(trimmed)) {
            return Mono.error(new IllegalArgumentException("'" + number + "' is not a request number"));
        }
        long now = System.nanoTime();
        Remembered known = remembered.get(trimmed);
        if (known != null && now - known.until() < 0) {
            return known.request() != null ? Mono.just(known.request()) : Mono.error(unknown(trimmed));
        }
        if (now - pausedUntil < 0) {
            return Mono.error(new ItopClient.Unavailable("iTop failed to answer a moment ago; " + trimmed
                    + " is kept unchecked"));
        }
        return allowed(agentId)
                .flatMap(over -> over.isPresent()
                        ? Mono.error(new ItopClient.Unavailable("over gateway.ticket-desk." + over.get() + "; "
                                + trimmed + " is kept unchecked"))
                        : asked(trimmed));
    }

    /** One check made: its answer remembered, or, when iTop failed to give one, checks paused. */
    private Mono<Request> asked(String number) {
        return lookup(client, number)
                .doOnNext(found -> remember(number, found, FOUND_NANOS))
                .doOnError(IllegalArgumentException.class, notFound -> remember(number, null, UNKNOWN_NANOS))
                .doOnError(TicketDeskUnavailable.class, unavailable -> pausedUntil = System.nanoTime() + pauseNanos);
    }

    /**
     * Empty when a check may be made now (a token of the agent's and one of the gateway's taken), else the setting
     * that refuses it. The agent's bucket is looked at first, so that an agent over its share spends nothing of the
     * others'.
     */
    private Mono<Optional<String>> allowed(Long agentId) {
        Mono<Optional<String>> agent = agentId == null ? Mono.just(Optional.empty())
                : checksByAgent.tryAcquire(agentId.toString())
                        .map(wait -> wait.map(ignored -> "checks-per-agent"));
        return agent.flatMap(over -> over.isPresent() ? Mono.just(over)
                : checks.tryAcquire(ALL)
                        .map(wait -> wait.map(ignored -> "checks-per-minute")));
    }

    /** The request of a well-formed number, unguarded (the poller's checks): one {@code core/get}. */
    static Mono<Request> lookup(ItopClient client, String number) {
        ObjectNode get = client.operation("core/get")
                .put("class", client.ticketClass())
                .put("output_fields", "id,ref");
        get.putObject("key").put("ref", number);
        return client.call(get)
                .flatMap(answer -> answer.objects().size() == 1 ? Mono.just(request(answer.objects().get(0)))
                        : Mono.error(unknown(number)));
    }

    @Override
    public boolean creates() {
        return true;
    }

    private void remember(String number, Request request, long nanos) {
        if (remembered.size() >= MAX_REMEMBERED) {
            remembered.clear();
        }
        remembered.put(number, new Remembered(request, System.nanoTime() + nanos));
    }

    private static IllegalArgumentException unknown(String number) {
        return new IllegalArgumentException("No request " + number + " in the ticket desk");
    }

    /** The number and key of an object of an answer ({@code key} is a string or a number, as iTop's versions do). */
    static Request request(JsonNode object) {
        JsonNode fields = object.path("fields");
        return new Request(fields.path("ref").asString(""), key(object));
    }

    static Long key(JsonNode object) {
        JsonNode key = object.path("key");
        if (key.isMissingNode() || key.isNull()) {
            key = object.path("fields").path("id");
        }
        String text = key.asString("");
        return text.matches("[0-9]{1,18}") ? Long.valueOf(text) : null;
    }
}
