package ru.rosdistant.gateway.canned;

import java.time.Instant;

/** A ready answer of one line; {@code shortcut} (e.g. {@code /hello}) inserts its text in the console. */
public record CannedAnswer(long id, String line, String title, String text, String shortcut, Long createdBy,
        Instant updatedAt) {
}
