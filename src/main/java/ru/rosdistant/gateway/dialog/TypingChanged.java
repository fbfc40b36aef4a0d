package ru.rosdistant.gateway.dialog;

import java.util.UUID;

/** Someone started or stopped typing in a dialog; not stored. */
public record TypingChanged(UUID dialogId, Sender sender, boolean typing, String name) implements DialogEvent {
}
