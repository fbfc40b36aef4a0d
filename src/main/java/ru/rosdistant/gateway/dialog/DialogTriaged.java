package ru.rosdistant.gateway.dialog;

/** The dispatcher judged a dialog nobody had to be spam (one still waiting is closed as well). */
public record DialogTriaged(Dialog dialog) implements DialogChanged {
}
