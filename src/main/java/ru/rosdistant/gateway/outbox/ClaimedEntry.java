package ru.rosdistant.gateway.outbox;

import tools.jackson.databind.JsonNode;

/** An entry leased to this relay for one attempt; {@code attempt} fences the outcome against a later claim. */
record ClaimedEntry(long id, String kind, String dedupKey, JsonNode payload, int attempt) {
}
