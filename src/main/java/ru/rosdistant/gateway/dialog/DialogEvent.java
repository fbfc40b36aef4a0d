package ru.rosdistant.gateway.dialog;

import java.util.UUID;

/**
 * A fact about a dialog, in the past tense, published once by {@link DialogEvents} after it was stored (typing, which
 * is not stored, as it happens).
 */
public sealed interface DialogEvent permits MessageAppended, TypingChanged, DialogRead, DialogChanged, DialogOpened,
        DialogQueued, DialogKeptOffline {

    UUID dialogId();
}
