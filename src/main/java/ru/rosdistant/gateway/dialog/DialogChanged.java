package ru.rosdistant.gateway.dialog;

import java.util.UUID;

/** The facts that change a dialog's row: its state, its agent, its line, its triage or its appeal type. */
public sealed interface DialogChanged extends DialogEvent permits DialogAssigned, DialogForwarded, DialogRequeued,
        DialogTriaged, DialogClosed, DialogClassified {

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
