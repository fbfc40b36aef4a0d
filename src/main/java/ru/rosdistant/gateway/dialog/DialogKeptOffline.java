package ru.rosdistant.gateway.dialog;

import java.util.UUID;

/** A messenger user waited past the line's maximum and the bot kept the question. */
public record DialogKeptOffline(Dialog dialog) implements DialogEvent {

    @Override
    public UUID dialogId() {
        return dialog.id();
    }
}
