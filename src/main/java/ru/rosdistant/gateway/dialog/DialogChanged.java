package ru.rosdistant.gateway.dialog;

import java.util.UUID;

import ru.rosdistant.gateway.shared.LiveEvent;

/**
 * The facts that change a dialog's row: its state, its agent, its line, its triage or its appeal type. Each is live:
 * its dialog's followers, its agent and the agent it left see it as it happens.
 */
public sealed interface DialogChanged extends DialogEvent, LiveEvent permits DialogAssigned, DialogForwarded,
        DialogRequeued, DialogTriaged, DialogClosed, DialogClassified {

    /** The dialog as it is after the change. */
    Dialog dialog();

    /** The agent who had the dialog before, when the change took it from them; null otherwise. */
    default Long previousAgentId() {
        return null;
    }

    @Override
    default UUID dialogId() {
        return dialog().id();
    }
}
