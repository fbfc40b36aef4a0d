package ru.rosdistant.gateway.dialog;

/** An agent who did not come back lost a dialog: it waits again, at the head of its line. */
public record DialogRequeued(Dialog dialog, Long previousAgentId) implements DialogChanged {
}
