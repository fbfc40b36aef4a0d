package ru.rosdistant.gateway.dialog;

import java.util.UUID;

import ru.rosdistant.gateway.shared.LiveEvent;

/** An agent read a dialog up to {@code seq}; {@code unread} of the person's messages are left. */
public record DialogRead(UUID dialogId, long agentId, long seq, long unread) implements DialogEvent, LiveEvent {
}
