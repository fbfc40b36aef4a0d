package ru.rosdistant.gateway.dialog;

/** A dialog was closed; the agent it had is free for another one. */
public record DialogClosed(Dialog dialog) implements DialogChanged {
}
