package ru.rosdistant.gateway.dialog;

import java.util.UUID;

/** A new dialog was stored, waiting. */
public record DialogOpened(Dialog dialog) implements DialogEvent {

    @Override
    public UUID dialogId() {
        return dialog.id();
    }
}
