package ru.rosdistant.gateway.dialog;

/** Published (in process) after a waiting dialog was given to an agent. */
public record DialogAssigned(Dialog dialog) {
}
