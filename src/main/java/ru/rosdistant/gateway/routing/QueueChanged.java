package ru.rosdistant.gateway.routing;

import java.util.UUID;

import ru.rosdistant.gateway.shared.LiveEvent;

/**
 * A waiting dialog's place in its line changed, or whether anyone of the line is online to answer.
 * {@code estimatedWaitSeconds} is null unless the line's recent pace gives one. Not stored.
 */
public record QueueChanged(UUID dialogId, int position, Long estimatedWaitSeconds, int agentsOnline)
        implements LiveEvent {
}
