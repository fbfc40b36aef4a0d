package ru.rosdistant.gateway.dialog;

import java.time.Instant;
import java.util.UUID;

/** A conversation of one visitor on one line, from opening to closing. */
public record Dialog(UUID id, UUID visitorId, String siteId, String lineId, String channel, DialogState state,
        Long agentId, String agentName, String visitorName, long lastSeq, Instant openedAt, Instant assignedAt,
        Instant closedAt, Sender closedBy) {

    public boolean isClosed() {
        return state == DialogState.CLOSED;
    }

    public boolean isAssignedTo(long agent) {
        return state == DialogState.ASSIGNED && agentId != null && agentId == agent;
    }
}
