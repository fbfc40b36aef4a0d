package ru.rosdistant.gateway.dialog;

import java.time.Instant;
import java.util.UUID;

/** A conversation of one visitor on one line, from opening to closing. */
public record Dialog(UUID id, UUID visitorId, String siteId, String lineId, String channel, DialogState state,
        Long agentId, String agentName, String visitorName, long lastSeq, Instant openedAt, Instant assignedAt,
        Instant closedAt, Sender closedBy, Forward lastForward, Triage triage, AppealType appealType,
        String requestNumber) {

    /** The latest hand-over of the dialog, with the note for the colleague who receives it. */
    public record Forward(String by, String note, Instant at) {
    }

    public boolean isClosed() {
        return state == DialogState.CLOSED;
    }

    public boolean isAssignedTo(long agent) {
        return state == DialogState.ASSIGNED && agentId != null && agentId == agent;
    }
}
