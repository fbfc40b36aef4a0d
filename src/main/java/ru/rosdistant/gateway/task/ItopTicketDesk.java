package ru.rosdistant.gateway.task;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import ru.rosdistant.gateway.web.TokenBucket;

/**
 * The ticket desk in iTop. A typed number is looked up with {@code core/get} and a key that is a field hash,
 * {@code {"ref": "<number>"}}: iTop compares the value, so nothing typed ever becomes OQL; a number of the wrong
 * form is refused before any call.
 * <p>
 * Agents type numbers at every close, and a close waits for the answer, so the lookups are guarded: an answer is
 * remembered for a while (the task's creation asks again right after the close), the node asks at most
 * {@code checks-per-minute}, and after iTop failed to answer it is not asked for {@code check-pause}. A number that is
 * not asked about is {@link TicketDeskUnavailable}: kept unchecked, and checked by the poller later.
 */
class ItopTicketDesk implements TicketDesk {

    /** How long a found request is remembered. */
    private static final long FOUND_NANOS = Duration.ofMinutes(1).toNanos();

    /** How long «no such request» is remembered (the second line may be registering it right now). */
    private static final long UNKNOWN_NANOS = Duration.ofSeconds(10).toNanos();

    private static final int MAX_REMEMBERED = 1000;

    private final ItopClient client;

    private final long pauseNanos;

    /** For the whole node: {@code checks-per-minute}, bursts up to a sixth of it (at least 5). */
    private final TokenBucket bucket;

    private final Map<String, Remembered> remembered = new ConcurrentHashMap<>();

    private volatile long pausedUntil = System.nanoTime();

    ItopTicketDesk(ItopClient client, TicketDeskProperties properties) {
        this.client = client;
        this.pauseNanos = properties.checkPause().toNanos();
        this.bucket = new TokenBucket(properties.checksPerMinute() / 60.0,
                Math.max(5, properties.checksPerMinute() / 6.0));
    }

    private record Remembered(Request request, long until) {
    }

    @Override
    public Mono<Request> checkRequestNumber(String number) {
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
        if (!bucket.tryAcquire()) {
            return Mono.error(new ItopClient.Unavailable("over gateway.ticket-desk.checks-per-minute; " + trimmed
                    + " is kept unchecked"));
        }
        return lookup(client, trimmed)
                .doOnNext(found -> remember(trimmed, found, FOUND_NANOS))
                .doOnError(IllegalArgumentException.class, notFound -> remember(trimmed, null, UNKNOWN_NANOS))
                .doOnError(TicketDeskUnavailable.class, unavailable -> pausedUntil = System.nanoTime() + pauseNanos);
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
