package ru.rosdistant.gateway.dialog;

import java.util.UUID;

/** A message was stored (not a repeat of one stored before). */
public record MessageAppended(Message message) implements DialogEvent {

    @Override
    public UUID dialogId() {
        return message.dialogId();
    }
}
