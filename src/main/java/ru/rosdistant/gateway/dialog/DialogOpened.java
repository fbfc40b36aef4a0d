package ru.rosdistant.gateway.dialog;

/** Published (in process) after a new dialog is stored, for routing to pick it up. */
public record DialogOpened(Dialog dialog) {
}
