package ru.rosdistant.gateway.dialog;

import java.util.UUID;

/** A dialog joined its line's waiting line: the visitor wrote the first message in it. */
public record DialogQueued(Dialog dialog) implements DialogEvent {

    @Override
    public UUID dialogId() {
        return dialog.id();
    }
}
