package ru.rosdistant.gateway.dialog;

/** A dialog joined its line's waiting line: the visitor wrote the first message in it. */
public record DialogQueued(Dialog dialog) {
}
