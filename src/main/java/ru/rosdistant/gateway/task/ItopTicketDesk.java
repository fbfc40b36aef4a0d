package ru.rosdistant.gateway.task;

import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The ticket desk in iTop. A typed number is looked up with {@code core/get} and a key that is a field hash,
 * {@code {"ref": "<number>"}}: iTop compares the value, so nothing typed ever becomes OQL; a number of the wrong
 * form is refused before any call.
 */
class ItopTicketDesk implements TicketDesk {

    private final ItopClient client;

    ItopTicketDesk(ItopClient client) {
        this.client = client;
    }

    @Override
    public Mono<Request> checkRequestNumber(String number) {
        String trimmed = number == null ? "" : number.strip();
        if (!RecordedTicketDesk.looksLikeANumber(trimmed)) {
            return Mono.error(new IllegalArgumentException("'" + number + "' is not a request number"));
        }
        ObjectNode get = client.operation("core/get")
                .put("class", client.ticketClass())
                .put("output_fields", "id,ref");
        get.putObject("key").put("ref", trimmed);
        return client.call(get)
                .flatMap(answer -> answer.objects().size() == 1 ? Mono.just(request(answer.objects().get(0)))
                        : Mono.error(new IllegalArgumentException("No request " + trimmed + " in the ticket desk")));
    }

    @Override
    public boolean creates() {
        return true;
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
