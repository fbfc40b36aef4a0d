package ru.rosdistant.gateway.task;

import java.util.UUID;

import ru.rosdistant.gateway.shared.LiveEvent;

/**
 * The person of a card wrote again (regulation 4.2), and the card's responsible agent got a task for it.
 * {@code subjectId} is the new dialog, or the offline appeal ({@code appeal} true).
 */
public record PersonWroteAgain(UUID subjectId, boolean appeal, long agentId, UUID cardId, UUID taskId, String name,
        String channel, String title)
        implements LiveEvent {
}
