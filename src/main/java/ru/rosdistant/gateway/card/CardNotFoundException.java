package ru.rosdistant.gateway.card;

import java.util.UUID;

/** No card with this id. */
public class CardNotFoundException extends RuntimeException {

    public CardNotFoundException(UUID id) {
        super("No card " + id);
    }
}
