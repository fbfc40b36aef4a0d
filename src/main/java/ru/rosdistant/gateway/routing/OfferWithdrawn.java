package ru.rosdistant.gateway.routing;

import java.util.UUID;

import ru.rosdistant.gateway.shared.LiveEvent;

/** An offer is no longer open for this agent (taken by someone else, expired, or the dialog closed). */
public record OfferWithdrawn(UUID dialogId, long agentId) implements LiveEvent {
}
