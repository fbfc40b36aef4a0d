package ru.rosdistant.gateway.dialog;

/** Published (in process) after a messenger user waited past the line's maximum and the bot kept the question. */
public record DialogKeptOffline(Dialog dialog) {
}
