package ru.rosdistant.gateway.dialog;

import java.util.UUID;

import ru.rosdistant.gateway.shared.LiveEvent;

/** A message was stored (not a repeat of one stored before). */
public record MessageAppended(Message message) implements DialogEvent, LiveEvent {

    @Override
    public UUID dialogId() {
        return message.dialogId();
    }
}
