package ru.rosdistant.gateway.dialog;

import java.time.Instant;
import java.util.UUID;

/** A conversation of one visitor on one line, from opening to closing. */
public record Dialog(UUID id, UUID visitorId, String siteId, String lineId, String channel, DialogState state,
        Long agentId, String agentName, String visitorName, long lastSeq, Instant openedAt, Instant assignedAt,
        Instant closedAt, Sender closedBy, Forward lastForward, Triage triage, AppealType appealType,
        String requestNumber, Inbox inbox) {

    /**
     * What the agent's dialog list shows: the name on the person's card (null without a card), the first line of the
     * last message of the person or an agent, since when the person waits for an answer (their oldest message after
     * the latest agent message; null when an agent spoke last or the person has not written) and how many of the
     * person's messages the dialog's agent has not read.
     */
    public record Inbox(String cardName, String preview, Instant waitingSince, long unread) {

        public static final Inbox NONE = new Inbox(null, null, null, 0);
    }

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
