package ru.rosdistant.gateway.offline;

import java.util.List;
import java.util.UUID;

import ru.rosdistant.gateway.dialog.Message;

/** The visitor's own messages of the widget dialog they had before the form; none when it was not proven theirs. */
record EarlierChat(UUID dialogId, List<Message> messages) {

    static final EarlierChat NONE = new EarlierChat(null, List.of());
}
