package ru.rosdistant.gateway.dialog;

/** Published (in process) after a dialog was closed; the agent it had is free for another one. */
public record DialogClosed(Dialog dialog) {
}
