package ru.rosdistant.gateway.card;

import java.util.Map;

/** A change to a card that is refused, with what is wrong with each field (the console shows it by the field). */
public class CardChangeRefused extends IllegalArgumentException {

    private final Map<String, String> errors;

    CardChangeRefused(Map<String, String> errors) {
        super(errors.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                .reduce((a, b) -> a + "; " + b).orElse("refused"));
        this.errors = Map.copyOf(errors);
    }

    public Map<String, String> errors() {
        return errors;
    }
}
