package ru.rosdistant.gateway.dialog;

import java.time.Instant;
import java.util.UUID;

/**
 * One stored message of a dialog. {@code seq} numbers a dialog's messages 1, 2, 3 … without gaps; system
 * events ({@code event} set) are messages too, so a resume replays them in order with the rest.
 */
public record Message(UUID dialogId, long seq, Sender sender, Long agentId, String authorName, String clientMsgId,
        String event, String body, Instant at) {
}
