package ru.rosdistant.gateway.dialog;

import java.util.UUID;

import ru.rosdistant.gateway.shared.LiveEvent;

/** Someone started or stopped typing in a dialog; not stored. */
public record TypingChanged(UUID dialogId, Sender sender, boolean typing, String name)
        implements DialogEvent, LiveEvent {
}
