package ru.rosdistant.gateway.task;

import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;

/** A follow-up task on a card. */
public record Task(UUID id, UUID cardId, UUID dialogId, String kind, String title, String requestNumber,
        String lineId, long ownerAgentId, String ownerName, String addressee, LocalDate due, String state,
        String result, int escalations, Instant createdAt, Instant completedAt) {
}
