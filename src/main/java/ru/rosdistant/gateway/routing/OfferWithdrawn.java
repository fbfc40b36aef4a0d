package ru.rosdistant.gateway.routing;

import java.util.UUID;

/** An offer is no longer open for this agent (taken by someone else, expired, or the dialog closed). */
public record OfferWithdrawn(UUID dialogId, long agentId) {
}
