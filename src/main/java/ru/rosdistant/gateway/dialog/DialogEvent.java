package ru.rosdistant.gateway.dialog;

import java.util.UUID;

/** What the live sockets of a dialog hear about it. */
public sealed interface DialogEvent {

    UUID dialogId();

    /** A message was stored; delivered to everyone following the dialog. */
    record MessageAppended(Message message) implements DialogEvent {

        @Override
        public UUID dialogId() {
            return message.dialogId();
        }
    }

    /** The dialog was assigned, forwarded or closed; also delivered to the agent it belongs to. */
    record DialogChanged(Dialog dialog, Long previousAgentId) implements DialogEvent {

        @Override
        public UUID dialogId() {
            return dialog.id();
        }
    }

    /** Someone started or stopped typing; not stored. */
    record TypingChanged(UUID dialogId, Sender sender, boolean typing, String name) implements DialogEvent {
    }
}
